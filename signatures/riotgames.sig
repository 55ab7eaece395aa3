# Riot Games. Valorant and League of Legends game traffic ends its datagrams with the 8-byte
# trailer AA AA AA AA BB BB BB BB; Riot's voice/presence pings (53 bytes) end with the fixed
# eight bytes 3C B1 1F 2D EA 23 46 0C. League of Legends: Wild Rift pings its servers with a
# 22-byte datagram opening 01 02 C8 41 and ending "A0B1", and its session starts with a 69-byte
# datagram (type word 0x04000000) answered by a 359-byte one (type word 0x10000000).

protocol RiotGames id 302 category Game
  rule game-trailer
    transport udp
    len >= 16
    u32@-8 == 0xaaaaaaaa
    u32@-4 == 0xbbbbbbbb
    # riotgames.pcap, 192.168.2.100:62854 -> 162.249.72.1:8181
    example match 7374f60c72324204ab597f811fcc00876bbc000016e37c4014000000aaaaaaaabbbbbbbb

  rule ping-53
    transport udp
    len == 53
    u32@-8 == 0x3cb11f2d
    u32@-4 == 0xea23460c
    # riotgames.pcap, 192.168.2.100:59956 -> 162.249.72.1:7194
    example match a49f9c31a03242040100000000000000000000000000000000000000000000000000000098b99eebc2e012d8953cb11f2dea23460c

protocol LoLWildRift id 407 category Game
  rule ping
    transport udp
    len == 22
    u32@0 == 0x0102c841
    u32@-4 == 0x41304231
    # lol_wild_rift_udp.pcap, 10.215.173.1:44513 -> 13.53.58.18:18001
    example match 0102c8410000000100010000001e0004000441304231

  rule session-reply
    transport udp
    packet within 4
    direction to-client
    len == 359
    u32@0 == 0x10000000
    # lol_wild_rift_udp.pcap, 51.20.230.207:15004 -> 10.215.173.1:47462
    example match 10000000d3287b425bcb515dc91555090ba53fda59f6e0d4b9b1ee572e95706fe14d1d41065cc7ccd4feadb8889b575fbb0612ea4b6f1dc68c2ea67ee9d640f8a208da8fa3af45cb22ed4ffb40f91671057ebac5bc1663906e833130b556f13100870831595ae9a6a5a1cbd108fc743e8a5733f2b2d51db441ad262867a9e93518f5e99631ba12dcb7aac53d5f89d771d4f7795cffe374aeaae346e9dfd700c0333658bbb3243d739745567fddd93f48cba0c6a1e24eb6b6a0f0c5e1d47872ac97bdd6d1843e0b6c408bc6f45bc19dbff5ad7acb184cdb0807a674c35e9ea9c33bfb9ef9c0f124bee0c95513a8c90d976d6da7223b7579a8a6be69aa7b5298e1c89342356439ff7ed5d5c7f802feacfbc934fbf4db1564e441c2148416670a190cd799a452271689cd4264226f213c80b6e561e83759aa458efcac1a657b4f7846330dcf623536abbb9c661c7245d730aba86a49470ae44b08ca2c44dc764d940b9a901c2758f0
