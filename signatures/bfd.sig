# BFD, Bidirectional Forwarding Detection (RFC 5880, 5881, 5883): control packets on UDP 3784
# (single hop) and 4784 (multihop). Version 1 in the top 3 bits of the first byte; the length
# byte (offset 3) equals the payload length: 24 bytes, more with authentication.

protocol BFD id 401 category Network
  rule control
    transport udp
    port 3784, 4784
    len >= 24
    u8@0 & 0xe0 == 0x20
    len == u8@3
    # bfd.pcap, 155.1.13.1:49152 -> 155.1.13.3:3784
    example match 204003180000000100000000000f4240000f42400007a120
