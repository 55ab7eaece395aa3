# CryNetwork, CryEngine 5's game transport (Hunt: Showdown, Warface...): byte 0 is the
# datagram length minus 10, bytes 3-4 are 08 ED, byte 16 is 01, byte 20 is 07 and bytes
# 24-25 are 03 07 (nDPI's crynet dissector).
# No capture in the corpora: the example is built from the format.

protocol CryNetwork id 314 category Game
  rule header
    transport udp
    len >= 26
    len == u8@0 + 10
    u16@3 == 0x08ed
    u8@16 == 0x01
    u8@20 == 0x07
    u16@24 == 0x0307
    # built from the format: 30 bytes, so byte 0 is 20
    example match 14000008ed0000000000000000000000010000000700000003070000aabb
    example nomatch 15000008ed0000000000000000000000010000000700000003070000aabb
