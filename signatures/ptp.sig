# PTP version 2 (IEEE 1588-2008 and -2019) on UDP 319 (event) and 320 (general). The 34-byte
# common header: the message type in the low nibble of byte 0 (0-3 event messages, 8-13
# general ones), versionPTP 2 in the low nibble of byte 1 (minorVersionPTP, 0 or 1, above it),
# the message length (header included, at most the datagram; some stacks pad the datagram), the
# domain, a reserved byte (minorSdoId since 2019, 0 outside transport-specific profiles), flags,
# the correction field, the source port identity and sequence id, then the control field (0-5;
# deprecated in 2019 but still sent for version 1 hardware).

protocol PTPv2 id 358 category System
  rule ptpv2
    transport udp
    port 319, 320
    len >= 34
    u8@0 & 0x0f in {0, 1, 2, 3, 8, 9, 10, 11, 12, 13}
    u8@1 in {0x02, 0x12}
    u16@2 in 34..1500
    len >= u16@2
    u8@5 == 0
    u8@32 in 0..5
    # ptpv2.pcap, [fe80::20:9400:d]:320 -> [fe80::2b0:aeff:fe01:f921]:320 (a management message,
    # 54 bytes in a 56-byte datagram)
    example match 0c02003600000400000000000000000000000000002094fffe00000d0001000105ffffffffffffffffffffff00040006b0000000012c0000
    # the same claiming 80 bytes
    example nomatch 0c02005000000400000000000000000000000000002094fffe00000d0001000105ffffffffffffffffffffff00040006b0000000012c0000
