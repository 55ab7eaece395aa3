# Ethereum's node discovery, version 4 (devp2p "discv4", github.com/ethereum/devp2p discv4.md,
# EIP-8, EIP-868): UDP datagrams, usually on 30303 (nDPI looks only there; the rules below do not
# need the port). Every packet is
#   hash (32 bytes, keccak256 of the rest) || signature (65 bytes: r, s, recovery id v = 0 or 1)
#   || packet type (1 Ping, 2 Pong, 3 FindNode, 4 Neighbors, 5 ENRRequest, 6 ENRResponse)
#   || packet data, one RLP list
# so byte 96 is 0 or 1, byte 97 the type, and byte 98 opens the list: 0xc0 + length for a list
# of at most 55 bytes, 0xf8 and a 1-byte length, or 0xf9 and a 2-byte length. Implementations
# (go-ethereum's v4wire, which Erigon and others share) send the list and nothing after it, so
# the list's length ends exactly at the datagram's end. EIP-8 lets a receiver accept trailing
# bytes after the list; a sender that adds them is not named here.
# Ping = [version 4, from [ip, udp port, tcp port], to [...], expiration, enr-seq?];
# Pong = [to [...], ping hash, expiration, enr-seq?]; FindNode = [target (64 bytes), expiration];
# Neighbors = [[[ip, udp, tcp, id], ...], expiration]; ENRRequest = [expiration].
# No capture in the corpora: the Ping examples are go-ethereum's EIP-8 test vectors
# (p2p/discover/v4wire/v4wire_test.go, signed with the EIP's test key), the others are built
# from the layout above (hash and signature bytes random, v and the RLP as specified).
# nDPI names it ETHEREUM (id 354, as its tests print it: "354/ETHEREUM") in its crypto-currency
# category: Mining here.

