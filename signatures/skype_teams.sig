# Skype and Microsoft Teams calls.
#
# Modern Skype/Teams media is STUN/ICE (MS-ICE, MS-TURN) followed by SRTP. What tells it apart
# from other STUN users is a Microsoft attribute in the flow's first STUN messages, or a Teams
# media relay (Microsoft's published ranges) on the relay ports 3478-3481. These rules rank
# above plain STUN (priority 2 against 1), which only holds its match: a Microsoft attribute in
# any of the first five packets names the flow. The relay rule ranks above the attribute rules
# (priority 3), so a flow to a relay is decided by the address, not left waiting for media.
# A STUN message is easy to forge, so a flow named by its attributes is accepted only once four
# later packets carry call media (STUN, TURN ChannelData, MS-TURN framing, DTLS, or RTP/RTCP
# continuing its stream); until then it is pending and spends its budget. A Teams relay address
# on the relay ports is Microsoft's own and decides at once.
# Classic peer-to-peer Skype (before STUN/ICE, retired in 2025) guesses on a few bytes: its rules
# are in opt-in/skype_classic.sig, which the default set does not load.

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
    confirm 4 by stun turn msturn dtls rtp rtcp
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
    confirm 4 by stun turn msturn dtls rtp rtcp

  # Any UDP flow to a Teams media relay on the relay ports, whatever it carries first.
  rule teams-relay
    priority 3
    packet within 5
    transport udp
    ip 52.112.0.0/14, 52.122.0.0/15, 52.238.119.141/32, 52.244.160.207/32, 2603:1027::/48, 2603:1037::/48, 2603:1047::/48, 2603:1057::/48, 2603:1063::/38, 2620:1ec:6::/48, 2620:1ec:40::/42
    port 3478-3481
