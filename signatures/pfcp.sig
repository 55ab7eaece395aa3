# PFCP (3GPP TS 29.244), the 4G/5G control/user-plane protocol, UDP 8805. The header: version 1
# in the top three bits, two spare zero bits, FO/MP/S flags; the message type (1-15 node
# messages, 50-57 session messages); a length counting the bytes after the first four.

protocol PFCP id 405 category Network
  rule pfcp
    packet within 16
    transport udp
    len >= 8
    u8@0 & 0xf8 == 0x20
    u8@1 in {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 50, 51, 52, 53, 54, 55, 56, 57}
    len == u16@2 + 4
    # pfcp.pcapng, 127.0.0.1:8805 -> 127.0.0.2:8805 (type 55, Session Deletion Response)
    example match 2137001400000000ffffffff000000000068000400000012