protocol ETHEREUM id 354 category Mining
  # A Ping: version 4 first, then the sender's endpoint, a short list opening with its
  # address (4 or 16 bytes, RLP 0x84 or 0x90).
  rule discv4-ping
    transport udp
    packet within 8
    u8@96 in 0..1
    u8@97 == 0x01
    u8@98 in 0xc0..0xf7
    len == u8@98 - 93
    u8@99 == 0x04
    u8@100 in 0xc0..0xf7
    u8@101 in {0x84, 0x90}
    # go-ethereum EIP-8 vector: Ping from 127.0.0.1:3322 to [::1]:2222, v = 0
    example match 71dbda3a79554728d4f94411e42ee1f8b0d561c10e1e5f5893367948c6a7d70bb87b235fa28a77070271b6c164a2dce8c7e13a5739b53b5e96f2e5acb0e458a02902f5965d55ecbeb2ebb6cabb8b2b232896a36b737666c55265ad0a68412f250001ea04cb847f000001820cfa8215a8d790000000000000000000000000000000018208ae820d058443b9a355
    # go-ethereum EIP-8 vector: the same Ping with an ENR sequence and an extra element, v = 1
    example match e9614ccfd9fc3e74360018522d30e1419a143407ffcce748de3e22116b7e8dc92ff74788c0b6663aaa3d67d641936511c8f8d6ad8698b820a7cf9e1be7155e9a241f556658c55428ec0563514365799a4be2be5a685a80971ddcfa80cb422cdd0101ec04cb847f000001820cfa8215a8d790000000000000000000000000000000018208ae820d058443b9a3550102
    # the first vector with one byte more after the list: not named
    example nomatch 71dbda3a79554728d4f94411e42ee1f8b0d561c10e1e5f5893367948c6a7d70bb87b235fa28a77070271b6c164a2dce8c7e13a5739b53b5e96f2e5acb0e458a02902f5965d55ecbeb2ebb6cabb8b2b232896a36b737666c55265ad0a68412f250001ea04cb847f000001820cfa8215a8d790000000000000000000000000000000018208ae820d058443b9a35500

  # A Pong in a short list: the recipient's endpoint first (a short list opening with its
  # address), then the Ping's hash, the expiration and the ENR sequence.
  rule discv4-pong
    transport udp
    packet within 8
    u8@96 in 0..1
    u8@97 == 0x02
    u8@98 in 0xc0..0xf7
    len == u8@98 - 93
    u8@99 in 0xc0..0xf7
    u8@100 in {0x84, 0x90}
    # built: Pong to 127.0.0.1:3322 answering the first Ping vector (its hash), ENR seq 3
    example match 52f22665a60c12d289185d950ee8813609166f6b113d178d6c0fd3901ff239a1a095f20f9395650cf9380b8edb224a6b248a1e924e8fd0ae2e1a9492a3305f188cb610900f9e347fae886dc6507795ec745c4c3fcb2eb2c73e14934c867ee0570102f3cb847f000001820cfa8215a8a071dbda3a79554728d4f94411e42ee1f8b0d561c10e1e5f5893367948c6a7d70b8443b9a35503
    # the same with recovery id 2 (no secp256k1 signature has it)
    example nomatch 52f22665a60c12d289185d950ee8813609166f6b113d178d6c0fd3901ff239a1a095f20f9395650cf9380b8edb224a6b248a1e924e8fd0ae2e1a9492a3305f188cb610900f9e347fae886dc6507795ec745c4c3fcb2eb2c73e14934c867ee0570202f3cb847f000001820cfa8215a8a071dbda3a79554728d4f94411e42ee1f8b0d561c10e1e5f5893367948c6a7d70b8443b9a35503

  # Any packet type whose list is 56–255 bytes long (0xf8 and a 1-byte length): FindNode,
  # Neighbors with a few nodes, a Pong or an ENRResponse.
  rule discv4-list-f8
    transport udp
    packet within 8
    u8@96 in 0..1
    u8@97 in 1..6
    u8@98 == 0xf8
    len == u8@99 + 100
    # built: FindNode (a 64-byte target, 0xb840, and the expiration)
    example match ba72499bfa121e836b2ac15726ee7d6b0af6ab13c38e92cae0d15057b159987f94cc7411d717f14579b2aa100fbbb34fa593feaed27248b762e3ab5805f0765a2b9c1d7e0f37c44921bd3f6564eadf7f142a72668c47e223d16edd8c47b46afc0003f847b8405baee261f53b26152d263ba83b037cd4962e434801256b885e9c9051f320b0db83f39ea7adbd0d74e6dec7f3dfaecc8f646566641a7ba2660f3011fc3570291c8443b9a355
    # built: Neighbors with three IPv4 nodes on 30303
    example match 59278c8c210503ccf8b9a61a86bfef236ffcdf31d3df360740364a803dc39653428b6bd5210fe8bd5ae575a995d0e7846bd3eae080218826868204df70c62e9b01c6cc262c24799eb91e8e0f53ae84878e7bc8c61be28f0e3f30460ac51981730104f8f4f8edf84d840a00000182765f82765fb84057990d1a0091268919f25d9d0612df359d6026a240f4589a5d791f1dd97cfefa777a7b4f15241abf57bd437ad4b129840534f3f3875c25b08bea06c2874cfaa4f84d840a00000282765f82765fb840dd17b2d842845de82a5bc539888ac78054a2399ccfc9fcc2da31ce3dd166bdcd3a33847e5bbb07fd07ca47784231b19af45872ceefb9fc59f4f95d14381a3a78f84d840a00000382765f82765fb8403256347b9ffce69cd7007ae8a758cca415d5a91ee863c8b6c0337ae32d6fcaa25516cdf2f8b8657666bef215b9282bfe20072697e777cea7259cd398fa79a8ef8443b9a355
    # go-ethereum EIP-8 vector: FindNode followed by 57 bytes after its list (not named)
    example nomatch c7c44041b9f7c7e41934417ebac9a8e1a4c6298f74553f2fcfdcae6ed6fe53163eb3d2b52e39fe91831b8a927bf4fc222c3902202027e5e9eb812195f95d20061ef5cd31d502e47ecb61183f74a504fe04c51e73df81f25c4d506b26db4517490103f84eb840ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be00812904767bf5ccd1fc7f8443b9a35582999983999999280dc62cc8255c73471e0a61da0c89acdc0e035e260add7fc0c04ad9ebf3919644c91cb247affc82b69bd2ca235c71eab8e49737c937a2c396

  # A list of 256 bytes or more (0xf9 and a 2-byte length): Neighbors with four or more nodes,
  # an ENRResponse with a large record.
  rule discv4-list-f9
    transport udp
    packet within 8
    u8@96 in 0..1
    u8@97 in 1..6
    u8@98 == 0xf9
    len == u16@99 + 101
    # go-ethereum EIP-8 vector: Neighbors (four nodes) with its 13 trailing bytes cut off
    example match c679fc8fe0b8b12f06577f2e802d34f6fa257e6137a995f6f4cbfc9ee50ed3710faf6e66f932c4c8d81d64343f429651328758b47d3dbc02c4042f0fff6946a50f4a49037a72bb550f3a7872363a83e1b9ee6469856c24eb4ef80b7535bcf99c0004f9015bf90150f84d846321163782115c82115db8403155e1427f85f10a5c9a7755877748041af1bcd8d474ec065eb33df57a97babf54bfd2103575fa829115d224c523596b401065a97f74010610fce76382c0bf32f84984010203040101b840312c55512422cf9b8a4097e9a6ad79402e87a15ae909a4bfefa22398f03d20951933beea1e4dfa6f968212385e829f04c2d314fc2d4e255e0d3bc08792b069dbf8599020010db83c4d001500000000abcdef12820d05820d05b84038643200b172dcfef857492156971f0e6aa2c538d8b74010f8e140811d53b98c765dd2d96126051913f44582e8c199ad7c6d6819e9a56483f637feaac9448aacf8599020010db885a308d313198a2e037073488203e78203e8b8408dcab8618c3253b558d459da53bd8fa68935a719aff8b811197101a4b2b47dd2d47295286fc00cc081bb542d760717d1bdd6bec2c37cd72eca367d6dd3b9df738443b9a355010203

  # ENRRequest (EIP-868): a list holding only the 4-byte expiration, 104 bytes in all.
  rule discv4-enr-request
    transport udp
    packet within 8
    len == 104
    u8@96 in 0..1
    u8@97 == 0x05
    u8@98 == 0xc5
    u8@99 == 0x84
    # built: ENRRequest, expiration 1136239445
    example match 73dd8fdbecc7777382da96302fcd8379a19dcb2f18724d241789cfe3b1a20a98fb65f673a7bd9da6289f03d487100f0930e13d9907c776537097d732843ba34b7f01a91575a74768ff8dfeeed715b54150c23a8349071190c41b661bd84a62110005c58443b9a355
