# Discord voice. The client first runs IP discovery: a 74-byte request (type 0x0001, length 70,
# then its SSRC and a zero-padded address field) or the server's answer (type 0x0002); voice
# gateways are also pinged with 8-byte packets starting 13 37 CA FE.

protocol Discord id 58 category Collaborative
  rule ip-discovery
    transport udp
    packet within 4
    len == 74
    u16@0 in {0x0001, 0x0002}
    u16@2 == 70

  rule gateway-ping
    transport udp
    packet within 4
    len == 8
    prefix 0x1337cafe
