# VXLAN (RFC 7348): an 8-byte header, flags 0x08 (a valid VNI) and 24 reserved zero bits, the
# 24-bit VNI and 8 more reserved zero bits, then an Ethernet frame. With tunnel decapsulation
# (the default) nfdpi names the inner flows; this rule names the tunnel where it is not
# decapsulated (another port, or decapsulation off).

protocol VXLAN id 64 category Tunnel
  rule header
    transport udp
    packet within 5
    len >= 22
    u32@0 == 0x08000000
    u8@7 == 0
    # vxlan.pcap, 192.168.22.4:60887 -> 192.168.22.5:4789 (first 32 bytes)
    example match 0800000000045700667a50aaff9a1eea692a6fcf08004500003a35b040004011d6e5
