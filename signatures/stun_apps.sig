# Applications that run their calls over STUN/TURN and name themselves in the REALM attribute
# (0x0014) of their TURN messages. `stun realm` checks a valid STUN message whose REALM contains
# the text (case-insensitive). Their other STUN messages stay plain STUN.

protocol SignalVoip id 269 category VoIP
  rule signal-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "signal.org"
    # stun_signal.pcapng, 35.158.183.167:3478 -> 192.168.12.169:47204 (401 to an Allocate, REALM signal.org)
    example match 011300482112a44230584d55702b71512f6b52530009001000000401556e617574686f72697a656400150010393533653231366536303264623037650014000a7369676e616c2e6f72670000802200044e6f6e65802800041168f89f
    # the same answer from Telegram's relay
    example nomatch 011300482112a44247467134595a7071793741440009001000000401556e617574686f72697a656400150010656162303663366466366632666264300014000c74656c656772616d2e6f7267802200044e6f6e658028000463b639df

  rule whispersystems-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "whispersystems.org"

protocol TelegramVoip id 355 category VoIP
  rule telegram-turn-realm
    priority 2
    transport udp
    packet within 5
    stun realm "telegram"
    # telegram_videocall.pcapng, 91.108.9.35:1400 -> 192.168.12.169:40643 (401 to an Allocate, REALM telegram.org)
    example match 011300482112a44247467134595a7071793741440009001000000401556e617574686f72697a656400150010656162303663366466366632666264300014000c74656c656772616d2e6f7267802200044e6f6e658028000463b639df

protocol Zoom id 189 category Video
  # Zoom's STUN messages carry its own attribute types 0x0101 and 0x0103.
  rule zoom-stun-attributes
    priority 2
    transport udp
    packet within 5
    stun attr 0x0101 0x0103
    # zoom.pcap, 192.168.1.117:23903 -> 162.255.37.14:3478 (classic Binding request with 0x0101)
    example match 00010018c15dae63585d14392e582c260403bf30010100143132333435363738393031323334353637383900
    example nomatch 000100002112a4424133516369344e75724f4b41
