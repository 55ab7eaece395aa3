# MGCP (RFC 3435): text commands "VERB transaction-id endpoint MGCP 1.0" on UDP 2427 (gateways)
# and 2727 (call agents).

protocol MGCP id 94 category VoIP
  rule command
    transport udp
    port 2427, 2727
    u8@0 in 0x41..0x5a
    contains " MGCP "
