# LagoFast game booster: the client tunnels game traffic to LagoFast's relays over UDP. Each
# datagram opens with the identifier 00 6E 5D 03 and a big-endian 16-bit length of what follows
# (nDPI's lagofast dissector). A booster carries the game's traffic through its own servers,
# so it is named a VPN here, like the other tunnels an operator may want to deny.
# No capture in the corpora: the example is built from the format.

protocol LagoFast id 444 category VPN
  rule tunnel-header
    transport udp
    u32@0 == 0x006e5d03
    len == u16@4 + 6
    # built from the format: identifier, length 10, ten bytes
    example match 006e5d03000a0102030405060708090a
    # the length field one too many
    example nomatch 006e5d03000b0102030405060708090a
