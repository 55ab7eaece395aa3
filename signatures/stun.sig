# STUN (RFC 5389/8489, and RFC 3489 "classic" STUN), also TURN (RFC 5766) over UDP and TCP.
# The `stun` helper checks the header: type, length + 20 = payload length, the magic cookie or a
# classic message type with an exact attribute walk; Microsoft's 0xFF10 wrapper is peeled.
#
# A plain STUN match is held (priority 1, hold): the applications that run over STUN
# (Skype/Teams, WhatsApp, Signal, Telegram, ... at priority 2) often show themselves only in a
# later message (a TURN Allocate's REALM, a Microsoft attribute), so they may still take the flow
# during their window; media rules that rank lower (RTP, DTLS after ICE) do not.

protocol STUN id 78 category Network
  rule stun-udp
    priority 1
    hold
    transport udp
    packet within 5
    not server-ip 255.255.255.255/32, 224.0.0.0/4
    stun
    # adult_content.pcap, 192.168.1.199:42759 -> 31.220.27.69:80
    example match 000100002112a4424133516369344e75724f4b41
    # KakaoTalk_talk.pcap, 10.24.82.188:25223 -> 10.188.1.1:53 (DNS)
    example nomatch 629801000001000000000000046d7174740866616365626f6f6b03636f6d0000010001

  # Over TCP, RFC 4571 framing (a 2-byte length) is peeled; only cookie STUN is accepted.
  rule stun-tcp
    priority 1
    hold
    transport tcp
    packet within 10
    stun cookie
