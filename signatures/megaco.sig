# Megaco / H.248 (RFC 3525, ITU-T H.248.1) text encoding, between a media gateway controller
# and its gateways (UDP 2944 by default; any port is allowed). Every message opens with the
# protocol token, `MEGACO` or its short form `!`, a slash, the version (1 to 3), a space and the
# sender's mId: an address in brackets (`[192.0.2.1]:2944`) or a domain name in angle brackets
# (`<mgc.example.net>`). The whole prefix is fixed text (5 or 10 bytes). nDPI recognises
# version 1 with a bracketed address; versions 2 and 3 and the domain-name form are the same
# protocol.

protocol Megaco id 181 category VoIP
  rule long-token
    transport udp
    prefix "MEGACO/"
    u8@7 in 0x31..0x33
    u8@8 == 0x20
    u8@9 in {0x3c, 0x5b}
    # RFC 3525 section 2.1.1, the gateway's reply to a ServiceChange, in full text
    example match 4d454741434f2f31205b3132332e3132332e3132332e345d3a35353535350a5265706c79203d2039393938207b0a202020436f6e74657874203d202d207b536572766963654368616e6765203d20524f4f54207b0a2020202020205365727669636573207b536572766963654368616e6765416464726573733d35353535352c2050726f66696c653d52657347572f317d207d207d207d0a
    # an H.248.1 version 2 audit from a controller named by its domain
    example match 4d454741434f2f32203c6d67632e6578616d706c652e6e65743e3a323934340a5472616e73616374696f6e203d2031207b436f6e74657874203d202d207b417564697456616c7565203d20524f4f54207b41756469747b7d7d7d7d0a
    # "MEGACO/10" is not a version this names
    example nomatch 4d454741434f2f3130205b312e322e332e345d

  rule short-token
    transport udp
    prefix "!/"
    u8@2 in 0x31..0x33
    u8@3 == 0x20
    u8@4 in {0x3c, 0x5b}
    # RFC 3525 section 2.1.1's ServiceChange in the compact encoding
    example match 212f31205b3132342e3132342e3132342e3232325d3a35353535350a543d393939387b433d2d7b53433d524f4f547b53567b4d543d52532c41443d35353535352c50463d52657347572f317d7d7d7d
