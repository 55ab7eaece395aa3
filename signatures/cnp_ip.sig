# CNP/IP (ISO/IEC 14908-4), LonWorks control network packets tunnelled over IP, UDP 1628/1629.
# A 20-byte header: a 16-bit packet length that counts the whole datagram, version 1, packet type
# (low five bits; 1 = data packet), extended header size, protocol flags (low five bits: the
# tunnelled protocol, 0-2), vendor code, session id, sequence number, timestamp.
# Precision: the length equal to the datagram's, a fixed version, a 5-bit type and 3 of 32
# protocols (about 32 bits); the session id stays the same for the whole exchange.

protocol CNP-IP id 422 category IoT-Scada
  rule data
    len > 20
    len == u16@0
    u8@2 == 0x01
    u8@3 & 0x1f == 0x01
    u8@5 & 0x1f <= 0x02
    # cnp_ip.pcapng, 127.0.0.1:39819 -> 127.0.0.1:1628
    example match 00200101000000006b8b45670000000000000000010901aa01a90103810d00ca
    # cnp_ip.pcapng, the same flow, next packet
    example match 001c0101000000006b8b45670000000100000000000901a901aa0123
    # Version 2 is not CNP/IP.
    example nomatch 00200201000000006b8b45670000000000000000010901aa01a90103810d00ca
