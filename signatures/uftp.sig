# UFTP, encrypted multicast file transfer (uftp-multicast.sourceforge.net, protocol.txt),
# versions 4 and 5. A 16-byte header: version (0x40 or 0x50), function (1-21), sequence,
# sender id, group id, group instance, GRTT, group size, a reserved zero byte; the message that
# follows opens with the same function byte. The first message of a session is ANNOUNCE (1).

protocol UFTP id 373 category Download
  rule announce
    transport udp
    len >= 24
    u8@0 in {0x40, 0x50}
    u8@1 == 1
    u8@15 == 0
    u8@16 == 1
    # uftp_v4_v5.pcap, 10.0.0.1:37173 -> 230.4.4.1:1044 (v4 ANNOUNCE, first 40 bytes)
    example match 400100000a00000196f4c304009d0000010600140000051457a65c1d00057a51e6040401e6050538
    # uftp_v4_v5.pcap, 192.168.1.186:37457 -> 230.4.4.1:1044 (v5 ANNOUNCE, first 40 bytes)
    example match 50010000c0a801ba0211a8c5009d000001060014020005140005a3f6b8393fbee6040401e6050558
    # a v5 header whose message does not repeat the function byte
    example nomatch 50010014c0a801ba0211a8c5006a180007060014

  # Any other message: two packets from the same sender id.
  rule session
    transport udp
    packet within 8
    len >= 24
    u8@0 in {0x40, 0x50}
    u8@1 in 1..21
    u8@15 == 0
    u8@16 in 1..21
    repeat 2 same u32@4
