# TeamViewer's UDP transport (its peer-to-peer and relay sessions; TCP 5938 is not covered
# here): the datagrams that open a session carry 0x00 at offset 0 (a counter that starts at
# zero) and the bytes 17 24 at offsets 11-12, TeamViewer's command marker (the same two bytes
# open its TCP messages). That is 24 fixed bits in one datagram; nDPI wants four such datagrams
# unless a port is 5938, so this rule asks for two (48 bits) on other ports.

protocol TeamViewer id 148 category RemoteAccess
  rule udp-session
    transport udp
    len >= 14
    u8@0 == 0x00
    u16@11 == 0x1724
    repeat 2
    # built from the layout above (no capture of TeamViewer over UDP is at hand)
    example match 00a1b2c3d4e5f60718293a1724305f00000000000000
    example nomatch 01a1b2c3d4e5f60718293a1724305f00000000000000

  rule udp-5938
    packet within 8
    transport udp
    port 5938
    len >= 14
    u8@0 == 0x00
    u16@11 == 0x1724
    example match 00a1b2c3d4e5f60718293a1724305f00000000000000
