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

  # Acknowledgements of connected traffic: ACK (0xC0) or NACK (0xA0), a record count of one,
  # then one record: a range (0x00, two 24-bit sequence numbers) or a single number (0x01).
  rule ack-one-range
    transport udp
    len == 10
    u8@0 in {0xa0, 0xc0}
    u16@1 == 1
    u8@3 == 0x00
    # raknet.pcap, 148.153.35.205:60005 -> 192.168.2.100:32951
    example match c0000100010000020000

  rule ack-one-number
    transport udp
    len == 7
    u8@0 in {0xa0, 0xc0}
    u16@1 == 1
    u8@3 == 0x01

  # Unconnected pong (0x1C): time, server GUID, the offline magic, then a length-prefixed
  # server description ending the datagram; three of them.
  rule unconnected-pong
    transport udp
    len >= 36
    u8@0 == 0x1c
    len == u16@33 + 35
    repeat 3
