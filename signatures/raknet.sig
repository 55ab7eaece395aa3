# RakNet (game networking): its offline messages (unconnected ping/pong, open-connection
# requests/replies) carry the 16-byte "offline message ID" magic 00 FF FF 00 FE FE FE FE FD FD FD
# FD 12 34 56 78.

protocol RakNet id 286 category Game
  rule offline-magic
    transport udp
    packet within 4
    contains 0x00ffff00fefefefefdfdfdfd12345678
    # raknet.pcap, 192.168.2.100:44501 -> 148.153.35.205:60030 (first 96 of 1464 bytes)
    example match 0500ffff00fefefefefdfdfdfd1234567806000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
