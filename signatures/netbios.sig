# NetBIOS over TCP/IP (RFC 1001/1002): the name service on 137 and the datagram service on 138.

protocol NetBIOS id 10 category System
  # Name service: 12-byte header (opcode query, registration, release, WACK or refresh; at
  # most one record in each section), then a name of 32 characters, each a nibble written as
  # 'A'-'P', and the record type NB (0x20) or NBSTAT (0x21).
  rule name-service
    transport udp
    port 137
    len >= 50
    u16@2 & 0x7800 in {0x0000, 0x2800, 0x3000, 0x3800, 0x4000}
    u16@4 <= 1
    u16@6 <= 1
    u16@8 <= 1
    u16@10 <= 1
    u8@12 == 0x20
    u8@13 in 0x41..0x50
    u8@14 in 0x41..0x50
    u8@43 in 0x41..0x50
    u8@44 in 0x41..0x50
    u16@46 in {0x0020, 0x0021}
    # anyconnect-vpn.pcap, 10.0.0.227:137 -> 10.0.0.255:137
    example match 457f3010000100000000000120454d4641434e4643454c4546464346464643434e4550464446494341434141410000200001c00c0020000100000000000660000a0000e3

  # Datagram service: a direct unique, direct group or broadcast datagram (0x10-0x12): flags
  # with the reserved top nibble clear, a datagram length counting from offset 14, offset 0,
  # then the encoded source name (length byte 0x20).
  rule datagram-service
    transport udp
    port 138
    len >= 48
    u8@0 in 0x10..0x12
    u8@1 & 0xf0 == 0
    len == u16@10 + 14
    u16@12 == 0
    u8@14 == 0x20
    # gnutella.pcap, 10.0.2.15:138 -> 10.0.2.255:138 (a browser announcement, 201 bytes)
    example match 11029c2c0a00020f008a00bb000020454e464445464545454845464648454a454f44424441434143414341434143410020464845504643454c45484643455046464641434143414341434143414341424e00ff534d422500000000000000000000000000000000000000000000000000000011000021000000000000000000e803000000000000000021005600030001000000020032005c4d41494c534c4f545c42524f57534500010060ea00004d534544474557494e313000000000000a00031000000f0155aa00

  # A datagram query (0x14-0x16): the header, then the encoded destination name at offset 10.
  rule datagram-query
    transport udp
    port 138
    len >= 44
    u8@0 in 0x14..0x16
    u8@1 & 0xf0 == 0
    u8@10 == 0x20
    u8@11 in 0x41..0x50
    u8@12 in 0x41..0x50
    u8@41 in 0x41..0x50
    u8@42 in 0x41..0x50
