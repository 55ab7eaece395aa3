# Service Location Protocol (SLPv1, RFC 2165; SLPv2, RFC 2608), UDP or TCP port 427. Both
# versions open with a version byte, a function id and a length that covers the whole message;
# the rest of the header has reserved bits that must be zero and a language tag. Scanners and
# printers speak it on the open Internet and on every office LAN.

protocol Service_Location_Protocol id 347 category RPC
  # SLPv2: version 2, function 1-11 (SrvRqst ... SAAdvert), a 24-bit length equal to the
  # message (its top byte is zero in a datagram), flags O/F/R with the other 13 bits zero.
  rule slpv2
    u8@0 == 2
    u8@1 in 1..11
    u8@2 == 0
    len == u16@3
    u16@5 & 0x1fff == 0
    # srvloc.pcap, 37.40.101.196:53106 -> 85.111.52.57:427 (SrvTypeRqst)
    example match 020900001d00000000009df60002656e0000ffff000744454641554c54
    # srvloc.pcap, 208.100.177.136:33246 -> 90.141.37.56:427 (SrvReg with the F flag)
    example match 0203000062400000000088110002656e00012c0015736c70546573743a2f2f746573743a33313333372f000029736c70546573743a2f2f746573743a33313333372f6161616161616161616161616161616161616161000764656661756c74000000
    # the same message cut short: its length field no longer covers it
    example nomatch 0203000062400000000088110002656e00012c0015736c70546573743a2f2f746573743a
    # a DNS query on port 427 is not SLP
    example nomatch 12340100000100000000000003777777076578616d706c6503636f6d0000010001

  # SLPv1: version 1, function 1-10, a 16-bit length equal to the message, flags O/M/U/A/F
  # with the low three bits zero, dialect 0, a two-letter language code.
  rule slpv1
    u8@0 == 1
    u8@1 in 1..10
    len == u16@2
    u8@4 & 0x07 == 0
    u8@5 == 0
    u8@6 in 0x61..0x7a
    u8@7 in 0x61..0x7a
    # srvloc-v1.pcapng, 250.83.105.78:51708 -> 172.30.246.115:427 (SrvTypeRqst, 44 bytes)
    example match 0106002c0000656e00031ef700000018736572766963653a782d68706e702d646973636f7665723a00000000
