# WireGuard: a message type 1-4 followed by three zero bytes; the handshake messages have fixed
# sizes (initiation 148, response 92, cookie reply 64); transport data is 16 bytes of header plus
# a multiple of 16.

protocol WireGuard id 206 category VPN
  rule handshake-initiation
    transport udp
    packet within 5
    u32@0 == 0x01000000
    len == 148

  rule handshake-response
    transport udp
    packet within 5
    u32@0 == 0x02000000
    len == 92

  rule cookie-reply
    transport udp
    packet within 5
    u32@0 == 0x03000000
    len == 64

  rule transport-data
    transport udp
    packet within 5
    u32@0 == 0x04000000
    len >= 32
    repeat 2
