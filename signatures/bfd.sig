# BFD, Bidirectional Forwarding Detection (RFC 5880, 5881, 5883): control packets on UDP 3784
# (single hop) and 4784 (multihop). Version 1 in the top 3 bits of the first byte and a
# diagnostic code of 0-8; the multipoint flag (bit 0 of the second byte) is zero; the length
# byte (offset 3) equals the payload length: 24 bytes, more with authentication. The three
# intervals (desired TX, required RX, required echo RX) are microseconds and stay far below
# 2^24 (16.7 s).

protocol BFD id 401 category Network
  rule control
    transport udp
    port 3784, 4784
    len >= 24
    u8@0 & 0xe0 == 0x20
    u8@0 & 0x1f <= 8
    u8@1 & 0x01 == 0
    len == u8@3
    u8@12 == 0
    u8@16 == 0
    u8@20 == 0
    # bfd.pcap, 155.1.13.1:49152 -> 155.1.13.3:3784
    example match 204003180000000100000000000f4240000f42400007a120
    # bfd.pcap, an echo packet to 3785: not a control packet
    example nomatch 000000000000000100000000
