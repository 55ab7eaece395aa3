# KCP (github.com/skywind3000/kcp, protocol.txt), a reliable ARQ transport over UDP used by
# games and by tunnels. A segment is a 24-byte little-endian header: conversation id (4), command
# (1: 81 push, 82 ack, 83 window probe, 84 window answer), fragment (1), window (2), timestamp
# (4), serial number (4), unacknowledged serial number (4), data length (4), then the data; nDPI's
# kcp dissector names a datagram that is exactly one segment. Here two such datagrams of a
# direction must carry the same conversation id.
# kcptun wraps its segments in a 16-byte nonce and a 4-byte checksum (even with --crypt none),
# so its datagrams are not KCP at offset 0, for nDPI as here (pcaps/kcp-kcptun.pcap).

protocol KCP id 385 category Network
  rule segment
    transport udp
    len >= 24
    u8@4 in 0x51..0x54
    len == u32le@20 + 24
    repeat 2 same u32@0
    # kcp-kcptun.pcap frame 2 (10.98.0.1:57144 -> 10.98.0.2:4000), the KCP segment after
    # kcptun's 20-byte nonce and checksum
    example match cc9728d351000002890e000001000000000000001e00000001021600030000006e66647069206b63702074657374206c696e65203020
    # the same datagram as kcptun sends it
    example nomatch e3f7c5e7eec5776fd1fa547cb19139742abeb94fcc9728d351000002890e000001000000000000001e00000001021600030000006e66647069206b63702074657374206c696e65203020
