# Syncthing local discovery (its "localdisco-v4" protocol): every device announces itself on
# UDP 21027 to the IPv4 broadcast address and to [ff12::8384] at start and every 30 seconds. The
# datagram is the 32-bit magic 0x2EA7D90B followed by a protobuf Announce message (field 1, the
# 32-byte device id, so 0A 20; then the addresses and an instance id). Syncthing's file
# exchange itself is TLS over TCP and its relays speak another magic.

protocol Syncthing id 313 category Download
  rule local-discovery
    transport udp
    len > 4
    u32@0 == 0x2ea7d90b
    # syncthing-localdisco.pcap, 10.95.2.1:47938 -> 10.95.2.255:21027
    example match 2ea7d90b0a20d591162408b0c5535e278bcf2ec6cb95519ca4a07e449cf29c3a485d12ddb9ef1214717569633a2f2f302e302e302e303a32323030301216717569633a2f2f31302e39352e322e313a323230303012137463703a2f2f302e302e302e303a323230303012157463703a2f2f31302e39352e322e313a3232303030120f7463703a2f2f302e302e302e303a30188e96c5dbc3cceadb1a
    # the same announcement to [ff12::8384]:21027
    example match 2ea7d90b0a20d591162408b0c5535e278bcf2ec6cb95519ca4a07e449cf29c3a485d12ddb9ef12137463703a2f2f302e302e302e303a323230303012157463703a2f2f31302e39352e322e313a3232303030120f7463703a2f2f302e302e302e303a301214717569633a2f2f302e302e302e303a32323030301216717569633a2f2f31302e39352e322e313a323230303018f0c2ced3abc5998361
    # the magic alone, nothing announced
    example nomatch 2ea7d90b
