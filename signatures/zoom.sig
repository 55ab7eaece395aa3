# Zoom meetings over UDP, beside its STUN attributes (stun_apps.sig).
#
# Zoom's multimedia routers listen on UDP 8801-8810 and wrap media in a "SFU encapsulation"
# (Princeton's zoom-analysis; nDPI's zoom.c): type byte, 16-bit sequence, 32-bit field,
# direction byte. A client opens the flow with a type-1 hello `01 00 02` or `01 00 03` followed
# by a 16-byte session identifier; the router answers with a type-2 message `02 00 0x` that
# echoes that identifier (what a request/response echo test will check once the engine has one).
#
# A hello is a few bytes anyone can copy, so a flow named by one is accepted only once four later
# packets carry Zoom's router framing (`confirm 4 by zoom`: keep-alives, media frames, or RTP
# inside Zoom's media encapsulation continuing its stream). A capture that starts mid-call shows
# no hello: the routers' keep-alive (type 3, answered by type 4 echoing its bytes 5-8) or four
# media frames of one session name those flows, and confirm them the same way.
#
# Zoom's meeting servers sit in address space Zoom owns (its published meeting IP ranges,
# AS30103); the ranges below are the /16s and /22s of that list that the shared captures show in
# use (zoom.pcap: 109.94.160.99 and 162.255.37.14; stun_zoom.pcapng: 134.224.90.111). On those
# addresses with the router ports, any flow (SFU frames, STUN, DTLS of the web client) is Zoom.

protocol Zoom id 189 category Video
  rule sfu-client-hello
    transport udp
    packet within 2
    port 8801-8810
    len >= 20
    u8@0 == 0x01
    u8@1 == 0x00
    u8@2 in {0x02, 0x03}
    confirm 4 by zoom
    # zoom.pcap, 192.168.1.117:58327 -> 109.94.160.99:8801 (first 40 bytes)
    example match 0100027d464d35fffda234495d0d6d3b51e8960000000000000002007a002a007a002a000000400e17
    # zoom.pcap, 192.168.1.117:61731 -> 109.94.160.99:8801 (first 40 bytes)
    example match 0100023a44b14f6ac14b2d02239109ee0852a10000000000000002007a0562007a056200000040cabd
    # A STUN Binding request to the same router port (stun_zoom.pcapng) is not a hello.
    example nomatch 000100882112a442092d7333917218496a2bdcdf0006004945

  rule sfu-server-hello
    transport udp
    packet within 2
    direction to-client
    port 8801-8810
    len >= 20
    u8@0 == 0x02
    u8@1 == 0x00
    u8@2 in 0x01..0x03
    confirm 4 by zoom
    # zoom.pcap, 109.94.160.99:8801 -> 192.168.1.117:58327 (the answer to the hello above)
    example match 0200017d464d35fffda234495d0d6d3b51e896005a0e3e007a002a0000000000000000

  # A peer-to-peer call (two participants) skips the routers: the first datagram is a Zoom media
  # encapsulation of type 0x1F (`1F 02 01`), a 24-byte header, two length-prefixed strings (an
  # address, an identifier) and four zero bytes at the end (nDPI's zoom.c; 56 bits here). No
  # shared capture holds one.
  rule p2p-hello
    transport udp
    packet within 2
    len >= 37
    u16@0 == 0x1f02
    u8@2 == 0x01
    u32@-4 == 0
    confirm 4 by zoom

  # The routers' keep-alive: type 3, bytes 1-2 zero, a counter, the sender's timestamp (bytes
  # 5-8) and the session; the other side answers with type 4 and the same bytes. Either side
  # sends them, all through a call.
  rule sfu-keepalive
    transport udp
    port 8801-8810
    len >= 13
    u8@0 in {0x03, 0x04}
    u16@1 == 0
    echo u32@5
    confirm 4 by zoom
    # zoom.pcap (inside GTP-U), 10.140.117.35:45634 -> 193.122.35.237:8801
    example match 03000000120ffe98d200272ec9010540dc8325119dd2eba2637c7328f1e9f13b45c43793cc84878b469e825c267a8b935b8a446171dc2b73a77554495c171d51f991d08255e25bc9108e980cacf3239100
    example nomatch 0301000000120ffe98d200272ec9010540

  # Media frames through a router: type 5, a sequence number, the session (bytes 3-6, the same in
  # every frame of the flow), a direction byte (0 towards the router and 4 from it in recent
  # captures, 2 and 0 in a 2019 one).
  rule sfu-media
    transport udp
    port 8801-8810
    len >= 16
    u8@0 == 0x05
    u8@7 in {0x00, 0x02, 0x04}
    repeat 4 same u32@3
    confirm 4 by zoom
    # zoom.pcap (inside GTP-U), 193.122.35.237:8801 -> 10.140.117.35:45634
    example match 050f3100272ec90415010000000000000035010201001f5a4e0000028805030000000000000000ff000000020000000e62775f6c6576656c5f617564696f010000020000000e62775f6c6576656c5f766964656f01000002

  rule meeting-servers
    priority 2
    transport udp
    ip 109.94.160.0/22, 134.224.0.0/16, 144.195.0.0/16, 162.255.36.0/22, 170.114.0.0/16, 206.247.0.0/16
    port 8801-8810
