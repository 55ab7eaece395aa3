# Valve's connectionless game-server messages open with the 32-bit word 0xFFFFFFFF.
# Source engine server queries (A2S, developer.valvesoftware.com/wiki/Server_queries): A2S_INFO
# ("T" + "Source Engine Query" + NUL, 25 bytes, or 29 with a challenge), A2S_PLAYER ("U") and
# A2S_RULES ("V") with a 4-byte challenge (9 bytes); the server's challenge answer "A" (9 bytes)
# and its A2S_INFO answer "I" (protocol version, then NUL-terminated names).
# Half-Life 2 and its mods exchange connectionless messages that end with "000" and a NUL, in
# both directions.

protocol Source_Engine id 333 category Game
  rule a2s-info-request
    transport udp
    direction to-server
    len in 25..29
    u32@0 == 0xffffffff
    at 4 "TSource Engine Query"
    # built from the format: no Source engine capture in the corpora
    example match ffffffff54536f7572636520456e67696e6520517565727900

  rule a2s-player-or-rules-request
    transport udp
    direction to-server
    len == 9
    u32@0 == 0xffffffff
    u8@4 in {0x55, 0x56}
    example match ffffffff55ffffffff

  rule a2s-challenge
    transport udp
    direction to-client
    len == 9
    u32@0 == 0xffffffff
    u8@4 == 0x41

protocol HalfLife2 id 75 category Game
  rule connectionless-000
    transport udp
    both-directions
    len >= 20
    u32@0 == 0xffffffff
    u32@-4 == 0x30303000
    # built from the format: no capture in the corpora
    example match ffffffff71000000000000000000000000000000303030300030303000
