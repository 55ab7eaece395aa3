# Check Point ClusterXL high availability (CCP, "CPHA"), UDP 8116 on both sides: the magic
# 1A 90, sent by cluster members from the unnumbered address 0.0.0.0 (a source no other
# traffic on a LAN uses besides a DHCP client, which does not send this magic).

protocol CPHA id 53 category Network
  rule ccp
    transport udp
    client-ip 0.0.0.0/32
    client-port 8116
    server-port 8116
    len >= 20
    u16@0 == 0x1a90
    # cpha.pcap, 0.0.0.0:8116 -> 172.21.3.0:8116
    example match 1a900c31278500010016793e0001fffee04a0100000200010000080a00020003000400000204090000000900000000000200
