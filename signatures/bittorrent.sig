# BitTorrent: local service discovery (BEP 14), the DHT (BEP 5, bencoded KRPC), uTP (BEP 29),
# and the TCP peer handshake.

protocol BitTorrent id 37 category P2P
  rule local-service-discovery
    transport udp
    prefix "BT-SEARCH * HTTP/1.1"

  # KRPC messages are bencoded dictionaries whose keys are sorted: "a"/"r"/"e" first, "y" (the
  # message type) last.
  rule dht
    transport udp
    packet within 5
    prefix "d1:"
    contains "1:y1:"

  # uTP: type (0-4) in the high nibble, version 1 in the low; extension 0-3; 20-byte header;
  # the connection id (offset 2) stays the same on a direction's packets.
  rule utp
    transport udp
    packet within 6
    len >= 20
    u8@0 in {0x01, 0x11, 0x21, 0x31, 0x41}
    u8@1 in 0..3
    repeat 3 same u16@2

  rule peer-handshake
    transport tcp
    prefix "\x13BitTorrent protocol"
