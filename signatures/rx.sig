# RX, the RPC transport of AFS and OpenAFS (UDP 7000-7009). A 28-byte header: epoch,
# connection id, call number, sequence and serial numbers, then type (1-13), flags, user status,
# security index (0-3), checksum and service id. Epoch and connection id stay the same for the
# whole connection, in both directions; call, sequence and serial numbers count up from small
# values. Two packets with a valid header and the same connection id name the flow.

protocol RX id 223 category RPC
  rule rx-connection
    transport udp
    packet within 8
    len >= 28
    u32@8 < 0x01000000
    u32@12 < 0x01000000
    u32@16 < 0x01000000
    u8@20 in 1..13
    u8@21 in {0, 1, 2, 3, 4, 5, 6, 9, 33, 34}
    u8@23 <= 3
    repeat 2 same u32@4
    # rx.pcap, 131.114.219.168:41559 -> 192.167.206.124:7002 (a DATA packet, first 64 bytes)
    example match 570fb5605c3fc9880000000100000001000000010105000000000049000001f80000000100000067000000690000006f0000000000000000000000000000000000
    # rx.pcap, 192.167.206.124:7002 -> 131.114.219.168:41559 (the ACK)
    example match 570fb5605c3fc98800000001000000010000000101040000000000490000000100002711
    # corba.pcap, 10.95.28.46:34477 -> 10.95.28.46:15984 (MIOP: a little-endian counter lands on the type byte)
    example nomatch 4d494f501003e40000000000010000000c00000001000000000000000000000047494f5001020100d8000000
