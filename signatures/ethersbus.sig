# Saia-Burgess Ether-S-Bus (S-Bus over UDP, port 5050). A 32-bit length that counts the whole
# datagram, a version/type byte (0 or 1), protocol type 0, a sequence number, the S-Bus telegram
# and a CRC-16 at the end.
# Precision: the 32-bit length equal to the datagram's, 2 of 256 values and a fixed byte (about
# 47 bits).

protocol Ether-S-Bus id 368 category IoT-Scada
  rule udp
    transport udp
    len >= 13
    len == u32@0
    u8@4 <= 1
    u8@5 == 0
    # ethersbus.pcap, 172.16.1.120:2467 -> 172.16.1.135:5050 (request)
    example match 0000000d01000001000a205318
    # ethersbus.pcap, 172.16.1.135:5050 -> 172.16.1.120:2467 (response)
    example match 00000014000000010144324d343830323000fac9
    # Length one short.
    example nomatch 0000000c01000001000a205318
