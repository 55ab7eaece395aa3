# IEEE C37.118 synchrophasor frames (phasor measurement units), UDP or TCP 4712/4713. Every
# frame starts with SYNC: 0xAA, then a byte whose high nibble is the frame type (0 data,
# 1 header, 2 configuration-1, 3 configuration-2, 4 command, 5 configuration-3) and whose low
# nibble is the version (1 for 2005, 2 for 2011, 3 for later); then a 16-bit FRAMESIZE that
# counts the whole frame, a 16-bit IDCODE, the time, ... and a CRC-CCITT at the end.
# Precision: a fixed byte, 18 of 256 type/version bytes and the length equal to the datagram's
# (about 28 bits).

protocol IEEE-C37118 id 367 category IoT-Scada
  rule udp
    transport udp
    len >= 16
    u8@0 == 0xaa
    u8@1 in {0x01, 0x02, 0x03, 0x11, 0x12, 0x13, 0x21, 0x22, 0x23, 0x31, 0x32, 0x33, 0x41, 0x42, 0x43, 0x51, 0x52, 0x53}
    len == u16@2
    # ieee_c37118.pcap, 192.168.0.10:4712 -> 192.168.0.60:4713 (command frame)
    example match aa410012003c4899909a00342ed50001560b
    # ieee_c37118.pcap, 192.168.0.60:4713 -> 192.168.0.10:4712 (data frame)
    example match aa010030003c489337430008d9a0000042c827b9bfc89ec242c7e4794027ad2742c805113f06beb00000000000001a9c
    # Frame type 6 does not exist.
    example nomatch aa610012003c4899909a00342ed50001560b

  rule tcp
    transport tcp
    len >= 16
    u8@0 == 0xaa
    u8@1 in {0x01, 0x02, 0x03, 0x11, 0x12, 0x13, 0x21, 0x22, 0x23, 0x31, 0x32, 0x33, 0x41, 0x42, 0x43, 0x51, 0x52, 0x53}
    len == u16@2
    # ieee_c37118.pcap, 192.168.0.20:36835 -> 192.168.0.241:4712 (command frame over TCP)
    example match aa41001200f100000000000000000005d7d0
