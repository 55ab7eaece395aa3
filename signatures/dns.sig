# DNS (RFC 1035) and its link-local relatives mDNS (RFC 6762) and LLMNR (RFC 4795).
# A query or response header: opcode 0 (QUERY), 1 to 16 questions, room for a question.

protocol DNS id 5 category Network
  rule dns-udp
    transport udp
    port 53
    len >= 17
    u16@2 & 0x7800 == 0
    u16@4 in 1..16

  # Over TCP each message has a 2-byte length prefix.
  rule dns-tcp
    transport tcp
    port 53
    len >= 19
    len == u16@0 + 2
    u16@6 in 1..16

protocol MDNS id 8 category Network
  rule mdns
    transport udp
    port 5353
    len >= 12
    u16@2 & 0x7800 == 0

protocol LLMNR id 154 category Network
  rule llmnr
    transport udp
    port 5355
    len >= 17
    u16@2 & 0x7800 == 0
    u16@4 in 1..16
