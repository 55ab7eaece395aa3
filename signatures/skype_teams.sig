# Skype and Microsoft Teams calls.
#
# Modern Skype/Teams media is STUN/ICE (MS-ICE, MS-TURN) followed by SRTP. What tells it apart
# from other STUN users is a Microsoft attribute in the flow's first STUN messages, or a Teams
# media relay (Microsoft's published ranges) on the relay ports 3478-3481.
# Classic peer-to-peer Skype (before STUN/ICE) is recognised by nDPI 4.2's UDP heuristic: the
# expected labels of older captures come from it.

protocol Skype_TeamsCall id 38 category VoIP
  # A STUN message carrying one of the attributes only Microsoft's stack sends: candidate
  # identifier 0x8054, 0x24DF, 0x3802, 0x8036, multiplexed-TURN session id 0x8095, 0x0800,
  # 0x8006, implementation version 0x8070, service quality 0x8055.
  rule ms-stun-attribute
    transport udp
    packet within 5
    not server-ip 255.255.255.255/32, 224.0.0.0/4
    stun attr 0x8054 0x24df 0x3802 0x8036 0x8095 0x0800 0x8006 0x8070 0x8055

  rule ms-stun-attribute-tcp
    transport tcp
    packet within 10
    stun cookie attr 0x8054 0x24df 0x3802 0x8036 0x8095 0x0800 0x8006 0x8070 0x8055

  # Any UDP flow to a Teams media relay on the relay ports, whatever it carries first.
  rule teams-relay
    transport udp
    ip 52.112.0.0/14, 52.122.0.0/15, 52.238.119.141/32, 52.244.160.207/32, 2603:1027::/48, 2603:1037::/48, 2603:1047::/48, 2603:1057::/48, 2603:1063::/38, 2620:1ec:6::/48, 2620:1ec:40::/42
    port 3478-3481

  # Classic P2P Skype, rule A: a 3-byte probe whose third byte ends in 0xD.
  rule classic-probe
    transport udp
    packet within 4
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119, 8801
    len == 3
    u8@2 & 0x0f == 0x0d

  # Classic P2P Skype, rule A: 16 bytes or more, third byte 0x02, first byte 10xxxxxx (but not
  # 0x80/0xC0/0xC1, FINS), or 0x0_/0x7_ (but not 0x00 CAPWAP, 0x01).
  rule classic-0x8
    transport udp
    packet within 4
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119, 8801
    len >= 16
    u8@2 == 0x02
    u8@0 & 0xc0 == 0x80
    not u8@0 in {0x80, 0xc0, 0xc1}

  rule classic-0x0-0x7
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
    transport udp
    packet within 5
    not server-ip 255.255.255.255/32, 224.0.0.0/24
    not port 80, 1119
    len >= 11
    u8@2 == 0x02
    repeat 2 same u32@7
