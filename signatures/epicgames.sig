# Epic Games' online services (Fortnite and other Unreal Engine games on Epic's servers): a
# game connection opens with the engine's stateless handshake, whose first datagram carries a
# zero timestamp and an empty cookie, so at least 24 bytes from offset 10 are zero, with bit
# 0x08 of the fourth byte clear (the server's challenge sets it and fills the cookie). Facts from
# nDPI's epicgames.c (first packet of at least 34 bytes, zeros at 10-33, bit 0x08 of the first
# word clear; named when the answer echoes the first word with 0x08 set) and its
# epicgames.pcapng result: four flows to Epic's servers on UDP 9011 and 15011, each opening
# with a 39-byte datagram. The answer cannot be tied to the request here (the rule language has
# no "echo with a bit set"), so the rule names the first datagram, and only provisionally:
# other Unreal Engine games open the same way (Riot's 53-byte ping in riotgames.pcap has the
# same zeros), so the rule ranks below every other rule and holds, and any other protocol's
# rule that matches the flow's first packets takes it. NTP's client request, all zero but its
# first byte and transmit time, is left out by its port; a datagram that is zero to its end is
# not one either (the engine ends every packet with a termination bit, so its last byte is
# never zero).

protocol EpicGames id 340 category Game
  rule stateless-handshake
    priority -1
    hold
    transport udp
    packet first
    not port 123
    len in 34..1400
    u8@3 & 0x08 == 0x00
    at 10 0x000000000000000000000000000000000000000000000000
    not u8@-1 == 0x00
    # built from the layout (no capture in the corpora): 10 header bytes, the zero timestamp
    # and cookie, a short tail; 39 bytes like the first datagrams of nDPI's epicgames.pcapng
    example match 8f2c0400a1b2c3d4e5f60000000000000000000000000000000000000000000000000100000080
    # a zero-filled datagram (ossfuzz_seed_fake_traces_1.pcapng, 127.0.0.1:17788, first 40 bytes
    # of 113): zeros to its end
    example nomatch 71004474710000000000000000000000000000000000000000000000000000000000000000000000
    # the server's challenge: bit 0x08 set and the cookie filled
    example nomatch 8f2c0408a1b2c3d4e5f6c1a55e0d7f32984b11d0e36a5c7f0b8ee26d194fa3c70100000080
