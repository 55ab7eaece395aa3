# KNXnet/IP (ISO 22510 / EN 13321-2), KNX building automation over IP, UDP and TCP 3671
# (multicast 224.0.23.12 for routing and search). Every frame starts with a 6-byte header: header
# length 0x06, protocol version 0x10, a 16-bit service type whose high byte is the service family
# (0x02 core, 0x03 device management, 0x04 tunnelling, 0x05 routing, 0x06 remote logging,
# 0x07 remote configuration, 0x08 object server, 0x09 security), and a 16-bit total length that
# counts the header.
# Precision: 16 fixed bits, 8 of 256 families and the length equal to the datagram's (about 37
# bits). Over TCP the first segment carries one whole frame.

protocol KNXnet_IP id 410 category IoT-Scada
  rule udp
    transport udp
    len >= 6
    u16@0 == 0x0610
    u8@2 in 0x02..0x09
    len == u16@4
    # knxip.pcapng, 192.168.88.231:41343 -> 224.0.23.12:3671 (SEARCH_REQUEST_EXT, 0x020b)
    example match 0610020b00140801c0a858e7a17f060401020607
    # knxip.pcapng, the same client (SEARCH_REQUEST, 0x0201)
    example match 06100201000e0801c0a858e7a17f
    # Service family 0x01 does not exist.
    example nomatch 06100101000e0801c0a858e7a17f

  rule tcp
    transport tcp
    len >= 6
    u16@0 == 0x0610
    u8@2 in 0x02..0x09
    len == u16@4
