# Genshin Impact (miHoYo). The game's UDP (a KCP variant) opens with a 20-byte handshake:
# 0x000000FF, a zeroed conversation id, then the constants 1234567890 (0x499602D2) and
# 0xFFFFFFFF.

protocol GenshinImpact id 257 category Game
  rule kcp-handshake
    transport udp
    packet within 2
    len == 20
    u32@0 == 0x000000ff
    u32@12 == 0x499602d2
    u32@16 == 0xffffffff
    # genshin-impact.pcap, 192.168.2.100:58766 -> 47.245.143.85:22101
    example match 000000ff0000000000000000499602d2ffffffff
