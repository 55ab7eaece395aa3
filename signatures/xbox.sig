# Xbox Live UDP (ipoque's facts, kept by nDPI): a zero 32-bit word, then one of five message
# headers, each a type byte, 0x58, a sub-type byte and three zero bytes.

protocol Xbox id 47 category Game
  rule xbox-live
    transport udp
    len >= 13
    u32@0 == 0
    u32@4 in {0x0c587600, 0x02581800, 0x0b588000, 0x03584000, 0x06584e00}
    u16@8 == 0
    # built from the format: no capture in the corpora
    example match 000000000c58760000000000000000
