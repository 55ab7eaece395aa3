# CrossFire (Smilegate/Z8Games) game client: a 25-byte UDP message opening C7 D9 19 99 02 00
# with 7D 00 at offset 22 (nDPI's crossfire dissector).
# No capture in the corpora: the example is built from the format.

protocol Crossfire id 105 category Game
  rule udp-hello
    transport udp
    len == 25
    u32@0 == 0xc7d91999
    u16@4 == 0x0200
    u16@22 == 0x7d00
    # built from the format
    example match c7d919990200000000000000000000000000000000007d0001
    example nomatch c7d919990200000000000000000000000000000000007e0001
