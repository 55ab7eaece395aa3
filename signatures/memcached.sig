# memcached over UDP (port 11211; memcached's protocol.txt, "UDP protocol"): every datagram
# opens with an 8-byte frame header (request id, sequence number, number of datagrams in the
# message, two reserved zero bytes), then the text protocol: a command from a client, a reply
# from the server. Open memcached UDP servers are a well-known amplification vector.

protocol Memcached id 40 category Network
  rule get
    transport udp
    len >= 13
    u16@4 >= 1
    u16@6 == 0
    at 8 "get"
    u8@11 in {0x20, 0x73}
    # memcached-udp.pcap (pcaps/capture-infra.sh), 10.97.0.1 -> memcached 10.97.0.2:11211 (get upload.txt)
    example match 00010000000100006765742075706c6f61642e7478740d0a
    # the same command over TCP, without the frame header
    example nomatch 6765742075706c6f61642e7478740d0a

  rule stats
    transport udp
    len >= 14
    u16@4 >= 1
    u16@6 == 0
    at 8 "stats"

  rule version
    transport udp
    len >= 16
    u16@4 >= 1
    u16@6 == 0
    at 8 "version"

  rule store
    transport udp
    len >= 13
    u16@4 >= 1
    u16@6 == 0
    at 8 "set "

  rule value-reply
    transport udp
    len >= 14
    u16@4 >= 1
    u16@6 == 0
    at 8 "VALUE "

  rule end-reply
    transport udp
    len >= 13
    u16@4 >= 1
    u16@6 == 0
    at 8 "END\x0d\x0a"

  rule stat-reply
    transport udp
    len >= 13
    u16@4 >= 1
    u16@6 == 0
    at 8 "STAT "

  rule version-reply
    transport udp
    len >= 16
    u16@4 >= 1
    u16@6 == 0
    at 8 "VERSION "
    # memcached-udp.pcap, 10.97.0.2:11211 -> 10.97.0.1 (VERSION 1.6.18)
    example match 000300000001000056455253494f4e20312e362e31380d0a

  rule stored-reply
    transport udp
    len >= 16
    u16@4 >= 1
    u16@6 == 0
    at 8 "STORED\x0d\x0a"
