# NOE, Alcatel-Lucent's "New Office Environment" signalling between its IP phones and the
# OmniPCX call server (UDP 32512/32513 by default). Two datagram shapes are specific enough: a
# 5- or 12-byte message 07 00 XX 00 (XX non-zero), and a message of 25 bytes or more opening
# 00 06 62 6C. nDPI also names flows on single-byte 0x04/0x05 keep-alives; seven bits in a
# one-byte datagram is a guess, so that shape is left out.

protocol NOE id 160 category VoIP
  rule short-message
    transport udp
    len in 5..12
    not len in 6..11
    u16@0 == 0x0700
    u8@2 != 0x00
    u8@3 == 0x00
    # built from the shape above (no capture of an OmniPCX is at hand)
    example match 0700210001
    example match 07000c00aabbccdd00000001
    example nomatch 0700000001

  rule long-message
    transport udp
    len >= 25
    u32@0 == 0x0006626c
    # built from the shape above
    example match 0006626c000100000000000000000000000000000000000000
