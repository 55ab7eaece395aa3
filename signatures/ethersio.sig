# Saia-Burgess Ether-S-I/O (EtherSIO), UDP 6060: the ASCII magic "ESIO", then a zero byte, a
# message type 0-2 and another zero byte.
# Precision: 32 fixed bits plus two fixed bytes and 3 of 256 types (about 54 bits).

protocol EtherSIO id 363 category IoT-Scada
  rule udp
    transport udp
    len >= 20
    prefix "ESIO"
    u8@4 == 0
    u8@5 <= 2
    u8@6 == 0
    # ethersio.pcap, 172.23.2.27:1024 -> 172.23.2.15:6060
    example match 4553494f00020000001800000001000c0000000d00010100
    example nomatch 4553494f00030000001800000001000c0000000d00010100
