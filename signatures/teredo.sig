# Teredo (RFC 4380): IPv6 in UDP through NATs; servers listen on 3544, relays and peers use any
# port. A datagram carries an IPv6 header (version 6; payload length + 40 = the rest of the
# datagram), possibly after an origin indication (0x0000, 8 bytes) or an authentication header
# (0x0001, client-id and auth-value lengths, a nonce and a confirmation byte). One end of every
# Teredo packet is a Teredo address (2001:0000::/32), except a qualifying client's link-local
# router solicitation, which travels behind an authentication header.

protocol Teredo id 214 category Tunnel
  rule ipv6-from-teredo-address
    transport udp
    len >= 40
    u8@0 & 0xf0 == 0x60
    len == u16@4 + 40
    u32@8 == 0x20010000
    # teredo.pcap, 10.112.16.67:51812 -> 194.136.28.76:3544
    example match 60000000000c3a1520010000c2881c4c20f3359b46f93f462002c2881c4c000000000000c2881c4d8000eb0828f0b26f00000000

  rule ipv6-to-teredo-address
    transport udp
    len >= 40
    u8@0 & 0xf0 == 0x60
    len == u16@4 + 40
    u32@24 == 0x20010000
    # teredo.pcap, 194.136.28.76:3544 -> 10.112.16.67:51812 (an echo reply)
    example match 60000000000d3a7f2002c2881c4c000000000000c2881c4c20010000c2881c4c20f3359b46f93f4681006c5700010685dadcadadca

  rule origin-indication
    transport udp
    len >= 48
    u16@0 == 0x0000
    u8@8 & 0xf0 == 0x60
    len == u16@12 + 48
    # teredo.pcap, 194.136.28.76:3544 -> 10.112.16.67:51812 (a bubble)
    example match 0000f2273d77e3b36000000000003b15fe800000000000008000f2273d77e3b320010000c2881c4c20f3359b46f93f46

  # Authentication header without client id or auth value (the form clients send while
  # qualifying): 0x0001, two zero lengths, an 8-byte nonce, a confirmation byte, the IPv6 packet.
  rule authentication
    transport udp
    len >= 53
    u32@0 == 0x00010000
    u8@13 & 0xf0 == 0x60
    len == u16@17 + 53
    # teredo.pcap, 10.112.16.106:52513 -> 194.136.28.76:3544 (a router solicitation)
    example match 00010000b11b3fea46a9afe9006000000000083afffe800000000000000000fffffffffffeff02000000000000000000000000000285007d3800000000

  # The server's answer: authentication header, then an origin indication, then IPv6.
  rule authentication-and-origin
    transport udp
    len >= 61
    u32@0 == 0x00010000
    u16@13 == 0x0000
    u8@21 & 0xf0 == 0x60
    len == u16@25 + 61
