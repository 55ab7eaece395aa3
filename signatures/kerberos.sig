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

  rule tcp
    transport tcp
    port 88
    len >= 20
    len == u32@0 + 4
    u8@4 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
