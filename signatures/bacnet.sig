# BACnet/IP (ASHRAE 135 Annex J), building automation, usually UDP 47808 (0xBAC0). Every datagram
# starts with a BVLC header: type 0x81 (BACnet/IP), a function code 0x00-0x0C (Result,
# Write/Read-BDT, Forwarded-NPDU, Register-Foreign-Device, ..., Original-Unicast/Broadcast-NPDU,
# Secure-BVLL) and a 16-bit length that counts the whole datagram, header included.
# Precision: a fixed byte, 13 of 256 function codes and the length equal to the datagram's
# (about 28 bits); no port needed.

protocol BACnet id 334 category IoT-Scada
  rule bvlc
    packet within 8
    transport udp
    len >= 4
    u8@0 == 0x81
    u8@1 <= 0x0c
    len == u16@2
    # bacnet.pcap, 65.49.20.98:53234 -> 90.147.69.219:47808 (Original-Unicast-NPDU, ReadProperty)
    example match 810a001101040005a90c0c023fffff194b
    # bacnet.pcap, 204.172.177.255:47808 -> 204.172.177.159:47808 (Original-Broadcast-NPDU, I-Am)
    example match 810b001501001000c4023fffff2205c49103220104
    # The same datagram with the length field one short: not BACnet.
    example nomatch 810b001401001000c4023fffff2205c49103220104
