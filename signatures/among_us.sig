# Among Us (Innersloth) runs on the Hazel UDP library. A client opens with a Hello (0x08), a
# 16-bit nonce, Hazel version 0 and the game's 32-bit little-endian version number
# (year * 25000 + month * 1800 + day * 50 + revision: 2020-2030 gives 50,500,000-50,750,000),
# then the player name.

protocol AmongUs id 69 category Game
  rule hazel-hello
    transport udp
    packet first
    len >= 10
    u8@0 == 0x08
    u8@3 == 0x00
    u32le@4 in 50500000..50750000
    # nDPI's sample hello (game version 50516352): no capture in the corpora
    example match 0800010080d902030a506c617965724f6e65
