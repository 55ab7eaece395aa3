# PTP version 2 (IEEE 1588-2008) on UDP 319 (event) and 320 (general): the low nibble of byte 1
# is the version (2), the message length (offset 2) fits in the datagram.

protocol PTPv2 id 358 category System
  rule ptpv2
    transport udp
    port 319, 320
    len >= 34
    u8@1 & 0x0f == 2
    len >= u16@2
    # ptpv2.pcap, [fe80::20:9400:d]:320 -> [fe80::2b0:aeff:fe01:f921]:320
    example match 0c02003600000400000000000000000000000000002094fffe00000d0001000105ffffffffffffffffffffff00040006b0000000012c0000
