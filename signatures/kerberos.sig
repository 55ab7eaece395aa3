# Kerberos v5 (RFC 4120) on port 88. Each message is an ASN.1 APPLICATION-tagged structure:
# AS-REQ [10] 0x6A, AS-REP [11] 0x6B, TGS-REQ [12] 0x6C, TGS-REP [13] 0x6D, KRB-ERROR [30] 0x7E,
# whose DER length covers the rest of the datagram, holding a SEQUENCE whose first element is
# the protocol version: [1] INTEGER 5 in a request, [0] INTEGER 5 in a reply or an error
# (A1 or A0, then 03 02 01 05). One rule per pair of length forms (short, 0x81, 0x82) of the
# outer tag and the SEQUENCE. Over TCP a 4-byte length comes first.

protocol Kerberos id 111 category Network
  rule udp-short
    transport udp
    port 88
    u8@0 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
    u8@1 < 0x80
    len == u8@1 + 2
    u8@2 == 0x30
    u8@3 < 0x80
    u8@4 in {0xa0, 0xa1}
    at 5 0x03020105
    # kerberos-error.pcap, 144.199.10.233:88 -> 148.151.79.183:34473 (KRB-ERROR, 102 bytes)
    example match 7e643062a003020105a10302011ea411180f32303232303232323037343630345aa50502030ec26da603020134a9111b0f4c494e55582e5348454c4c2e434f4daa243022a003020102a11b30191b066b72627467741b0f4c494e55582e5348454c4c2e434f4d

  rule udp-81-short
    transport udp
    port 88
    u8@0 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
    u8@1 == 0x81
    len == u8@2 + 3
    u8@3 == 0x30
    u8@4 < 0x80
    u8@5 in {0xa0, 0xa1}
    at 6 0x03020105

  rule udp-81-81
    transport udp
    port 88
    u8@0 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
    u8@1 == 0x81
    len == u8@2 + 3
    u16@3 == 0x3081
    u8@6 in {0xa0, 0xa1}
    at 7 0x03020105

  rule udp-82-81
    transport udp
    port 88
    u8@0 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
    u8@1 == 0x82
    len == u16@2 + 4
    u16@4 == 0x3081
    u8@7 in {0xa0, 0xa1}
    at 8 0x03020105

  rule udp-82-82
    transport udp
    port 88
    u8@0 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
    u8@1 == 0x82
    len == u16@2 + 4
    u16@4 == 0x3082
    u8@8 in {0xa0, 0xa1}
    at 9 0x03020105
    # kerberos-error.pcap, 148.151.79.183:34473 -> 144.199.10.233:88 (AS-REQ, 287 bytes)
    example match 6a82011b30820117a103020105a20302010aa35830563048a103020102a241043f303da003020117a2360434b60e0b505f98104206f62503b8e0e7c82d842e6f01e5c7f0e1540d1ea4c7e89181e69691e0c41d775649bd7fa5ac4b1874a91915300aa10402020095a2020400a481b03081ada00703050000810000a11f301da003020101a11630141b04686f73741b0c6d75732d6e2d636a30373039a2111b0f4c494e55582e5348454c4c2e434f4da3243022a003020102a11b30191b066b72627467741b0f4c494e55582e5348454c4c2e434f4da511180f32303232303232333037343630335aa611180f32303232303330343037343630335aa706020447a1fa99a81a301802011702011202011102011402011302011002011902011a
    # the same AS-REQ with its last byte cut: the length no longer covers it
    example nomatch 6a82011b30820117a103020105a20302010aa35830563048a103020102a241043f303da003020117a2360434b60e0b505f98104206f62503b8e0e7c82d842e6f01e5c7f0e1540d1ea4c7e89181e69691e0c41d775649bd7fa5ac4b1874a91915300aa10402020095a2020400a481b03081ada00703050000810000a11f301da003020101a11630141b04686f73741b0c6d75732d6e2d636a30373039a2111b0f4c494e55582e5348454c4c2e434f4da3243022a003020102a11b30191b066b72627467741b0f4c494e55582e5348454c4c2e434f4da511180f32303232303232333037343630335aa611180f32303232303330343037343630335aa706020447a1fa99a81a30180201170201120201110201140201130201100201190201

  rule tcp
    transport tcp
    port 88
    len >= 20
    len == u32@0 + 4
    u8@4 in {0x6a, 0x6b, 0x6c, 0x6d, 0x7e}
