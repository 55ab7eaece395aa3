# Applications that run their calls over STUN/TURN and name themselves in the REALM attribute
# (0x0014) of their TURN messages. `stun realm` checks a valid STUN message whose REALM contains
# the text (case-insensitive). Their other STUN messages stay plain STUN.

protocol SignalVoip id 269 category VoIP
  rule signal-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "signal.org"
    confirm 4 by stun turn msturn dtls rtp rtcp
    # stun_signal.pcapng, 35.158.183.167:3478 -> 192.168.12.169:47204 (401 to an Allocate, REALM signal.org)
    example match 011300482112a44230584d55702b71512f6b52530009001000000401556e617574686f72697a656400150010393533653231366536303264623037650014000a7369676e616c2e6f72670000802200044e6f6e65802800041168f89f
    # the same answer from Telegram's relay
    example nomatch 011300482112a44247467134595a7071793741440009001000000401556e617574686f72697a656400150010656162303663366466366632666264300014000c74656c656772616d2e6f7267802200044e6f6e658028000463b639df

  rule whispersystems-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "whispersystems.org"
    confirm 4 by stun turn msturn dtls rtp rtcp

protocol TelegramVoip id 355 category VoIP
  rule telegram-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "telegram"
    confirm 4 by stun turn msturn dtls rtp rtcp
    # telegram_videocall.pcapng, 91.108.9.35:1400 -> 192.168.12.169:40643 (401 to an Allocate, REALM telegram.org)
    example match 011300482112a44247467134595a7071793741440009001000000401556e617574686f72697a656400150010656162303663366466366632666264300014000c74656c656772616d2e6f7267802200044e6f6e658028000463b639df

  # STUN with Telegram's relays: nDPI names a STUN flow TelegramVoip once the flow is known to be
  # Telegram's (its address list); the networks are telegram.sig's (Telegram's published list).
  rule telegram-relay-stun
    priority 2
    transport udp
    packet within 5
    ip 91.105.192.0/23, 91.108.4.0/22, 91.108.8.0/22, 91.108.12.0/22, 91.108.16.0/22, 91.108.20.0/22, 91.108.56.0/22, 95.161.64.0/20, 149.154.160.0/20, 185.76.151.0/24, 2001:67c:4e8::/48, 2001:b28:f23c::/47, 2001:b28:f23f::/48, 2a0a:f280::/32
    stun

protocol Zoom id 189 category Video
  # Zoom's STUN messages carry its own attribute types 0x0101 and 0x0103.
  rule zoom-stun-attributes
    priority 2
    transport udp
    packet within 5
    stun attr 0x0101 0x0103
    confirm 4 by stun turn msturn dtls rtp rtcp
    # zoom.pcap, 192.168.1.117:23903 -> 162.255.37.14:3478 (classic Binding request with 0x0101)
    example match 00010018c15dae63585d14392e582c260403bf30010100143132333435363738393031323334353637383900
    example nomatch 000100002112a4424133516369344e75724f4b41

# Google Meet / Duo / Hangouts calls (nDPI's GoogleCall): Google's relays send REALM google.com
# and Google's STUN carries its own attribute 0xFF03. Google's media relays also answer on
# 19302-19309 and 3478 from two blocks Google uses for them (74.125.250.0/24, 142.250.82.0/24,
# and 2001:4860:4864:5::/64, :6::/64): a STUN message there is a Google call.
protocol GoogleCall id 404 category VoIP
  rule google-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "google.com"
    confirm 4 by stun turn msturn dtls rtp rtcp
    # turn-realms-coturn.pcap (pcaps/capture-turn-realms.sh), 10.95.0.2:3478 -> 10.95.0.1:54952
    # (coturn configured with realm google.com: 401 to an Allocate)
    example match 011300582112a442c1819fad4503b5883bdfce4c0009001000000401556e617574686f72697a656400150010663833316237323063616139386530340014000a676f6f676c652e636f6d000080220014436f7475726e2d342e362e312027476f7273742780280004d05c1ec5
    # the same answer with realm facebook.com
    example nomatch 011300582112a4427d1e6f0504f6b9a07bf064df0009001000000401556e617574686f72697a656400150010633335363462336339346131323637350014000c66616365626f6f6b2e636f6d80220014436f7475726e2d342e362e312027476f727374278028000465d1246f

  rule google-stun-attribute
    priority 2
    transport udp
    packet within 5
    stun attr 0xff03
    confirm 4 by stun turn msturn dtls rtp rtcp

  rule google-media-relays
    priority 2
    transport udp
    packet within 5
    ip 74.125.250.0/24, 142.250.82.0/24, 2001:4860:4864:5::/64, 2001:4860:4864:6::/64
    port 3478, 19302-19309
    stun

# Facebook Messenger calls: Facebook's TURN relays send a REALM containing "facebook".
protocol FacebookVoip id 268 category VoIP
  rule facebook-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "facebook"
    confirm 4 by stun turn msturn dtls rtp rtcp
    # turn-realms-coturn.pcap, 10.95.0.2:3488 -> 10.95.0.1:38773 (coturn with realm facebook.com)
    example match 011300582112a4427d1e6f0504f6b9a07bf064df0009001000000401556e617574686f72697a656400150010633335363462336339346131323637350014000c66616365626f6f6b2e636f6d80220014436f7475726e2d342e362e312027476f727374278028000465d1246f

# Viber calls: Viber's TURN relays send a REALM containing "viber".
protocol ViberVoip id 414 category VoIP
  rule viber-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "viber"
    confirm 4 by stun turn msturn dtls rtp rtcp
    # turn-realms-coturn.pcap, 10.95.0.2:3498 -> 10.95.0.1:45816 (coturn with realm viber.com)
    example match 011300582112a442cfa26fbafc1e7fc194befac70009001000000401556e617574686f72697a656400150010343262313738316363616639343133610014000976696265722e636f6d00000080220014436f7475726e2d342e362e312027476f727374278028000485679032
