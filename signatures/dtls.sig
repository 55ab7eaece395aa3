# DTLS (RFC 6347, 9147): a record header with content type 20-23, version FEFF/FEFD/FEFC (or
# 0100, OpenConnect's pre-standard), and a non-zero length that fits in the payload.

protocol DTLS id 30 category Web
  rule dtls-record
    transport udp
    packet within 5
    dtls
    # anyconnect-vpn.pcap, 10.0.0.227:54107 -> 8.37.102.91:443
    example match 160100000000000000000000560100004a000000000000004a0100ed89c4699ea16489a68421ebd0951f08172d595bf2c2507bd49467c65ee6238a209bb071c8a80440614f8347a2ce2efe01540c7af53be22e1eac07398729e026ef00000200390100
    # adult_content.pcap, 192.168.1.199:42759 -> 31.220.27.69:80 (STUN)
    example nomatch 000100002112a4424133516369344e75724f4b41
