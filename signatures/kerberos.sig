# Kerberos v5 (RFC 4120) on port 88. Each message is an ASN.1 APPLICATION-tagged structure:
# AS-REQ [10] 0x6A, AS-REP [11] 0x6B, TGS-REQ [12] 0x6C, TGS-REP [13] 0x6D, KRB-ERROR [30] 0x7E.
# Over TCP a 4-byte length comes first.

protocol Kerberos id 111 category Network
  rule udp
    transport udp
    port 88
    len >= 16
    u8@0 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
    u8@1 >= 0x30
    # kerberos-login.pcap, 10.1.12.2:1061 -> 10.5.3.1:88 (first 96 of 1211 bytes)
    example match 6c8204b7308204b3a103020105a20302010ca38204313082042d30820429a103020101a28204200482041c6e82041830820414a003020105a10302010ea20703050000000000a382036c6182036830820364a003020105a10c1b0a44454e5944

  rule tcp
    transport tcp
    port 88
    len >= 20
    len == u32@0 + 4
    u8@4 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
