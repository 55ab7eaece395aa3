# LISP control plane (RFC 9301), UDP 4342. A Map-Register (type 3) or Map-Notify (type 4)
# carries a record count, a 64-bit nonce, then its authentication: key id 1 (HMAC-SHA-1-96,
# 20 bytes) or 2 (HMAC-SHA-256-128, 32 bytes) with the matching length. A Map-Request (type 1)
# holds one EID record and a source EID address family of 0 (none), 1 (IPv4) or 2 (IPv6).
# nDPI names LISP by its ports alone; these rules read the messages.

protocol LISP id 236 category Cloud
  rule map-register-notify
    transport udp
    len >= 36
    u8@0 & 0xf0 in {0x30, 0x40}
    u8@3 >= 1
    u32@12 in {0x00010014, 0x00020020}
    # lisp_registration.pcap, 10.0.123.2:4342 -> 10.0.123.1:4342 (Map-Register)
    example match 3200010167ab931f9e8b974a00010014b746d6876088e5becff44020ab541826a234ed10000005a001201000000000010a00000216161616000500010a007b02d0f4d45814b6d3e32183c9432e4b58f20000000000000000
    # lisp_registration.pcap, 10.0.123.1:4342 -> 10.0.123.2:4342 (Map-Notify)
    example match 480000013e3bd1d1f80a12da00010014d33979369feb02737f80d5dcb7bb421c3f340b90000005a00180000000000002fc00000000000000000000000000000216161616000100010a007b02d0f4d45814b6d3e32183c9432e4b58f20000000000000000

  rule map-request
    transport udp
    port 4342
    len >= 24
    u8@0 & 0xf0 == 0x10
    u8@3 == 1
    u16@12 in {0, 1, 2}
