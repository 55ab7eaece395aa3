# Telegram. Its UDP (MTProto relays, calls through its relays) carries no fixed bytes: the
# addresses decide, from Telegram's published network list (core.telegram.org/resources/cidr.txt).
# The negative priority keeps this a fallback: a STUN message to a Telegram relay is named by
# the STUN rules first, as nDPI does.

protocol Telegram id 185 category Chat
  rule telegram-networks
    priority -1
    transport udp
    ip 91.105.192.0/23, 91.108.4.0/22, 91.108.8.0/22, 91.108.12.0/22, 91.108.16.0/22, 91.108.20.0/22, 91.108.56.0/22, 95.161.64.0/20, 149.154.160.0/20, 185.76.151.0/24, 2001:67c:4e8::/48, 2001:b28:f23c::/47, 2001:b28:f23f::/48, 2a0a:f280::/32

  # Telegram's call relays (libtgvoip/tgcalls "reflectors"): every datagram starts with the
  # call's 16-byte peer tag. The relay's own control messages follow it with twelve 0xFF bytes
  # and a 32-bit little-endian type: 0xFFFFFFFE asks the relay for the client's public endpoint,
  # and the relay answers with TL constructor 0xC01572C7 (128 bits each). Twelve 0xFF alone are
  # not enough: G.711 mu-law silence in RTP is 0xFF too. The relays sit in the networks above,
  # but a new range must not hide a call. A policy that allows Telegram accepts the call once
  # four later datagrams (either direction) open with the same peer tag (`tag`: its first four
  # bytes); a tunnel that copies the handshake and goes on with random bytes does not.
  rule call-relay-endpoint-request
    transport udp
    len >= 32
    at 16 0xfffffffffffffffffffffffffeffffff
    confirm 4 by tag
    # telegram.pcap, 192.168.1.77:23174 -> 91.108.8.7:521 (request to a relay)
    example match dc4c00291565b7acbc236da9eda0d597fffffffffffffffffffffffffeffffff28f946112601a2f0
    # telegram.pcap, the same flow's encrypted media
    example nomatch dc4c00291565b7acbc236da9eda0d597592e46c3eb5bd2847e7cd8cd020b8522556709b8c9d1889d177c2ba7e5e09713dd9605ab221e9c07
    # sip-netsip.pcap, 10.97.0.1:10944 -> 10.97.0.2:2236: PCMU silence in RTP (first 40 bytes)
    example nomatch 80009b4000610800cb07e41affffffffffffffffffffffffffffffffffffffffffffffffffffffff

  rule call-relay-endpoint-answer
    transport udp
    len >= 32
    at 16 0xffffffffffffffffffffffffc77215c0
    confirm 4 by tag
    # telegram.pcap, 91.108.8.7:521 -> 192.168.1.77:23174 (the relay's answer)
    example match dc4c00291565b7acbc236da9eda0d597ffffffffffffffffffffffffc77215c060dab25e28f946112601a2f000000000000000000000ffff
