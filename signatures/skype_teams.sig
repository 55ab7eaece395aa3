# Skype and Microsoft Teams calls.
#
# Modern Skype/Teams media is STUN/ICE (MS-ICE, MS-TURN) followed by SRTP. What tells it apart
# from other STUN users is a Microsoft attribute in the flow's first STUN messages, or a Teams
# media relay (Microsoft's published ranges) on the relay ports 3478-3481. These rules rank
# above plain STUN (priority 2 against 1), which only holds its match: a Microsoft attribute in
# any of the first five packets names the flow.
# Classic peer-to-peer Skype (before STUN/ICE) is recognised by nDPI 4.2's UDP heuristic: the
# expected labels of older captures come from it. Those rules are guesses on a few bytes, so they
# rank below every other rule (priority -1) and only hold their match (hold): any rule that
# decides on the flow's first 24 packets (an RTP stream, QUIC, DTLS, ...) wins over them; if none
# does, the flow is named Skype when the window ends, when its budget runs out, or when it ends.

protocol Skype_TeamsCall id 38 category VoIP
  # A STUN message carrying one of the attributes only Microsoft's stack sends: candidate
  # identifier 0x8054, 0x24DF, 0x3802, 0x8036, multiplexed-TURN session id 0x8095, 0x0800,
  # 0x8006, implementation version 0x8070, service quality 0x8055.
  rule ms-stun-attribute
    priority 2
    transport udp
    packet within 5
    not server-ip 255.255.255.255/32, 224.0.0.0/4
    stun attr 0x8054 0x24df 0x3802 0x8036 0x8095 0x0800 0x8006 0x8070 0x8055
    # skype-conference-call.pcap, 192.168.2.20:49282 -> 104.46.40.49:60642
    example match 000100542112a442c55a4fdfde0c325e304c60c700060009677070653a7a57796b000000002400046efffeff802a00080000000000bf43178054000131000000807000040000000300080014c3926666385c09a134e40a0c6c2ef3061a8b62ab802800041fb59b6b
    # teams.pcap, 192.168.1.6:50016 -> 52.114.250.123:3478 (Allocate with 0x8006, 0x8055)
    example match 000300302112a442b2343f6e67f41d58acba639f000f000472c64bc68037000400000002800800040000000680060004000000010010000400002ee08055000400020002
    # teams.pcap, 192.168.1.6:50016 -> 52.114.252.8:3479 (0xFF10-wrapped Binding response, 0x8070)
    example match ff100060deaa296708f708fc010100442112a44281275a7e28b364d88f3d14f980700004000000070020000800012c851560584a8037000400000002803600040000000100080014998b53fec81f7d913f18f8cc4c645293987537ed802800043ea7ac36
    # adult_content.pcap, 192.168.1.199:42759 -> 31.220.27.69:80 (STUN)
    example nomatch 000100002112a4424133516369344e75724f4b41

  rule ms-stun-attribute-tcp
    priority 2
    transport tcp
    packet within 10
    stun cookie attr 0x8054 0x24df 0x3802 0x8036 0x8095 0x0800 0x8006 0x8070 0x8055

  # Any UDP flow to a Teams media relay on the relay ports, whatever it carries first.
  rule teams-relay
    priority 2
    packet within 5
    transport udp
    ip 52.112.0.0/14, 52.122.0.0/15, 52.238.119.141/32, 52.244.160.207/32, 2603:1027::/48, 2603:1037::/48, 2603:1047::/48, 2603:1057::/48, 2603:1063::/38, 2620:1ec:6::/48, 2620:1ec:40::/42
    port 3478-3481

  # Classic P2P Skype, rule A: a 3-byte probe whose third byte ends in 0xD.
  rule classic-probe
    priority -1
    hold
    transport udp
    packet within 4
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119, 8801
    len == 3
    u8@2 & 0x0f == 0x0d

  # Classic P2P Skype, rule A: 16 bytes or more, third byte 0x02, first byte 10xxxxxx (but not
  # 0x80/0xC0/0xC1, FINS), or 0x0_/0x7_ (but not 0x00 CAPWAP, 0x01).
  rule classic-0x8
    priority -1
    hold
    transport udp
    packet within 4
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119, 8801
    len >= 16
    u8@2 == 0x02
    u8@0 & 0xc0 == 0x80
    not u8@0 in {0x80, 0xc0, 0xc1}
    # skype.pcap, 192.168.1.34:13021 -> 64.4.23.166:40022
    example match 9b9002d2fcfb780ea6d56433dd749d497204d313ec67432075bdb8e2e7d954c069f6
    # KakaoTalk_talk.pcap, 10.24.82.188:11320 -> 1.201.1.174:23044 (RTP)
    example nomatch 80ec4eb28b399cda0b865519fec5f690bfe83d83771c1276a357519b33c32925654ad82efb080889c03a096248060aa5ae4b61d6324c0679
    # dnscrypt_skype_false_positive.pcapng, first packet (first 96 of 512 bytes)
    example nomatch d31b02042ac406f3497e6993424b0a16c06e75586651bb4a47b500e1d021af661e16c5859f9d160f796107117ec517179b83ae7412ca145de55cdcc9453d67d660b01302b21a1ccd502e9491969dd805ac9ae535e9f80f047fec71e023c6f5db

  rule classic-0x0-0x7
    priority -1
    hold
    transport udp
    packet within 4
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119, 8801
    len >= 16
    u8@2 == 0x02
    u8@0 & 0xf0 in {0x00, 0x70}
    not u8@0 in {0x00, 0x01}

protocol Skype_Teams id 125 category VoIP
  # Classic P2P Skype, rule B: two packets with third byte 0x02 and the same four bytes at
  # offset 7 (a checksum-like field that stays fixed within a session).
  rule classic-repeat
    priority -1
    hold
    transport udp
    packet within 5
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119
    len >= 11
    u8@2 == 0x02
    repeat 2 same u32@7
    # skype_udp.pcap, 192.168.1.2:35990 -> 24.224.190.149:39262
    example match 169702aed10087792e012b1b34b94fb4a7cf2ec4a3ef4bd9e7d21f643db7bd
