# TP-Link Smart Home Protocol (port 9999): JSON "encrypted" with an autokey XOR starting from
# 171, so a message opening `{"` always starts D0 F2. Over TCP a 4-byte length comes first.

protocol TPLINK_SHP id 332 category IoT-Scada
  rule udp
    transport udp
    port 9999
    prefix 0xd0f2
    # tplink_shp.pcap, 192.168.242.41:9999 -> 255.255.255.255:9999
    example match d0f281f88bff9af7d5ef94b6d1b4c09fec95e68fe187e8caf08bf68bf6

  rule tcp
    transport tcp
    port 9999
    len == u32@0 + 4
    at 4 0xd0f2
