# ANSI C12.22 / IEEE 1703 (metering messages), UDP and TCP 1153. A message is an ACSE
# association PDU in BER: tag 0x60 ([APPLICATION 0]) and its length, then the elements, the
# first being the called AP title (context tag 0xA2, a length) holding an absolute (0x06) or
# relative (0x0D) object identifier. The BER length takes one byte below 128, else 0x81 and one
# byte, or 0x82 and two bytes; it counts everything after itself.
# Precision: three fixed bytes, 2 of 256 OID tags and the BER length equal to the datagram's
# (about 34 bits).

protocol ANSI_C1222 id 397 category IoT-Scada
  rule short-length
    len >= 8
    u8@0 == 0x60
    len == u8@1 + 2
    u8@2 == 0xa2
    u8@4 in {0x06, 0x0d}
    # c1222.pcapng, 10.9.3.124:55092 -> 10.208.0.9:1153
    example match 6030a20f060d607c86f754011600010140ce11a60e060c607c86f75401160001014021a80402020f89be0728058103800120
    # c1222.pcapng, the same flow (a 121-byte request)
    example match 6077a211060f607c86f7540116000101400000876da60e060c607c86f75401160001014021a80402020f8abe4c284a8148800b40000700053408003e087e0f40000700090f0000024954524efeb40b40000700053e08000182371a400007001425080024360507290000033c033cef330c0058023e03300008
    # c1222.pcapng, 192.168.1.101:1577 -> 192.168.100.124:1153 (over TCP)
    example match 6047a211060f2b060104018285638e7f85f1c24e00a60a06082b06010401828563a806020413e81421ac0fa20da00ba10980010081044c97f489be0d280b81098865f1e271a71f7f27
    # The BER length one short.
    example nomatch 602fa20f060d607c86f754011600010140ce11a60e060c607c86f75401160001014021a80402020f89be0728058103800120

  rule long-length-1
    len >= 9
    u16@0 == 0x6081
    len == u8@2 + 3
    u8@3 == 0xa2
    u8@5 in {0x06, 0x0d}

  rule long-length-2
    len >= 10
    u16@0 == 0x6082
    len == u16@2 + 4
    u8@4 == 0xa2
    u8@6 in {0x06, 0x0d}
