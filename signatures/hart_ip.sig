# HART-IP (FieldComm Group TS20085), HART field devices over IP, UDP and TCP 5094. An 8-byte
# header: version 1 or 2; message type (low nibble; 0 request, 1 response, 2 publish, 3 error,
# 15 NAK; high nibble reserved, 0); message id (0 session initiate, 1 close, 2 keep-alive,
# 3 token-passing PDU, 4 direct PDU, 5 read audit log, higher values for newer services); status;
# sequence number; a 16-bit byte count that covers the whole message, header included.
# Precision: 2 of 256 versions, 5 of 256 types, 16 of 256 ids and the length equal to the
# datagram's (about 32 bits).

protocol HART-IP id 72 category IoT-Scada
  rule udp
    transport udp
    len >= 8
    u8@0 in {1, 2}
    u8@1 in {0, 1, 2, 3, 15}
    u8@2 <= 15
    len == u16@6
    # hart_ip.pcap, 192.168.0.101:49905 -> 192.168.0.10:5094 (session initiate request)
    example match 010000000002000d0100007530
    # hart_ip.pcap, 192.168.0.10:5095 -> 192.168.0.101:49905 (token-passing PDU response)
    example match 010103000003002986264e0000d2001800d0fe264e050704010e0c0000d205020002d00026002684e4
    # Byte count one more than the datagram.
    example nomatch 010000000002000e0100007530

  rule tcp
    transport tcp
    len >= 8
    u8@0 in {1, 2}
    u8@1 in {0, 1, 2, 3, 15}
    u8@2 <= 15
    len == u16@6
    # hart_ip.pcap, 192.168.0.101:49559 -> 192.168.0.10:5094 (session initiate over TCP)
    example match 010000000002000d0100007530
