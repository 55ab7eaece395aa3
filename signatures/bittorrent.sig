# BitTorrent: local service discovery (BEP 14), the DHT (BEP 5, bencoded KRPC), uTP (BEP 29),
# and the TCP peer handshake.

protocol BitTorrent id 37 category P2P
  rule local-service-discovery
    transport udp
    prefix "BT-SEARCH * HTTP/1.1"
    # bt_search.pcap, 192.168.0.102:6771 -> 239.192.152.143:6771
    example match 42542d534541524348202a20485454502f312e310d0a486f73743a203233392e3139322e3135322e3134333a363737310d0a506f72743a2036313139370d0a496e666f686173683a20454434463130383545383835463938463941363942373045453839454239383842384644393131350d0a0d0a0d0a

  # KRPC messages are bencoded dictionaries whose keys are sorted: "a"/"r"/"e" first, "y" (the
  # message type) last.
  rule dht
    transport udp
    packet within 5
    prefix "d1:"
    contains "1:y1:"
    # bittorrent_utp.pcap, 82.243.113.43:64969 -> 192.168.1.5:40959
    example match 64313a6164323a696432303af7f6007cea13506e514de7ecbc94f2ae517115f8393a696e666f5f6861736832303af7f601d8a6276f762c2c3df274af2827f8d1f1de65313a71393a6765745f7065657273313a74323a0e61313a76343a4c540101313a79313a7165

  # uTP: type (0-4) in the high nibble, version 1 in the low; extension 0-3; 20-byte header;
  # the connection id (offset 2) stays the same on a direction's packets.
  rule utp
    transport udp
    packet within 6
    len >= 20
    u8@0 in {0x01, 0x11, 0x21, 0x31, 0x41}
    u8@1 in 0..3
    repeat 3 same u16@2
    # bittorrent_utp.pcap, 127.0.0.1:49861 -> 127.0.0.1:33333
    example match 41004567ed639296000000000010000023c60000

  rule peer-handshake
    transport tcp
    prefix "\x13BitTorrent protocol"
