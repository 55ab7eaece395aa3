# H.323 (ITU-T H.323, H.225.0, H.245).
# RAS (gatekeeper registration, admission, status) runs over UDP 1719: each message is a PER-
# encoded RasMessage whose first fields (after the choice byte and a 16-bit requestSeqNum) carry
# the protocolIdentifier, an OBJECT IDENTIFIER written as length 6 and the BER bytes of
# itu-t(0) recommendation(0) h(8) 2250 0 version: 06 00 08 91 4A 00 vv.
# Call signalling (H.225.0 / Q.931, TCP 1720) and H.245 (TCP, negotiated port) travel in TPKT
# (RFC 1006): version 3, reserved 0, a 16-bit length of the whole packet. A Q.931 message opens
# with protocol discriminator 0x08 and a call-reference length of 0-3 octets; an H.245 message
# here carries its own protocolIdentifier 0.0.8.245.0.x (06 00 08 81 75 00 at offset 7).

protocol H323 id 158 category VoIP
  rule ras
    transport udp
    port 1719
    len >= 12
    u8@4 == 0x06
    u32@5 == 0x0008914a
    u8@9 == 0x00
    u8@10 in 1..9
    # h323.pcap, 10.47.208.204:1719 -> 10.47.208.50:1719 (RegistrationRequest, first 32 bytes)
    example match 0e804692060008914a00060001000a2fd0cc06b801000a2fd0cc06b722c0820101
    # h323.pcap, 17.2.0.124:2034 -> 17.2.0.161:1719 (GatekeeperRequest, first 32 bytes)
    example match 02200000060008914a0004001102007c07f22200ae01003d0001030085c80102
    # The same RAS stream's later AdmissionRequest holds no identifier.
    example nomatch 2648000218c000340037003400610037003400630038003a003200370034

  rule q931-over-tpkt
    transport tcp
    u8@0 == 0x03
    u8@1 == 0x00
    len == u16@2
    u8@4 == 0x08
    u8@5 <= 3
    # h323.pcap, 10.1.3.143:32803 -> 10.1.6.18:1720 (Setup; TPKT length 0xa0 = 160)
    example match 030000a0080277f40504038090a528086d2e6a656d6563007e00850520a8060008914a0004014006006d002e006a0065006d0065006322c00900003d1443616c6c67656e33323320706f67616373616d00000a302e39616c706861340000000a01061206b800f8fdf93ecd9ed6119ab2000476222017005d0d8007000a01038f80231100c0fef93ecd9ed6119ab2000476222017010001000100010002800100
    # The H.245 stream's TPKT packets carry no Q.931 discriminator (h323.pcap, 10.1.6.18:1232).
    example nomatch 0300001c0230010600088175000500801bc52040

  rule h245-over-tpkt
    transport tcp
    u8@0 == 0x03
    u8@1 == 0x00
    len >= 14
    u8@7 == 0x06
    u32@8 == 0x00088175
    u8@12 == 0x00
    # h323.pcap, 10.1.6.18:1232 -> 10.1.3.143:32804 (TerminalCapabilitySet, first 20 bytes)
    example match 0300001c0230010600088175000500801bc52040
