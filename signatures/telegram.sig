# Telegram. Its UDP (MTProto relays, calls through its relays) carries no fixed bytes: the
# addresses decide, from Telegram's published network list (core.telegram.org/resources/cidr.txt).
# The negative priority keeps this a fallback: a STUN message to a Telegram relay is named by
# the STUN rules first, as nDPI does.

protocol Telegram id 185 category Chat
  rule telegram-networks
    priority -1
    transport udp
    ip 91.105.192.0/23, 91.108.4.0/22, 91.108.8.0/22, 91.108.12.0/22, 91.108.16.0/22, 91.108.20.0/22, 91.108.56.0/22, 95.161.64.0/20, 149.154.160.0/20, 185.76.151.0/24, 2001:67c:4e8::/48, 2001:b28:f23c::/47, 2001:b28:f23f::/48, 2a0a:f280::/32
