# Gnutella. Over UDP, messages travel in the "GND" transport (semi-reliable UDP): "GND", flags,
# a 16-bit sequence number, fragment number and fragment count. Over TCP a servent opens with
# the "GNUTELLA CONNECT/" handshake.

protocol Gnutella id 35 category P2P
  rule gnd-udp
    packet within 8
    transport udp
    len >= 8
    prefix "GND"
    # gnutella.pcap, 10.0.2.15:28681 -> 85.138.20.110:6346
    example match 474e44103e8f0101540b514b525006524e415d2fe2350970

  rule connect-tcp
    transport tcp
    prefix "GNUTELLA CONNECT/"
    # gnutella.pcap, 10.0.2.15:50196 -> 218.250.6.59:12556 (first 96 of 598 bytes)
    example match 474e5554454c4c4120434f4e4e4543542f302e360d0a4e6f64653a2039332e34372e3232362e35333a32383638310d0a52656d6f74652d49503a203231382e3235302e362e35390d0a557365722d4167656e743a2067746b2d676e7574656c6c

  rule reply-tcp
    transport tcp
    prefix "GNUTELLA/0.6 "

  # A Gnutella message sent over plain UDP: 16-byte GUID, function (ping 0x00, pong 0x01,
  # vendor 0x31/0x32, push 0x40, gtk-gnutella's DHT 0x44, query 0x80, query hit 0x81), TTL,
  # hops, then the payload size as a little-endian 32-bit number: the header plus that size is
  # the whole datagram.
  rule message-udp
    transport udp
    len >= 23
    u8@16 in {0x00, 0x01, 0x02, 0x31, 0x32, 0x40, 0x44, 0x80, 0x81}
    len == u32le@19 + 23
    # gnutella.pcap, 10.0.2.15:28681 -> 113.252.86.162:9239
    example match 24d5310268fc1981ffbcc6e01fdbbe0300010018000000c30353435041020256434547544b47628644485449505040
