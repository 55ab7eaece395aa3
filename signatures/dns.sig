# DNS (RFC 1035) and its link-local relatives mDNS (RFC 6762) and LLMNR (RFC 4795).
# A query or response header: opcode 0 (QUERY), the reserved Z bit clear, 1 to 16 questions
# (mDNS answers may have none), fewer than 256 answer, authority and additional records (a
# datagram cannot hold more), room for a question.

protocol DNS id 5 category Network
  rule dns-udp
    transport udp
    port 53
    len >= 17
    u16@2 & 0x7840 == 0
    u16@4 in 1..16
    u8@6 == 0
    u8@8 == 0
    u8@10 == 0
    # KakaoTalk_talk.pcap, 10.24.82.188:25223 -> 10.188.1.1:53
    example match 629801000001000000000000046d7174740866616365626f6f6b03636f6d0000010001
    # anyconnect-vpn.pcap, 10.0.0.227:61328 -> 239.255.255.250:1900 (SSDP) (first 96 of 174 bytes)
    example nomatch 4d2d534541524348202a20485454502f312e310d0a484f53543a203233392e3235352e3235352e3235303a313930300d0a4d414e3a2022737364703a646973636f766572220d0a4d583a20310d0a53543a2075726e3a6469616c2d6d756c7469

  # Over TCP each message has a 2-byte length prefix.
  rule dns-tcp
    transport tcp
    port 53
    len >= 19
    len == u16@0 + 2
    u16@6 in 1..16
    # dns_fragmented.pcap, [2001:470:1f0b:16b0:20c:29ff:fe7c:a4cb]:57089 -> [2001:470:1f0b:16b0::a26:53]:53
    example match 003480e4012000010000000000010877656265726c61620264650000300001000029100000008000000c000a00081b9af622ab2c9740

protocol MDNS id 8 category Network
  rule mdns
    transport udp
    port 5353
    len >= 12
    u16@2 & 0x7840 == 0
    u8@4 == 0
    u8@6 == 0
    u8@8 == 0
    u8@10 == 0
    # anyconnect-vpn.pcap, 10.0.0.213:5353 -> 224.0.0.251:5353
    example match 0000000000030000000000010f5f636f6d70616e696f6e2d6c696e6b045f746370056c6f63616c00000c8001085f686f6d656b6974c01c000c80010c5f736c6565702d70726f7879045f756470c021000c800100002905a00000119400120004000e009a3a810e468ec818810e468ec8

protocol LLMNR id 154 category Network
  rule llmnr
    transport udp
    port 5355
    len >= 17
    u16@2 & 0x7840 == 0
    u16@4 in 1..16
    u8@6 == 0
    u8@8 == 0
    u8@10 == 0
    # gnutella.pcap, [fe80::c50d:519f:96a4:e108]:63717 -> [ff02::1:3]:5355
    example match 035c000000010000000000000b4d534544474557494e31300000ff0001
