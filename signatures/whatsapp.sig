# WhatsApp calls: STUN/TURN with WhatsApp's own message types 0x0800-0x0802 and 0x0804-0x0805
# (with the magic cookie) or its attributes 0x4000-0x4004 and 0x4007.

protocol WhatsAppCall id 45 category VoIP
  rule whatsapp-stun-types
    priority 2
    transport udp
    packet within 5
    u16@0 in 0x0800..0x0802
    stun cookie
    confirm 4 by stun turn msturn dtls rtp rtcp

  # Types 0x0804 and 0x0805 (nDPI's current list; no shared capture holds one): the STUN
  # header written out, as `stun` accepts only 0x0800-0x0802 among WhatsApp's types.
  rule whatsapp-stun-types-0804
    priority 2
    transport udp
    packet within 5
    u16@0 in {0x0804, 0x0805}
    u32@4 == 0x2112a442
    len == u16@2 + 20
    confirm 4 by stun turn msturn dtls rtp rtcp

  rule whatsapp-stun-attributes
    priority 2
    transport udp
    packet within 5
    stun attr 0x4000 0x4001 0x4002 0x4003 0x4004 0x4007
    confirm 4 by stun turn msturn dtls rtp rtcp
    # wa_video.pcap, 192.168.2.12:53688 -> 31.13.86.48:3478 (Allocate with 0x4000)
    example match 0003006a2112a4420c08916e0c93ad1d78ea944c40000066050302c83645d9d760b6503450165651380ce5b322178ee84df911f20c707ff5fac4f8b02689e17f2467082ff53b7823ab06b7e8d282eeb7a8ad5ad6e131ab4b9c37adcde722d255fd771e0c921d60054ca76443f5429ed4b62d4574f46df2fdbc28a729ff7f
    # teams.pcap, 192.168.1.6:50016 -> 52.114.250.123:3478 (Skype_TeamsCall)
    example nomatch 000300302112a442b2343f6e67f41d58acba639f000f000472c64bc68037000400000002800800040000000680060004000000010010000400002ee08055000400020002
