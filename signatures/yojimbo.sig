# Yojimbo / netcode (https://github.com/mas-bandwidth/netcode, STANDARD.md): the connection
# request packet is the byte 0x00 followed by the version info "NETCODE 1.02" and a NUL.

protocol Yojimbo id 388 category Game
  rule connection-request
    transport udp
    len >= 13
    u8@0 == 0x00
    at 1 "NETCODE "
    # yojimbo.pcap, 127.0.0.1:34638 -> 127.0.0.1:40000 (first 40 of 1078 bytes)
    example match 004e4554434f444520312e30320000000000000000002013ad65000000000000000000000000000000
