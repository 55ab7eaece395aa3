# Flow export: NetFlow v5 and v9 (RFC 3954) and IPFIX (RFC 7011, "NetFlow v10"), which nDPI
# names NetFlow, and sFlow v2/v4/v5. Exporters send to a collector, usually one-way.

protocol NetFlow id 128 category Network
  # v5: version 5, 1-30 records of 48 bytes after a 24-byte header; the first record ends
  # with two bytes of zero padding.
  rule netflow-v5
    transport udp
    u16@0 == 5
    u16@2 in 1..30
    u16@70 == 0
    len in {72, 120, 168, 216, 264, 312, 360, 408, 456, 504, 552, 600, 648, 696, 744, 792, 840, 888, 936, 984, 1032, 1080, 1128, 1176, 1224, 1272, 1320, 1368, 1416, 1464}
    # netflow-pmacct.pcap (pcaps/capture-infra.sh), pmacct 10.97.0.1:35693 -> 10.97.0.2:2055 (3 records)
    example match 0005000300000f8f6b0d699d0acebd2800000000000000000a6100010a6100020000000000000000000000010000002f0000076800000768a5cc00450000110000000000000000000a6100010a610002000000000000000000000006000000c00000077000000770a5cc9ef40000110000000000000000000a6100020a61000100000000000000000000000600000c7800000770000007709ef4a5cc000011000000000000000000

  # v9: version 9, a 20-byte header, then flowsets (id 0 template, 1 options template, 256 and
  # up data) whose length fits the datagram. A template flowset names the flow at once; data
  # flowsets need two packets from the same exporter (same source id).
  rule netflow-v9-template
    transport udp
    u16@0 == 9
    u16@20 in {0, 1}
    u16@22 >= 8
    len >= u16@22 + 20
    # netflow-pmacct.pcap, pmacct 10.97.0.1:44313 -> 10.97.0.2:2055 (a template flowset, first 96 bytes)
    example match 0009000700000f7a6b0d69a60000000100000000000000400400000e00990008009800080001000800020008003c0001000a0004000e0004003d000100080004000c000400070002000b00020006000100040001000000400401000e00990008

  rule netflow-v9-data
    transport udp
    packet within 8
    u16@0 == 9
    u16@20 >= 256
    u16@22 >= 4
    len >= u16@22 + 20
    repeat 2 same u32@16

  # IPFIX: version 10, a 16-bit length equal to the message, then sets (2 template, 3 options
  # template, 256 and up data) whose length fits.
  rule ipfix
    transport udp
    u16@0 == 10
    len == u16@2
    u16@16 in {2, 3}
    len >= u16@18 + 16
    # netflow-fritz.pcap, 192.168.0.1:23384 -> 192.168.1.1:2055 (a template set, 180 bytes)
    example match 000a00b4594ac59d025965c4000401000002007001cd00160001000480cf0004000068f280ccffff000068f280cdffff000068f200070002000b00020006000200b1000100b0000100b4000200b500020002000400cd000200b9000400b8000400080004000c000400360004005800020004000100c000018001ffff000068f20003003401d200070001008f000400290008002a00080028000801300002013100040132000401d300020001008e00040052ffff

  rule ipfix-data
    transport udp
    packet within 8
    u16@0 == 10
    len == u16@2
    u16@16 >= 256
    len >= u16@18 + 16
    repeat 2 same u32@12

protocol sFlow id 129 category Network
  # A datagram header: version (2, 4 or 5), agent address type (1 IPv4, 2 IPv6), agent
  # address, sub-agent id, sequence number, uptime, sample count.
  rule sflow
    transport udp
    len >= 28
    u32@0 in {2, 4, 5}
    u32@4 in {1, 2}
    # sflow.pcap, 172.21.35.17:1027 -> 172.21.35.199:6343 (first 64 bytes)
    example match 0000000500000001ac152311000000010000019f673dd71000000001000000020000006c000021250000040c0000000100000001000000580000040c00000006
