# NetBIOS over TCP/IP (RFC 1001/1002): the name service on 137 and the datagram service on 138.

protocol NetBIOS id 10 category System
  # Name service: 12-byte header, then a 32-byte encoded name (length byte 0x20).
  rule name-service
    transport udp
    port 137
    len >= 50
    u16@2 & 0x7800 in {0x0000, 0x2800, 0x3000, 0x3800, 0x4000}
    u8@12 == 0x20
    # anyconnect-vpn.pcap, 10.0.0.227:137 -> 10.0.0.255:137
    example match 457f3010000100000000000120454d4641434e4643454c4546464346464643434e4550464446494341434141410000200001c00c0020000100000000000660000a0000e3

  # Datagram service: message types 0x10-0x16; the length field counts from offset 14.
  rule datagram-service
    transport udp
    port 138
    len >= 14
    u8@0 in 0x10..0x16
    # gnutella.pcap, 10.0.2.15:138 -> 10.0.2.255:138 (first 96 of 201 bytes)
    example match 11029c2c0a00020f008a00bb000020454e464445464545454845464648454a454f44424441434143414341434143410020464845504643454c45484643455046464641434143414341434143414341424e00ff534d4225000000000000000000
