# NetEase Games (Lost Light, Badlanders, Naraka: Bladepoint). The client's 12-byte hello: byte
# 0x01, the little-endian word 0x01D0 at offset 2 and 0x01010100 at offset 8; Lost Light's
# datagrams open with B3 AF 8D E8; Naraka's with 07 08 08 0C.

protocol NetEaseGames id 402 category Game
  rule hello
    transport udp
    direction to-server
    len == 12
    u8@0 == 0x01
    u16le@2 == 0x01d0
    u32le@8 == 0x01010100
    # netease_games.pcapng, 192.168.88.231:56588 -> 35.246.207.19:4513
    example match 01b5d001112a3d0300010101

  rule lost-light
    transport udp
    len >= 30
    prefix 0xb3af8de8
    # netease_games.pcapng, 192.168.88.231:41040 -> 35.228.32.209:4170
    example match b3af8de8ff007257355c5c6e6663716a492f545a6763747455537a69422b

  rule naraka
    transport udp
    len >= 31
    prefix 0x0708080c
    # netease_games.pcapng, 192.168.88.231:58951 -> 34.141.75.90:28203
    example match 0708080c626386180000000000000001000003acf8458b4d1029d41406772df0cb1407d40e326789148bc74819b3cf774ad11600000000000000000000000000000000000000000000000000000000000000
