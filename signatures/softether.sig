# SoftEther VPN over UDP. Its NAT-traversal helper answers in clear text
# "IP=<address>,PORT=<port>" (10-29 bytes), and a peer announces itself with a SoftEther
# "pack": a big-endian element count, then the element name as a length-prefixed string
# (length 10 for "host_name") and typed values. nDPI names both Softether.

protocol Softether id 290 category VPN
  rule nat-t-address
    transport udp
    packet within 5
    len in 10..29
    prefix "IP="
    contains ",PORT="
    # No capture of SoftEther in the corpora: the examples are built from the format above.
    example match 49503d3139382e35312e3130302e322c504f52543d35353535
    example nomatch 49503d3139382e35312e3130302e32

  rule host-name-pack
    transport udp
    packet within 5
    len >= 99
    u32@0 in 1..64
    u32@4 == 10
    at 8 "host_name"
