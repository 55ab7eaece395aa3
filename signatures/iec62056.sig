# IEC 62056 DLMS/COSEM (electricity meters) in HDLC frames (IEC 62056-46) over UDP or TCP
# (4059). A frame is opening flag 0x7E, a 16-bit frame format field (type 0xA in the top four
# bits, one segmentation bit, an 11-bit frame length that counts everything between the flags),
# addresses, control, checksums, information, and a closing flag 0x7E.
# `len == u16@1 - 40958` says: format type 0xA, segmentation bit clear, frame length + 2 = the
# datagram (0xA000 - 2 = 40958); the second rule is the same with the segmentation bit set
# (0xA800 - 2 = 43006).
# Precision: both flags and the 11-bit length with its 5-bit type (about 32 bits).

protocol IEC62056 id 379 category IoT-Scada
  rule hdlc
    transport udp
    len >= 9
    u8@0 == 0x7e
    u8@-1 == 0x7e
    len == u16@1 - 40958
    # dlms.pcap, 10.1.1.1 -> 10.2.2.2:4059 (SNRM command)
    example match 7ea0070303938c117e
    # dlms.pcap, the same flow (an I-frame carrying an AARQ)
    example match 7ea01e03037340cc818012050180060180070400000001080400000001533b7e
    # Closing flag missing.
    example nomatch 7ea0070303938c1100

  rule hdlc-segmented
    transport udp
    len >= 9
    u8@0 == 0x7e
    u8@-1 == 0x7e
    len == u16@1 - 43006
    # dlms.pcap, 10.1.1.1 -> 10.2.2.2:4059 (a segmented I-frame, 139 bytes)
    example match 7ea8890303da4517e6e700c402c10000000001008180013c020412000809060000010000ff0f02120000020412000309060100010800ff0f02120000020412000309060100010801ff0f02120000020412000309060100010802ff0f02120000020412000309060100010803ff0f02120000020412000309060100010804ff0f02120000020412009d2b7e

  rule hdlc-tcp
    transport tcp
    len >= 9
    u8@0 == 0x7e
    u8@-1 == 0x7e
    len == u16@1 - 40958
    # dlms.pcap, 192.168.137.20:60797 -> 192.168.137.189:4060 (SNRM over TCP)
    example match 7ea0070321930f017e
