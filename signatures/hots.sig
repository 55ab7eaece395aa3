# Heroes of the Storm (Blizzard) game traffic over UDP, after nDPI's hots dissector: on one of
# the game's ports (1119, 1120, 3724, 6113), a datagram of 20-122 bytes with 40 00 at offset
# 14 whose bytes 2-3 are 03 00 or 34 00, or whose first 14 bytes are zero.
# The ports narrow the search; the payload tests carry the precision (31 bits for the first
# rule, 128 for the second).
# No capture in the corpora: the examples are built from the format.

protocol HOTS id 336 category Game
  rule header
    transport udp
    port 1119, 1120, 3724, 6113
    len in 20..122
    u16@2 in {0x0300, 0x3400}
    u16@14 == 0x4000
    # built from the format
    example match 12340300aabbccddeeff00112233400055667788
    example nomatch 12340300aabbccddeeff00112233410055667788

  rule zero-header
    transport udp
    port 1119, 1120, 3724, 6113
    len in 20..122
    prefix 0x0000000000000000000000000000
    u16@14 == 0x4000
    # built from the format
    example match 000000000000000000000000000040000a0b0c0d
