# NAT-PMP (RFC 6886): version 0, then an opcode (0 external address, 1 map UDP, 2 map TCP; +128
# in responses), between a client and the gateway's port 5351 (announcements to 5350).

protocol NAT-PMP id 312 category Network
  rule natpmp
    transport udp
    port 5350, 5351
    len in 2..16
    u8@0 == 0
    u8@1 in {0, 1, 2, 128, 129, 130}
    # gnutella.pcap, 10.0.2.15:57619 -> 10.0.2.2:5351
    example match 0000
