# NAT-PMP (RFC 6886): version 0, then an opcode (0 external address, 1 map UDP, 2 map TCP; +128
# in responses), between a client and the gateway's port 5351 (announcements to 5350). Each
# message has its size: 2 bytes (external address request), 12 (its answer, a mapping request),
# 16 (a mapping answer).

protocol NAT-PMP id 312 category Network
  rule natpmp
    packet within 2
    transport udp
    port 5350, 5351
    len in {2, 12, 16}
    u8@0 == 0
    u8@1 in {0, 1, 2, 128, 129, 130}
    # gnutella.pcap, 10.0.2.15:57619 -> 10.0.2.2:5351
    example match 0000
