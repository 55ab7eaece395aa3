# NetBIOS over TCP/IP (RFC 1001/1002): the name service on 137 and the datagram service on 138.

protocol NetBIOS id 10 category System
  # Name service: 12-byte header, then a 32-byte encoded name (length byte 0x20).
  rule name-service
    transport udp
    port 137
    len >= 50
    u16@2 & 0x7800 in {0x0000, 0x2800, 0x3000, 0x3800, 0x4000}
    u8@12 == 0x20

  # Datagram service: message types 0x10-0x16; the length field counts from offset 14.
  rule datagram-service
    transport udp
    port 138
    len >= 14
    u8@0 in 0x10..0x16
