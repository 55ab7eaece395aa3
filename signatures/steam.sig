# Steam's own UDP protocols (the game-server queries of Valve's engines are in valve.sig).
#
# The Steam client's UDP connection to a connection manager (ports 27017-27019): every datagram
# carries a 36-byte header whose first word is the magic "VS01" (0x31305356 little-endian), then
# the little-endian size of the payload that follows the header, the packet type (1 challenge
# request, 2 challenge, 3 connect, 4 accept, 5 disconnect, 6 data, 7 datagram), flags, the two
# connection ids, sequence numbers and the message's packet count, start and size (layout as
# SteamKit and the other open Steam clients document it; nDPI's steam.c keys on the magic).
# A challenge request is the bare header (36 bytes), its answer adds the 8-byte challenge (44):
# the sizes nDPI's steam.pcap result lists for its 58 flows (78 and 86 bytes on Ethernet).
#
# Steam in-home streaming (Remote Play) discovery on UDP 27036: each datagram opens with
# 0xFFFFFFFF and the signature 0xA05F4C21 (little-endian), then a length-prefixed header and body
# (as Wireshark's steam-ihs-discovery dissector reads it).

protocol Steam id 74 category Game
  rule cm-udp-header
    transport udp
    len >= 36
    prefix "VS01"
    len == u16le@4 + 36
    u8@6 in 1..7
    # built from the header layout: a challenge request (payload size 0, type 1) from connection 0x200
    example match 565330310000010000020000000000000100000000000000010000000100000000000000
    # its answer: payload size 8, type 2, the challenge after the header
    example match 5653303108000200000000000002000001000000010000000100000001000000080000007a3c91e400000000
    # a datagram that says "VS01" but whose size field does not end it
    example nomatch 56533031ff00010000020000000000000100000000000000010000000100000000000000
    example nomatch 000100002112a4424133516369344e75724f4b41

  rule ihs-discovery
    transport udp
    len >= 16
    prefix 0xffffffff214c5fa0
    # built from the layout: signature, header length 11, a header (client id, message type 0),
    # body length 2, a body (sequence number 1)
    example match ffffffff214c5fa00b00000009efcdab8967452301100002000000 0801
    # a Source engine query (valve.sig) opens with 0xFFFFFFFF too
    example nomatch ffffffff54536f7572636520456e67696e6520517565727900
