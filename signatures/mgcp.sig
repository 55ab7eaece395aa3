# MGCP (RFC 3435): text commands "VERB transaction-id endpoint MGCP 1.0" on UDP 2427 (gateways)
# and 2727 (call agents).

protocol MGCP id 94 category VoIP
  rule command
    transport udp
    port 2427, 2727
    u8@0 in 0x41..0x5a
    contains " MGCP "
    # mgcp.pcap, 172.16.1.116:2427 -> 172.16.1.119:2427
    example match 52514e542031202a406761746577617934342e6d79706c6163652e636f6d204d47435020302e310d0a523a206c2f6864286e290d0a583a20320d0a0d0a
