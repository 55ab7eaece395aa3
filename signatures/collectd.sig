# collectd's binary network protocol (UDP 25826): a sequence of parts, each a 16-bit type
# (0x0000 host, 0x0001 time, 0x0002 plugin ... 0x0009 interval high-res, 0x0100 values,
# 0x0200/0x0210 signature/encryption) and a 16-bit length of at least 4.

protocol collectd id 298 category System
  rule binary-protocol
    transport udp
    port 25826
    len >= 8
    u16@0 in {0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x0100, 0x0101, 0x0200, 0x0210}
    u16@2 >= 4
    # collectd.pcap, 127.0.0.1:36576 -> 127.0.0.1:25826 (first 96 of 1326 bytes)
    example match 000000156465766c61702e667269747a2e626f78000008000c18aa874808818df40009000c0000000280000000000200086370750000030006310000040008637075000005000a737465616c000006000f00010200000000000000000008000c
