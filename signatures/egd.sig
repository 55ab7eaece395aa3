# GE Ethernet Global Data (EGD) production data, UDP 18246. A 32-byte header, multi-byte fields
# little-endian: type 13 and version 1; request id; producer id (an IPv4 address); exchange id;
# a timestamp (seconds, nanoseconds); a status (0-30); a configuration signature; a reserved word
# that is zero; then the exchange's data.
# Precision: 16 fixed bits, the status below 31 (27 bits) and the reserved word (32 bits).

protocol EthernetGlobalData id 149 category IoT-Scada
  rule data
    transport udp
    len >= 33
    u16@0 == 0x0d01
    u32le@20 <= 30
    u32@28 == 0
    # egd.pcapng, 192.168.8.77:18246 -> 192.168.8.169:18246
    example match 0d01d4f0c0a8084d7b000000be8a7e3800811b2c000000000000000000000000000000000000000000000000000000000000000000000000000000
    # A non-zero reserved word.
    example nomatch 0d01d4f0c0a8084d7b000000be8a7e3800811b2c000000000000000001000000000000000000000000000000000000000000000000000000000000
