# Teredo (RFC 4380): IPv6 in UDP, with the server on port 3544. Packets carry an IPv6 header
# (version 6; payload length + 40 = the datagram), possibly after an 8-byte origin indication
# (0x0000) or an authentication header (0x0001, variable).

protocol Teredo id 214 category Network
  rule ipv6
    transport udp
    port 3544
    len >= 40
    u8@0 & 0xf0 == 0x60
    len == u16@4 + 40
    # teredo.pcap, 10.112.16.67:51812 -> 194.136.28.76:3544
    example match 60000000000c3a1520010000c2881c4c20f3359b46f93f462002c2881c4c000000000000c2881c4d8000eb0828f0b26f00000000

  rule origin-indication
    transport udp
    port 3544
    len >= 48
    u16@0 == 0x0000
    u8@8 & 0xf0 == 0x60
    len == u16@12 + 48
