# Thunder (Xunlei), the P2P download accelerator. Its UDP messages open with the protocol
# version as a little-endian 32-bit number whose value is 0x30-0x3F (one byte 0x3X, three zero
# bytes); the rest of the message is not published. nDPI's thunder.c names a UDP flow on the fourth such
# datagram longer than 8 bytes; three are required here, and each holds 28 fixed bits.

protocol Thunder id 62 category P2P
  rule udp-version-header
    transport udp
    len >= 9
    u32@0 & 0xf0ffffff == 0x30000000
    repeat 3
    # version 0x32 and twelve bytes of body (built from that header; no capture in the corpora)
    example match 320000000a000000010000006e4b7c2d
    example match 3c00000010000000e803000000000000ff
    # version 0x40 is outside the range
    example nomatch 400000000a000000010000006e4b7c2d
    # too short
    example nomatch 3200000000
