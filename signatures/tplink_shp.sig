# TP-Link Smart Home Protocol (Kasa plugs, bulbs, switches; UDP and TCP 9999): JSON such as
# {"system":{"get_sysinfo":{}}}, "encrypted" with an autokey XOR whose key starts at 171 (each
# byte is XORed with the previous cipher byte). A fixed plaintext start therefore gives fixed
# cipher bytes. The JSON's first key is one of the protocol's modules ("system", "emeter",
# "smartlife.iot.*", "schedule", "time", "cnCloud", "netif", "context", "count_down",
# "anti_theft"); one rule per module, on the cipher of `{"MODULE":`. Over TCP a 32-bit length of
# the JSON comes first.
# Precision: at least 64 fixed bits (UDP); over TCP the length equal to the segment's rest and
# the cipher of `{"` (about 48 bits).

protocol TPLINK_SHP id 332 category IoT-Scada
  # {"system":
  rule udp-system
    transport udp
    port 9999
    prefix 0xd0f281f88bff9af7d5ef
    # tplink_shp.pcap, 192.168.242.41:9999 -> 255.255.255.255:9999 ({"system":{"get_sysinfo":{}}})
    example match d0f281f88bff9af7d5ef94b6d1b4c09fec95e68fe187e8caf08bf68bf6
    # Plain JSON is not this protocol.
    example nomatch 7b2273797374656d223a7b226765745f737973696e666f223a7b7d7d7d

  # {"emeter":
  rule udp-emeter
    transport udp
    port 9999
    prefix 0xd0f297fa9feb8efcdee4

  # {"smartlife.iot.
  rule udp-smartlife
    transport udp
    port 9999
    prefix 0xd0f281ec8dff8be78ee88da3caa5d1ff

  # {"schedule":
  rule udp-schedule
    transport udp
    port 9999
    prefix 0xd0f281e28aef8bfe92f7d5ef

  # {"time":
  rule udp-time
    transport udp
    port 9999
    prefix 0xd0f286ef82e7c5ff

  # {"cnCloud":
  rule udp-cncloud
    transport udp
    port 9999
    prefix 0xd0f291ffbcd0bfcaae8cb6

  # {"netif":
  rule udp-netif
    transport udp
    port 9999
    prefix 0xd0f29cf98de482a09a

  # {"context":
  rule udp-context
    transport udp
    port 9999
    prefix 0xd0f291fe90e481f98daf95

  # {"count_down":
  rule udp-count-down
    transport udp
    port 9999
    prefix 0xd0f291fe8be591ceaac5b2dcfec4

  # {"anti_theft":
  rule udp-anti-theft
    transport udp
    port 9999
    prefix 0xd0f293fd89e0bfcba3c6a0d4f6cc

  rule tcp
    transport tcp
    port 9999
    len == u32@0 + 4
    at 4 0xd0f2
    # The discovery query above with its TCP length prefix.
    example match 0000001dd0f281f88bff9af7d5ef94b6d1b4c09fec95e68fe187e8caf08bf68bf6
