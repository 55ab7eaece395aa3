# LDAP (RFC 4511) and connectionless LDAP (CLDAP, RFC 1798; the Active Directory domain
# controller locator "LDAP ping" on UDP 389). Every message is a BER SEQUENCE (0x30) whose
# length covers the message (short form, or 0x81, 0x82, 0x84 and the length in 1, 2 or 4
# bytes; Active Directory uses 0x84), then the message id, an INTEGER of 1-4 bytes, then the
# operation's APPLICATION tag: a search request (0x63), a search result entry (0x64) or done
# (0x65) over UDP; over TCP also a bind (0x60, 0x61) and an extended operation (0x77, 0x78,
# StartTLS). One rule per length form and message id length, so that the tag's offset is known.
# Over TCP a segment may carry several messages: the length only has to fit.

protocol LDAP id 112 category System
  rule cldap-short-id1
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 < 0x80
    len == u8@1 + 2
    u16@2 == 0x0201
    u8@5 in {0x63, 0x64, 0x65}

  rule cldap-short-id2
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 < 0x80
    len == u8@1 + 2
    u16@2 == 0x0202
    u8@6 in {0x63, 0x64, 0x65}
    # cldap-samba.pcap (pcaps/capture-infra.sh), net ads lookup 10.97.0.1 -> Samba DC 10.97.0.2:389 (searchRequest, message id 2 bytes)
    example match 304102023d18633b04000a01000a0100020100020100010100a01ca30d04054e74566572040406000000a30b0403414143040400000000300a04084e65744c6f676f6e
    # snmp-netsnmp.pcap, a v1 get-request: BER too, but a community string follows the version
    example nomatch 303702010004067075626c6963a02a020475f27159020100020100301c300c06082b060102010101000500300c06082b060102010103000500

  rule cldap-short-id3
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 < 0x80
    len == u8@1 + 2
    u16@2 == 0x0203
    u8@7 in {0x63, 0x64, 0x65}

  rule cldap-short-id4
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 < 0x80
    len == u8@1 + 2
    u16@2 == 0x0204
    u8@8 in {0x63, 0x64, 0x65}

  rule cldap-81-id1
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x81
    len == u8@2 + 3
    u16@3 == 0x0201
    u8@6 in {0x63, 0x64, 0x65}

  rule cldap-81-id2
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x81
    len == u8@2 + 3
    u16@3 == 0x0202
    u8@7 in {0x63, 0x64, 0x65}

  rule cldap-81-id3
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x81
    len == u8@2 + 3
    u16@3 == 0x0203
    u8@8 in {0x63, 0x64, 0x65}

  rule cldap-81-id4
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x81
    len == u8@2 + 3
    u16@3 == 0x0204
    u8@9 in {0x63, 0x64, 0x65}

  rule cldap-82-id1
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x82
    len == u16@2 + 4
    u16@4 == 0x0201
    u8@7 in {0x63, 0x64, 0x65}

  rule cldap-82-id2
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x82
    len == u16@2 + 4
    u16@4 == 0x0202
    u8@8 in {0x63, 0x64, 0x65}

  rule cldap-82-id3
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x82
    len == u16@2 + 4
    u16@4 == 0x0203
    u8@9 in {0x63, 0x64, 0x65}

  rule cldap-82-id4
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x82
    len == u16@2 + 4
    u16@4 == 0x0204
    u8@10 in {0x63, 0x64, 0x65}

  rule cldap-84-id1
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len == u32@2 + 6
    u16@6 == 0x0201
    u8@9 in {0x63, 0x64, 0x65}

  rule cldap-84-id2
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len == u32@2 + 6
    u16@6 == 0x0202
    u8@10 in {0x63, 0x64, 0x65}

  rule cldap-84-id3
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len == u32@2 + 6
    u16@6 == 0x0203
    u8@11 in {0x63, 0x64, 0x65}

  rule cldap-84-id4
    transport udp
    port 389
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len == u32@2 + 6
    u16@6 == 0x0204
    u8@12 in {0x63, 0x64, 0x65}

  rule ldap-short-id1
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 < 0x80
    len >= u8@1 + 2
    u16@2 == 0x0201
    u8@5 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}
    # ldap-slapd.pcap (pcaps/capture-infra.sh), ldapsearch -> slapd 10.97.0.2:389 (anonymous bindRequest)
    example match 300c020101600702010304008000

  rule ldap-short-id2
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 < 0x80
    len >= u8@1 + 2
    u16@2 == 0x0202
    u8@6 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-short-id3
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 < 0x80
    len >= u8@1 + 2
    u16@2 == 0x0203
    u8@7 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-short-id4
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 < 0x80
    len >= u8@1 + 2
    u16@2 == 0x0204
    u8@8 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-81-id1
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x81
    len >= u8@2 + 3
    u16@3 == 0x0201
    u8@6 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-81-id2
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x81
    len >= u8@2 + 3
    u16@3 == 0x0202
    u8@7 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-81-id3
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x81
    len >= u8@2 + 3
    u16@3 == 0x0203
    u8@8 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-81-id4
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x81
    len >= u8@2 + 3
    u16@3 == 0x0204
    u8@9 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-82-id1
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x82
    len >= u16@2 + 4
    u16@4 == 0x0201
    u8@7 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-82-id2
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x82
    len >= u16@2 + 4
    u16@4 == 0x0202
    u8@8 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-82-id3
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x82
    len >= u16@2 + 4
    u16@4 == 0x0203
    u8@9 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-82-id4
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x82
    len >= u16@2 + 4
    u16@4 == 0x0204
    u8@10 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-84-id1
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len >= u32@2 + 6
    u16@6 == 0x0201
    u8@9 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-84-id2
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len >= u32@2 + 6
    u16@6 == 0x0202
    u8@10 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-84-id3
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len >= u32@2 + 6
    u16@6 == 0x0203
    u8@11 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}

  rule ldap-84-id4
    transport tcp
    port 389, 3268
    u8@0 == 0x30
    u8@1 == 0x84
    u8@2 == 0
    len >= u32@2 + 6
    u16@6 == 0x0204
    u8@12 in {0x60, 0x61, 0x63, 0x64, 0x65, 0x77, 0x78}
