# SOME/IP (AUTOSAR Scalable service-Oriented MiddlewarE over IP), UDP and TCP, commonly 30490
# (service discovery), 30491, 30501. A 16-byte header: message id (service, method), a 32-bit
# length that counts from the request id to the end (the datagram minus 8), request id (client,
# session), protocol version 1, interface version, message type (0x00 request, 0x01 request
# without return, 0x02 notification, 0x80 response, 0x81 error, each optionally with the 0x40
# ack bit and the 0x20 SOME/IP-TP segmentation bit) and a return code below 0x40. Service
# discovery messages have message id 0xFFFF8100.
# Precision: the 32-bit length equal to the datagram's, a fixed version, 10 of 128 types and
# 64 of 256 return codes (about 50 bits).

protocol SOMEIP id 229 category RPC
  rule udp
    transport udp
    len >= 16
    len == u32@4 + 8
    u8@12 == 0x01
    u8@14 & 0xdf in {0x00, 0x01, 0x02, 0x40, 0x41, 0x42, 0x80, 0x81, 0xc0, 0xc1}
    u8@15 < 0x40
    # someip_sd_sample.pcap, 192.168.88.73:30490 -> 192.168.88.77:30490 (service discovery)
    example match ffff8100000000240000000201010200c0000000000000100700000000eb00000100001e0000000100000000
    # someip-tp.pcap, 10.0.1.207:56772 -> 10.0.1.1:18193: the header of a SOME/IP-TP segment
    # (type 0x20), cut to 16 bytes: the length no longer fits.
    example nomatch 010100090000057c0000000501012000

  rule tcp
    transport tcp
    len >= 16
    len == u32@4 + 8
    u8@12 == 0x01
    u8@14 & 0xdf in {0x00, 0x01, 0x02, 0x40, 0x41, 0x42, 0x80, 0x81, 0xc0, 0xc1}
    u8@15 < 0x40
    # The service discovery message above, as it is carried over TCP.
    example match ffff8100000000240000000201010200c0000000000000100700000000eb00000100001e0000000100000000
