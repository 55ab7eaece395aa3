# TRDP, the Train Real-time Data Protocol (IEC 61375-2-3), UDP 17224 (process data) and 17225
# (message data). All headers start with a sequence counter, protocol version 1.x (major byte 1),
# a two-letter message type, a ComId, two topology counters and a 32-bit dataset length, and end
# with a CRC-32 over the header.
# Process data (types 'Pd' 'Pr' 'Pp' 'Pe'): a 40-byte header, a reserved zero word at 24, and
# the dataset right after it: the datagram is exactly header + dataset.
# Message data (types 'Mn' 'Mr' 'Mp' 'Mq' 'Mc' 'Me'): a 116-byte header, then the dataset padded
# to a multiple of four; one rule per remainder of the dataset length.
# Precision: process data 8 + 14 + 32 fixed bits and the length (about 70 bits); message data
# 8 + 13 bits and the padded length (about 37 bits).

protocol TRDP id 424 category IoT-Scada
  rule process-data
    transport udp
    len >= 40
    u8@4 == 0x01
    u16@6 in {0x5064, 0x5072, 0x5070, 0x5065}
    u32@24 == 0
    len == u32@20 + 40
    # trdp.pcapng, 192.168.88.231:47228 -> 192.168.88.138:17224 ('Pd')
    example match 000000000100506400000000000000000000000000000018000000000000000000000000ce487aea48656c6c6f20576f726c6400000000000000000000000000
    # The same datagram one byte short.
    example nomatch 000000000100506400000000000000000000000000000018000000000000000000000000ce487aea48656c6c6f20576f726c64000000000000000000000000

  rule message-data-aligned
    transport udp
    len >= 116
    u8@4 == 0x01
    u16@6 in {0x4d6e, 0x4d72, 0x4d70, 0x4d71, 0x4d63, 0x4d65}
    u8@23 & 0x03 == 0
    len == u32@20 + 116

  rule message-data-pad3
    transport udp
    len >= 116
    u8@4 == 0x01
    u16@6 in {0x4d6e, 0x4d72, 0x4d70, 0x4d71, 0x4d63, 0x4d65}
    u8@23 & 0x03 == 1
    len == u32@20 + 119
    # trdp.pcapng, 192.168.88.231:45318 -> 192.168.88.138:17225 ('Mr', 13 bytes of data)
    example match 0000000001004d72000003e900000000000000000000000d0000000051d8f2e65bc811ef98daf02f74ad43f5001e8480000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002c7f7f66486f772061726520796f753f00000000
    # trdp.pcapng, 192.168.88.138:17225 -> 192.168.88.231:45318 ('Mp', 17 bytes of data)
    example match 0000000001004d70000003e90000000000000000000000110000000051d8f2e65bc811ef98daf02f74ad43f500000000746573745f6d6453696e676c65000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000ce14dcc349276d2066696e652c207468616e782100000000

  rule message-data-pad2
    transport udp
    len >= 116
    u8@4 == 0x01
    u16@6 in {0x4d6e, 0x4d72, 0x4d70, 0x4d71, 0x4d63, 0x4d65}
    u8@23 & 0x03 == 2
    len == u32@20 + 118

  rule message-data-pad1
    transport udp
    len >= 116
    u8@4 == 0x01
    u16@6 in {0x4d6e, 0x4d72, 0x4d70, 0x4d71, 0x4d63, 0x4d65}
    u8@23 & 0x03 == 3
    len == u32@20 + 117
