# SIP (RFC 3261). Every message is text and opens with a start line:
#   a request:  Method SP Request-URI SP "SIP/2.0" CRLF   (INVITE, ACK, OPTIONS, BYE, CANCEL,
#               REGISTER, and the extensions PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER,
#               MESSAGE, UPDATE: all upper-case tokens);
#   a response: "SIP/2.0" SP 3-digit status code SP reason phrase CRLF.
# A request is recognised by its upper-case method and the version that ends its start line
# (" SIP/2.0" CRLF: 80 bits); a response by "SIP/2.0 ", a status code 1xx-6xx and the space
# after it. Keep-alives (CRLF pairs, RFC 5626) and the few bytes some phones send before
# registering carry no start line: the rules look at the flow's first 24 packets.

protocol SIP id 100 category VoIP
  rule request
    transport udp
    u8@0 in 0x41..0x5a
    contains " SIP/2.0\x0d\x0a"
    # sip-netsip.pcap (pcaps/capture-sip.sh), 10.97.0.1:5060 -> 10.97.0.2:5060 (REGISTER, first 64 bytes)
    example match 5245474953544552207369703a31302e39372e302e323a35303630205349502f322e300d0a5669613a205349502f322e302f5544502031302e39372e
    # sip-netsip.pcap, 10.97.0.1:5060 -> 10.97.0.2:5062 (OPTIONS, first 64 bytes)
    example match 4f5054494f4e53207369703a626f624031302e39372e302e323a35303632205349502f322e300d0a5669613a205349502f322e302f5544502031302e
    # An HTTP request line is not a SIP one.
    example nomatch 474554202f20485454502f312e310d0a486f73743a206578616d706c652e6f72670d0a0d0a

  rule response
    transport udp
    prefix "SIP/2.0 "
    u8@8 in 0x31..0x36
    u8@9 in 0x30..0x39
    u8@10 in 0x30..0x39
    u8@11 == 0x20
    # sip-netsip.pcap, 10.97.0.2:5060 -> 10.97.0.1:5060 (200 OK to the REGISTER, first 32 bytes)
    example match 5349502f322e3020323030204f4b0d0a43616c6c2d69643a2038346535323462
    # An RTSP answer has the same shape under another name.
    example nomatch 525453502f312e3020323030204f4b0d0a435365713a20310d0a

  # A request whose start line is damaged or ends in a bare LF (seen in the wild): the method
  # and the sip: URI scheme that follows it still open the message (88 bits or more).
  rule invite-uri
    transport udp
    prefix "INVITE sip:"
    # fuzz-2006-06-26-2594.pcap, 192.168.1.2:5060 -> 200.68.120.81:4932 (version field damaged)
    example match 494e56495445207369703a393732333932383730343440766f69702e6272756a756c612e6e6574205349502f612e30840a
  rule register-uri
    transport udp
    prefix "REGISTER sip:"
  rule options-uri
    transport udp
    prefix "OPTIONS sip:"
  rule ack-uri
    transport udp
    prefix "ACK sip:"
  rule bye-uri
    transport udp
    prefix "BYE sip:"
  rule cancel-uri
    transport udp
    prefix "CANCEL sip:"
  rule subscribe-uri
    transport udp
    prefix "SUBSCRIBE sip:"
  rule notify-uri
    transport udp
    prefix "NOTIFY sip:"
  rule publish-uri
    transport udp
    prefix "PUBLISH sip:"
  rule message-uri
    transport udp
    prefix "MESSAGE sip:"
  rule info-uri
    transport udp
    prefix "INFO sip:"
  rule refer-uri
    transport udp
    prefix "REFER sip:"
  rule prack-uri
    transport udp
    prefix "PRACK sip:"
  rule update-uri
    transport udp
    prefix "UPDATE sip:"

  # SIP over TCP (RFC 3261 section 18): the same start lines at the start of the stream.
  rule request-tcp
    transport tcp
    u8@0 in 0x41..0x5a
    contains " SIP/2.0\x0d\x0a"

  rule response-tcp
    transport tcp
    prefix "SIP/2.0 "
    u8@8 in 0x31..0x36
    u8@9 in 0x30..0x39
    u8@10 in 0x30..0x39
    u8@11 == 0x20
