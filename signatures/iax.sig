# IAX2, the Inter-Asterisk eXchange protocol (RFC 5456), UDP (default port 4569). A full frame
# has a 12-byte header: F bit set and a 15-bit source call number; R bit and a 15-bit
# destination call number; a 32-bit timestamp; OSeqno; ISeqno; frame type; C bit and subclass.
# A dialog opens with a full IAX control frame (type 6) whose destination call number is still 0
# and both sequence numbers 0: NEW (subclass 1, a call), REGREQ (13, a registration), REGREL
# (17) or POKE (30). That opening names the flow (46 bits); the call's voice then travels in the
# same flow (full voice frames and 4-byte-header mini frames).

protocol IAX id 95 category VoIP
  rule dialog-opening
    transport udp
    packet within 2
    len >= 12
    u8@0 & 0x80 == 0x80
    u16@2 & 0x7fff == 0
    u16@8 == 0x0000
    u8@10 == 0x06
    u8@11 in {0x01, 0x0d, 0x11, 0x1e}
    # iax2-iaxmodem.pcap (pcaps/capture-iax.sh), 10.96.0.1:4570 -> 10.96.0.2:4569 (REGREQ)
    example match 9c940000000000030000060d060763616c6c6572311302003c
    # iax2-iaxmodem.pcap, 10.96.0.1:4571 -> 10.96.0.2:4569 (NEW)
    example match 9c94000000000003000006010b020002020731303034353731040d6e666470692063616c6c65723209040000000408040000004c060763616c6c6572320104323030300d0432303030
    # iax2-iaxmodem.pcap, the callee's ACCEPT (a reply: destination call number set)
    example nomatch eec81c950000000600010607090400000004
