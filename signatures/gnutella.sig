# Gnutella. Over UDP, messages travel in the "GND" transport (semi-reliable UDP): "GND", flags,
# a 16-bit sequence number, fragment number and fragment count. Over TCP a servent opens with
# the "GNUTELLA CONNECT/" handshake.

protocol Gnutella id 35 category P2P
  rule gnd-udp
    transport udp
    len >= 8
    prefix "GND"

  rule connect-tcp
    transport tcp
    prefix "GNUTELLA CONNECT/"

  rule reply-tcp
    transport tcp
    prefix "GNUTELLA/0.6 "
