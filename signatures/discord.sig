# Discord voice. The client first runs IP discovery: a 74-byte request (type 0x0001, length 70,
# then its SSRC and a zero-padded address field) or the server's answer (type 0x0002); voice
# gateways are also pinged with 8-byte packets starting 13 37 CA FE. Either names the flow; the
# call's RTP/RTCP (or more discovery and pings) must confirm it: four later packets.

protocol Discord id 58 category Collaborative
  rule ip-discovery
    transport udp
    packet within 4
    len == 74
    u16@0 in {0x0001, 0x0002}
    u16@2 == 70
    confirm 4 by rtp rtcp self
    # discord.pcap, 192.168.2.100:57955 -> 66.22.196.173:50004
    example match 000100460000ace3000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006f74

  rule gateway-ping
    transport udp
    packet within 4
    len == 8
    prefix 0x1337cafe
    confirm 4 by rtp rtcp self
    # discord.pcap, 192.168.2.100:56271 -> 66.22.244.154:50004
    example match 1337cafe0e000000
