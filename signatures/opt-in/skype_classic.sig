# Classic peer-to-peer Skype (opt-in: the default set does not load this file).
#
# Before it moved to STUN/ICE and TLS, Skype's peer-to-peer UDP carried obfuscated packets whose
# third byte is a packet type (0x02 for most); nDPI 4.2's heuristic, the basis of the expected
# labels of older captures, names a flow on that byte and on the top bits of the first one.
# Microsoft retired classic Skype in May 2025 and nDPI removed the heuristic in 2024 as prone to
# false positives. Load it only where old clients still run:
#
#   nfdpi run --signatures signatures --signatures signatures/opt-in/skype_classic.sig ...
#
# The rules guess on about 10 bits of one packet, so they rank below every other rule (priority
# -1) and only hold their match: any rule of the default set that decides on the flow's first 24
# packets wins over them; if none does, the flow is named when the window ends, when its budget
# runs out, or when it ends. A named flow is accepted only once four later packets pass the
# rule's own tests again (`confirm 4 by self`); a flow the budget reaches first is cut, reported
# Unknown with `unconfirmed` giving the name.
#
# False positives, measured (docs/signatures.md, "Confirmation"): on the shared captures, none
# (no flow nDPI knows as another protocol is named Skype); on 20,000 UDP flows of random
# payloads (tests/random_traffic.rs, seed 0x1120261130), 101 (0.5 %) are named while pending and every one is cut
# at the budget, unconfirmed.

protocol Skype_TeamsCall id 38 category VoIP
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
    confirm 4 by self

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
    confirm 4 by self
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
    confirm 4 by self

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
    confirm 4 by self
    # skype_udp.pcap, 192.168.1.2:35990 -> 24.224.190.149:39262
    example match 169702aed10087792e012b1b34b94fb4a7cf2ec4a3ef4bd9e7d21f643db7bd
