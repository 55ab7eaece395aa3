# STUN (RFC 5389/8489, and RFC 3489 "classic" STUN), also TURN (RFC 5766) over UDP and TCP.
# The `stun` helper checks the header: type, length + 20 = payload length, the magic cookie or a
# classic message type with an exact attribute walk; Microsoft's 0xFF10 wrapper is peeled.

protocol STUN id 78 category Network
  rule stun-udp
    transport udp
    packet within 5
    not server-ip 255.255.255.255/32, 224.0.0.0/4
    stun

  # Over TCP, RFC 4571 framing (a 2-byte length) is peeled; only cookie STUN is accepted.
  rule stun-tcp
    transport tcp
    packet within 10
    stun cookie
