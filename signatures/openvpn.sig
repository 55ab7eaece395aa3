# OpenVPN. Each packet opens with opcode (high 5 bits) and key id (low 3 bits). A session starts
# with a hard reset: client P_CONTROL_HARD_RESET_CLIENT_V2 (opcode 7, 0x38) or _V3 (10, 0x50), server
# P_CONTROL_HARD_RESET_SERVER_V2 (8, 0x40), key id 0. Over TCP each packet has a 2-byte length.

protocol OpenVPN id 159 category VPN
  # Client hard reset (0x38), P_CONTROL_V1 (0x20) and P_ACK_V1 (0x28), key id 0, carry the
  # sender's 64-bit session id right after the opcode: two of them from the same side with the
  # same session id start a session (a client's reset then its ack; a server's control packets).
  # One packet alone is too weak: many protocols start with these bytes. 0x40 and 0x50 (server
  # reset, client reset V3) are left out: QUIC short headers (0x40-0x7F) keep their connection
  # id at the same offset.
  rule udp-session-id
    transport udp
    packet within 8
    len >= 14
    u8@0 in {0x20, 0x28, 0x38}
    repeat 2 same u32@1
    # openvpn.pcap, 192.168.75.18:60201 -> 166.161.181.18:443
    example match 38334857703d96db390000000000
    # tailscale.pcap, 18.196.71.179:41641 -> 192.168.88.3:41641 (WireGuard)
    example nomatch 0400000098c83e7a0000000000000000ce777ee00464f753e45766e034bf5328ef4cb8cf7bb4273e2436097b7e981ed8f16ad3d0b8bf69792384e04eda767ec273572d133037ed57d80da92c2fbf41d27c06c8e50f82c6dc59b87009acad1fd4754ae6298399b3a851cf8494038710870e7bc1420b2e7293a78efc990f523f9f

  # Over TCP the first packet is a length-framed hard reset.
  rule tcp-client-hard-reset
    transport tcp
    packet within 5
    len == u16@0 + 2
    u8@2 in {0x38, 0x50}
    len in 16..130
    # 443-opvn.pcap, 192.168.1.84:52973 -> 192.12.192.103:1194
    example match 002a38d67be45be5c201eb016435fcb1d6f60e1ac88b329546dc3c7abf0b9e000000015e3e7b980000000000
