# RakNet (game networking): its offline messages (unconnected ping/pong, open-connection
# requests/replies) carry the 16-byte "offline message ID" magic 00 FF FF 00 FE FE FE FE FD FD FD
# FD 12 34 56 78.

protocol RakNet id 286 category Game
  rule offline-magic
    transport udp
    packet within 4
    contains 0x00ffff00fefefefefdfdfdfd12345678
