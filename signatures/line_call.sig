# LINE voice and video calls (LINE Corporation's app). Its relays live in LINE's own address
# space (AS38631; the prefixes below are the ones nDPI lists for LINE, current in nDPI's
# generated ndpi_asn_line.c.inc): a call's datagrams to or from them carry LINE's own framing,
# of which these shapes are fixed (from nDPI's dissector): 110 bytes opening B6 18 00 6A; 46,
# 8 and 16 bytes opening B6 13 00 06, B6 07 00 04 and B6 09 00 0C; 738 bytes or more opening
# DA/DB with 06 02 at offset 4; 150 bytes or more opening D8/D9, a second byte 9x, Dx or Ex, and
# 06 02 at offset 4; or D0 followed by B3, B4, DA or DB. The address is LINE's, so together
# with 14 to 32 fixed bits a flow is named; off LINE's addresses nDPI falls back on a per-
# direction packet counter in byte 3, which this language cannot follow (see the report).
# These are call rules: a named flow carries a call.

protocol LineCall id 316 category VoIP
  rule relay-110
    transport udp
    ip 43.223.0.0/16, 103.2.28.0/24, 103.2.30.0/23, 119.235.224.0/24, 119.235.232.0/24, 119.235.235.0/24, 119.235.236.0/23, 125.209.252.0/24, 147.92.128.0/17, 203.104.128.0/20, 203.104.144.0/21, 203.104.152.0/22, 203.104.156.0/23, 203.104.158.0/24
    len == 110
    u32@0 == 0xb618006a
    # built from the shape above
    example match b618006a00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    example nomatch b618006b00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000

  rule relay-control
    transport udp
    ip 43.223.0.0/16, 103.2.28.0/24, 103.2.30.0/23, 119.235.224.0/24, 119.235.232.0/24, 119.235.235.0/24, 119.235.236.0/23, 125.209.252.0/24, 147.92.128.0/17, 203.104.128.0/20, 203.104.144.0/21, 203.104.152.0/22, 203.104.156.0/23, 203.104.158.0/24
    len in 8..46
    u32@0 in {0xb6130006, 0xb6070004, 0xb609000c}
    example match b6070004a1b2c3d4

  rule relay-large
    transport udp
    ip 43.223.0.0/16, 103.2.28.0/24, 103.2.30.0/23, 119.235.224.0/24, 119.235.232.0/24, 119.235.235.0/24, 119.235.236.0/23, 125.209.252.0/24, 147.92.128.0/17, 203.104.128.0/20, 203.104.144.0/21, 203.104.152.0/22, 203.104.156.0/23, 203.104.158.0/24
    len >= 738
    u8@0 in {0xda, 0xdb}
    u16@4 == 0x0602

  rule relay-media
    transport udp
    ip 43.223.0.0/16, 103.2.28.0/24, 103.2.30.0/23, 119.235.224.0/24, 119.235.232.0/24, 119.235.235.0/24, 119.235.236.0/23, 125.209.252.0/24, 147.92.128.0/17, 203.104.128.0/20, 203.104.144.0/21, 203.104.152.0/22, 203.104.156.0/23, 203.104.158.0/24
    len >= 150
    u8@0 in {0xd8, 0xd9}
    u8@1 & 0xf0 in {0x90, 0xd0, 0xe0}
    u16@4 == 0x0602

  rule relay-d0
    transport udp
    ip 43.223.0.0/16, 103.2.28.0/24, 103.2.30.0/23, 119.235.224.0/24, 119.235.232.0/24, 119.235.235.0/24, 119.235.236.0/23, 125.209.252.0/24, 147.92.128.0/17, 203.104.128.0/20, 203.104.144.0/21, 203.104.152.0/22, 203.104.156.0/23, 203.104.158.0/24
    len >= 2
    u8@0 == 0xd0
    u8@1 in {0xb3, 0xb4, 0xda, 0xdb}
    example match d0b3
