# Amazon Prime Video: nDPI's amazon_video.c names a UDP flow whose first datagram opens with the
# 32-bit marker 0xDEADBEEF (on TCP, 0xFEEDFACE; not named here). Only the first datagram counts,
# as in nDPI.

protocol AmazonVideo id 240 category Video
  rule udp-marker
    transport udp
    packet first
    len >= 5
    u32@0 == 0xdeadbeef
    example match deadbeef0001000000000010
    example nomatch deadbeee0001000000000010
