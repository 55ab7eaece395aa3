# Blizzard (Battle.net games) over UDP, after nDPI's blizzard dissector:
# - Warcraft Rumble: the client's first datagram is 18 bytes ending with a little-endian
#   32-bit sequence number that starts at 1;
# - a 23-byte first datagram FF FF FF FF A3 1F B6 1E 00 00 40 01 00 .. 00 04 03 02 01.
# nDPI also names a 15-byte server datagram ending in 01; one byte and a length are too weak
# to name a flow, so that one is left out.
# No capture in the corpora: the examples are built from these formats.

protocol Blizzard id 213 category Game
  rule rumble-client-hello
    transport udp
    packet first
    len == 18
    u32le@14 == 1
    # built from the format
    example match 0a0b0c0d0e0f101112131415161701000000
    example nomatch 0a0b0c0d0e0f10111213141516170200000000

  rule hello-23
    transport udp
    packet first
    len == 23
    prefix 0xffffffffa31fb61e000040010000000000000004030201
    # built from the format
    example match ffffffffa31fb61e000040010000000000000004030201
    example nomatch ffffffffa31fb61e000040010000000000000004030202
