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
    # tailscale.pcap, 18.196.71.179:41641 -> 192.168.88.3:41641
    example match 0400000098c83e7a0000000000000000ce777ee00464f753e45766e034bf5328ef4cb8cf7bb4273e2436097b7e981ed8f16ad3d0b8bf69792384e04eda767ec273572d133037ed57d80da92c2fbf41d27c06c8e50f82c6dc59b87009acad1fd4754ae6298399b3a851cf8494038710870e7bc1420b2e7293a78efc990f523f9f
