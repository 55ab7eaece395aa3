# QUIC. IETF QUIC (RFC 9000, 9369) and Google's later gQUIC (Q046 and up) open with a long
# header: form and fixed bits set, a 32-bit version, connection ids of at most 20 bytes; a
# client's Initial is padded to at least 1200 bytes. Only known versions are accepted: a first
# byte >= 0xC0 alone is far too common. Google's Q046-Q049 use the long header with the
# connection id lengths packed in one byte (two nibbles, each 0 or length - 3). Older gQUIC (up
# to Q043) has a public header with the version flag and the version string "Q0" and two
# digits after an 8-byte connection id.

protocol QUIC id 188 category Web
  # Version 1 (RFC 9000) and version 2 (RFC 9369).
  rule quic-v1-v2
    transport udp
    packet within 3
    quic version 0x00000001 0x6b3343cf
    # quic_crypto_aes_auth_size.pcap, 134.53.36.43:34917 -> 142.104.38.30:443 (first 96 of 1350 bytes)
    example match c100000001086a39e7bd7a5940690040a4b5f8df1fbc4cbf20e913e28c9da2bb40bf6100ee9311d5be7ba8450dfc258b83022c89a26bb10e211473b7978bbb54606b9142ca1c8fe5c630d6744d62ac0eddd81ee1e23918296cb41c3da58c0030

  # IETF drafts: 0xff0000NN (drafts 1 to 34 were used).
  rule quic-drafts
    transport udp
    packet within 3
    quic
    u32@1 in 0xff000000..0xff0000ff
    # quic-24.pcap, 10.9.0.1:41436 -> 10.9.0.2:443 (first 96 of 1252 bytes)
    example match c3ff00001812299ab249a7f58d467d685ca920894cebcf1a11f5c352569b8ef8f7d84c478f6f0afcbcd60044b7de33396d1f8cb6953504b51acf020a65f8b6514b23ba9c90b7087473069319236c737ce23af32f9791de37b767a85ceba56579
    # dnscrypt_skype_false_positive.pcapng, first packet (first 96 of 512 bytes)
    example nomatch d31b02042ac406f3497e6993424b0a16c06e75586651bb4a47b500e1d021af661e16c5859f9d160f796107117ec517179b83ae7412ca145de55cdcc9453d67d660b01302b21a1ccd502e9491969dd805ac9ae535e9f80f047fec71e023c6f5db

  # Facebook's mvfst: 0xfaceb001 (draft 24), 0xfaceb002, 0xfaceb00e (experimental),
  # 0xfaceb010 (alias), 0xfaceb011 and later experiments, all in 0xfaceb000-0xfaceb01f.
  rule quic-mvfst
    transport udp
    packet within 3
    quic
    u32@1 & 0xffffffe0 == 0xfaceb000
    # quic-mvfst-exp.pcap, [2aac:cdf7:d506:7807:9092:75f:a963:f4ab]:57587 -> [3f65:ece9:fe71:6e2a:face:b00c::358e]:443 (first 96 of 1232 bytes)
    example match cafaceb00e0835f8db2e66102717000044be24552568b6f4a21a6108faf7fee82695e6117b8bf08d28fd125cfee0c61fecc5e4de9cf077db55f2134dd6302317e5bd1e05adc3bd1cf675d3f79d6b7a45d27a5a567d4535067c0813b7e6e8134f

  # The draft of QUIC version 2 (draft-ietf-quic-v2-00 to -07) used 0x709a50c4.
  rule quic-v2-draft
    transport udp
    packet within 3
    quic version 0x709a50c4

  # Google QUIC with the IETF-style long header: versions Q050 and T048-T051 (TLS).
  rule gquic-long-header
    transport udp
    packet within 3
    quic version 0x51303530 0x54303438 0x54303439 0x54303530 0x54303531
    # quic_q50.pcap, 248.144.129.147:39203 -> 184.151.193.237:443 (first 96 of 1350 bytes)
    example match cb5130353008df4a089e4eff5e7a000045344a1f86ea325a43e59578aa9f561c1e93255c740837555b78c9702822fba448495a77765d17b70fdda2bc4309ce11da696592f83654b5275e1032426448a2c7eca4ecfc9d60e50cbb4ddda8262bcc

  # Q046-Q049: long form bit, the version, then the packed connection id lengths (8 or 0).
  rule gquic-q046
    transport udp
    packet within 3
    u8@0 & 0xc0 == 0xc0
    u32@1 in {0x51303436, 0x51303437, 0x51303438, 0x51303439}
    u8@5 in {0x00, 0x05, 0x50, 0x55}
    # quic_q46.pcap, 172.29.42.236:38292 -> 153.20.183.203:443 (first 96 of 1350 bytes)
    example match c35130343650eacfe6e706df272d0000000460da58929f6839d0860efc58a4010400040043484c4f1a00000050414400b6010000534e4900c501000053544b00fd010000534e4f0031020000564552003502000043435300450200004e4f4e43

  # Public header: the version flag (0x01) and the 8-byte connection id flag (0x08) set, the
  # reserved bits 0x40 and 0x80 clear, then "Q0" and two digits.
  rule gquic-public-header
    transport udp
    packet within 3
    u8@0 & 0xc9 == 0x09
    at 9 "Q0"
    u8@11 in 0x30..0x39
    u8@12 in 0x30..0x39
    # http_ipv6.pcap, [2a00:d40:1:3:7aac:c0ff:fea7:d4c]:45931 -> [2a00:1450:4001:803::1017]:443 (first 96 of 1350 bytes)
    example match 0d49bee2d3f0edccd65130323501d8697e21ab650d33f17a3cf300a001000443484c4f170000005041440095010000534e4900a201000053544b00dc01000056455200e001000043435300e80100004e4f4e43080200004d5350430c02000041

  # A capture that starts mid-connection shows only short headers: the header form bit clear
  # and the fixed bit set (the other bits of the first byte are masked), then the destination
  # connection id the receiver chose (8 to 20 bytes in practice), the same in every packet of a
  # direction until it is retired. Four packets of one direction carrying the same four bytes
  # after the first on the HTTPS port name the flow (98 bits). It ranks below every other rule.
  # OpenVPN's data packets (P_DATA_V2: first byte 0x48-0x4F, then a 3-byte peer id) would pass
  # the same test mid-session, and so would TURN ChannelData on channels 0x4000-0x47FF carrying
  # media of one size (its 16-bit length, + 4, is the datagram, or that padded to 4 bytes):
  # neither counts.
  rule short-header-mid-connection
    priority -1
    transport udp
    port 443
    packet within 12
    len >= 25
    u8@0 & 0xc0 == 0x40
    not u8@0 & 0xf8 == 0x48
    not len == u16@2 + 4
    not len == u16@2 + 5
    not len == u16@2 + 6
    not len == u16@2 + 7
    repeat 4 same u32@1
    # quic_sh.pcap, 192.168.1.245:40408 -> 13.226.175.53:443 (a 1-RTT packet, first 64 bytes)
    example match 4110720402272ed0e88eb53e90d02d4fa66d1dccdcc680e3044f18516fa2c6f074e59f77622cc0387c8126
    # OpenVPN P_DATA_V2 (opcode 9, key id 0, peer id 1)
    example nomatch 480000010000002a5b0e9c1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f
    # TURN ChannelData, channel 0x4001, 28 bytes of RTP
    example nomatch 4001001c80000001000000a0123456789abcdef0123456789abcdef012345678
