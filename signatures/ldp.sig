# LDP, the MPLS Label Distribution Protocol (RFC 5036), port 646. A PDU header (version 1, PDU
# length = bytes after the length field, LSR id, label space) then messages (U bit, type,
# length, message id). Over UDP only Hello (0x0100) travels, one per PDU, to 224.0.0.2 or a
# targeted peer; a TCP session opens with Initialization (0x0200).

protocol LDP id 409 category Network
  rule hello
    transport udp
    u16@0 == 1
    len == u16@2 + 4
    u16@10 & 0x7fff == 0x0100
    len >= u16@12 + 14
    # ldp.pcap, 10.0.0.2:646 -> 224.0.0.2:646
    example match 0001001e0a0000060000010000140000000004000004000f0000040100040a000006

  rule session
    transport tcp
    u16@0 == 1
    u16@2 >= 14
    len >= u16@2 + 4
    u16@10 & 0x7fff in {0x0200, 0x0201}
