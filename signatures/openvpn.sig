# OpenVPN. Each packet opens with opcode (high 5 bits) and key id (low 3 bits). A session starts
# with a hard reset: client P_CONTROL_HARD_RESET_CLIENT_V2 (opcode 7, 0x38) or _V3 (10, 0x50), server
# P_CONTROL_HARD_RESET_SERVER_V2 (8, 0x40), key id 0. Over TCP each packet has a 2-byte length.

protocol OpenVPN id 159 category VPN
  # Handshake packets (P_CONTROL_HARD_RESET_CLIENT_V2/V3, P_CONTROL_V1, P_ACK_V1, key id 0) carry
  # the sender's 64-bit session id right after the opcode: two of them from the same side with
  # the same session id start a session. One packet alone is too weak (many protocols start 0x38).
  rule udp-session-id
    transport udp
    packet within 8
    len >= 14
    u8@0 in {0x20, 0x28, 0x38, 0x50}
    repeat 2 same u32@1

  # Over TCP the first packet is a length-framed hard reset.
  rule tcp-client-hard-reset
    transport tcp
    packet within 5
    len == u16@0 + 2
    u8@2 in {0x38, 0x50}
    len in 16..130
