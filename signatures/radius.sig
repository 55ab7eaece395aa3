# RADIUS (RFC 2865 authentication, RFC 2866 accounting, RFC 5176 dynamic authorization), UDP
# 1812/1813 (and the old 1645/1646, 3799 for CoA). Every message opens with a code, an
# identifier and a 16-bit length that must equal the datagram (20 to 4096 bytes), then a
# 16-byte authenticator and the attributes.
#
# A code from the RFCs (14 values) and an exact length are ~20 bits: enough on a flow's first
# packet, which nDPI also requires; later in the flow two such packets are needed.

protocol Radius id 146 category Network
  rule first-message
    packet first
    u8@0 in {1, 2, 3, 4, 5, 11, 12, 13, 40, 41, 42, 43, 44, 45}
    len >= 20
    len == u16@2
    # radius-freeradius.pcap (pcaps/capture-infra.sh), radclient 10.97.0.1 -> FreeRADIUS 10.97.0.2:1813 (Accounting-Request Start)
    example match 04b5002efb0ca7a062dad3159253d2731e033a460105626f622806000000012c096e666470692d3104060a610001
    # radius-freeradius.pcap, radclient -> 10.97.0.2:1812 (Status-Server)
    example match 0c000026cb5926330597ffff8286e800e535e96c5012e3aa1ad0060b1d210f6955264dec6dc1
    # fuzz-2020-02-16-11740.pcap, 198.226.25.53:1813 -> 10.12.64.30:29200 (Accounting-Response, 105 bytes)
    example match 050f00693b981b59f879ed40ab4fb301c0cd765c01353033313134383032353038363436323840776c616e2e6d6e633438302e6d63633331312e336770706e6574776f726baa6f72672c2035623232613066652f30303a35363a63643a36643a34323a35392f323037
    # the same message with its length field off by one
    example nomatch 050f006a3b981b59f879ed40ab4fb301c0cd765c01353033313134383032353038363436323840776c616e2e6d6e633438302e6d63633331312e336770706e6574776f726baa6f72672c2035623232613066652f30303a35363a63643a36643a34323a35392f323037

  rule two-messages
    packet within 8
    u8@0 in {1, 2, 3, 4, 5, 11, 12, 13, 40, 41, 42, 43, 44, 45}
    len >= 20
    len == u16@2
    repeat 2
