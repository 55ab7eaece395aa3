# CIP class 0/1 implicit I/O over EtherNet/IP (ODVA, "CIP I/O"), UDP 2222 on both sides. The
# datagram is a Common Packet Format list of exactly two items, all fields little-endian: an item
# count of 2; a Sequenced Address item (type 0x8002, length 8: connection id, sequence number);
# a Connected Data item (type 0x00B1) whose length covers the rest of the datagram.
# Precision: four fixed 16-bit fields and the data length equal to the datagram's rest (about 80
# bits); no port needed.

protocol CIP id 393 category IoT-Scada
  rule io
    transport udp
    len >= 18
    u16le@0 == 2
    u16le@2 == 0x8002
    u16le@4 == 8
    u16le@14 == 0x00b1
    len == u16le@16 + 18
    # cip_io.pcap, 192.168.5.62:2222 -> 192.168.5.50:2222 (originator to target)
    example match 020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff0000
    # cip_io.pcap, 192.168.5.50:2222 -> 192.168.5.62:2222 (target to originator)
    example match 020002800800ebb4917654cc5e04b1001000c6e401000000fdffffffffffffff0000
    # One byte of data missing: the data item no longer fits.
    example nomatch 020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff00
