# tinc VPN (tinc 1.0). The TCP meta connection opens with each peer sending an ID request in
# clear text, "<request> <name> <protocol version>\n": request 0 (ID), the node's name (letters,
# digits, underscores: no spaces), protocol version 17; the METAKEY request ("1 ...") follows.
# Both peers send the ID line, so the rule wants two of them. The UDP data packets are
# encrypted from the first byte: nothing in them is fixed. nDPI names a UDP flow tinc only by
# remembering the peers of a tinc TCP connection it saw; a signature sees one flow at a time,
# and a rule on tinc's default port (655) alone would let anything through on that port, so
# the UDP side stays Unknown and meets the budget like any unidentified flow.

protocol TINC id 209 category VPN
  rule id-request
    transport tcp
    packet within 8
    len >= 7
    prefix "0 "
    u8@2 != 0x20              # a name, not an empty field
    u32@-4 == 0x2031370a      # " 17\n"
    repeat 2
    # tinc.pcap, 131.114.168.27:59244 -> 185.83.218.112:55655 ("0 think 17\n")
    example match 30207468696e6b2031370a
    # tinc.pcap, 185.83.218.112:55656 -> 131.114.168.27:49290 ("0 i 17\n")
    example match 3020692031370a
    # tinc.pcap, 185.83.218.112:55655 -> 131.114.168.27:59244 (the METAKEY request that follows, first 20 bytes)
    example nomatch 3120393420363420302030203642323539373039

