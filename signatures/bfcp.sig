# BFCP, the Binary Floor Control Protocol of conferencing (who may present; RFC 8855, RFC 4582):
# a 12-byte common header: version in the top three bits of byte 0 (1, or 2 over unreliable
# transports), the responder bit, the fragmentation bit and three reserved bits (zero), the
# primitive (1-17: FloorRequest ... Goodbye, GoodbyeAck), the payload length in 4-byte words
# (at most a datagram's worth), the 32-bit conference id, a transaction id and a user id.
# Both sides of a conference's floor control carry its conference id, so the rule asks for the
# other direction to echo it (nDPI's bfcp.c: two messages with the same conference id).

protocol BFCP id 32 category Video
  rule header-and-conference
    transport udp
    len >= 12
    u8@0 & 0xef in {0x20, 0x40}
    u8@1 in 1..17
    u16@2 in 0..375
    echo u32@4
    # bfcp.pcapng, 127.0.0.1:47706 -> 127.0.0.1:5070 (FloorRequestQuery, conference 1)
    example match 200300010000000100020504
    # the same flow's answer (FloorRequestStatus, same conference and transaction)
    example match 200400010000000100020504
    # a STUN binding request: version bits 0
    example nomatch 000100002112a4424133516369344e75724f4b41
    # an RTP packet: version bits 2 in the top two bits, not a BFCP header
    example nomatch 80604e20000003e8deadbeef00000000
