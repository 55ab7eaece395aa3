# NoMachine (NX) remote desktop: after the TCP handshake ("NXSH-"/"NXD-" and TLS, not covered
# here) the session's audio and video may run over UDP (port 4000 by default). Each datagram has
# a header whose little-endian u16 at offset 2 is 1, whose little-endian u16 at offset 4 is the
# datagram's length, and whose u16 at offset 8 is zero; the shortest (a keep-alive) is 10 bytes.
# 48 fixed or length-bound bits.

protocol NoMachine id 378 category RemoteAccess
  rule udp-media
    transport udp
    len >= 10
    u16le@2 == 1
    len == u16le@4
    u16@8 == 0
    # built from the layout above: a 10-byte keep-alive and a 64-byte datagram
    example match 5a1c01000a0003000000
    example match 7f02010040002a010000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435
    # the keep-alive with a wrong length field
    example nomatch 5a1c01000b0003000000
