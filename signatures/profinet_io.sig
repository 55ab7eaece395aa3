# PROFINET IO's connectionless RPC (IEC 61158-6-10): the context manager and record services
# between an IO controller and its devices, on UDP 34964 (the endpoint mapper port) and ephemeral
# ports, in connectionless DCE/RPC (DCE 1.1 RPC, chapter 12). An 80-byte header: RPC version 4,
# packet type 0-10 (request ... cancel-ack), flags, flags2 (only its two low bits defined), a
# data representation label whose first byte gives the byte order (0x10 little-endian, 0x00
# big-endian; bit 0 the character set) and whose second the float format (0-3), serial number,
# object, interface and activity UUIDs, boot time, versions, sequence number, opnum, hints, a
# 16-bit body length in the sender's byte order, fragment number, auth protocol, serial. The
# datagram is the header plus the body. PROFINET IO's object UUID is
# DEA00000-6C97-11D1-8271-(instance, device, vendor); nDPI reports such flows as PROFINET_IO
# carried over DCERPC.
# Precision: 8 + 4.5 + 6 + 6 + 6 bits, the body length (16 bits) and 64 bits of the object UUID.

protocol PROFINET_IO id 371 category IoT-Scada
  rule rpc-big-endian
    transport udp
    len >= 80
    u8@0 == 4
    u8@1 <= 10
    u8@3 & 0xfc == 0
    u8@4 in {0x00, 0x01}
    u8@5 <= 3
    u32@8 == 0xdea00000
    u32@12 == 0x6c9711d1
    len == u16@74 + 80
    # dcerpc.pcap, 192.168.1.11:49155 -> 192.168.1.20:34964 (a read request)
    example match 0400200000000000dea000006c9711d1827100010101014ddea000016c9711d1827100a02442df7d35fda900358a12128004001c060b26ed0000000000000001000000020004ffffffff00340000000000000020000000200000002000000000000000200110001c0100000009f1a530c75f6d47b67f8073439deaad0002000000010000

  rule rpc-little-endian
    transport udp
    len >= 80
    u8@0 == 4
    u8@1 <= 10
    u8@3 & 0xfc == 0
    u8@4 in {0x10, 0x11}
    u8@5 <= 3
    u32le@8 == 0xdea00000
    u32le@12 == 0x11d16c97
    len == u16le@74 + 80
    # profinet-io-le.pcap, 10.10.0.150:1566 -> 10.10.0.129:34964 (a connect request)
    example match 04000800100000000000a0de976cd111827100010003015a0100a0de976cd111827100a02442df7ddbabbaec1d005443b2500b01630abafd0000000001000000000000000500ffffffff54000000000040800000400000004080000000000000400000000009003c0100000a0000000000000000000000000000000000000000000000010000f84000008000000000000000000000000000000000000000000000000000
    # dcerpc.pcap, 192.168.1.20:49162 -> 192.168.1.11:34964 (an application-ready request)
    example match 04002000100000000000a0de976cd11182710064010d002a0200a0de976cd111827100a02442df7d80c8fb43000010108000000ef0489e050000000001000000000000000400ffffffff340000000000a000000020000000a000000000000000200000000112001c0100000009f1a530c75f6d47b67f8073439deaad0002000000020000
    # The same request with another object UUID: plain DCE/RPC, not PROFINET IO.
    example nomatch 04002000100000000000a0de976cd21182710064010d002a0200a0de976cd111827100a02442df7d80c8fb43000010108000000ef0489e050000000001000000000000000400ffffffff340000000000a000000020000000a000000000000000200000000112001c0100000009f1a530c75f6d47b67f8073439deaad0002000000020000
