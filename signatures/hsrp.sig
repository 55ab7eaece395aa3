# Cisco HSRP (RFC 2281 for v1; v2 with TLVs) on UDP 1985 (IPv4) and 2029 (IPv6).

protocol HSRP id 282 category Network
  # v1: version 0, opcode 0-2 (hello, coup, resign), a state of 0, 1, 2, 4, 8 or 16, a reserved
  # zero byte, in a 20-byte message.
  rule v1
    transport udp
    port 1985
    len == 20
    u8@0 == 0
    u8@1 in 0..2
    u8@2 in {0, 1, 2, 4, 8, 16}
    u8@7 == 0

  # v2: a group-state TLV (type 1, length 40) carrying version 2, opcode 0-2, state 0-6.
  rule v2
    transport udp
    port 1985, 2029
    len >= 42
    u16@0 == 0x0128
    u8@2 == 2
    u8@3 in 0..2
    u8@4 in 0..6
    # hsrp2.pcap, 10.52.220.125:1985 -> 224.0.0.102:1985
    example match 0128020005040398700f6aeff5bf0000005a00000bb8000027100a34dc7e0000000000000000000000000308636973636f000000
