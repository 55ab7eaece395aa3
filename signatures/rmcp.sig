# RMCP (DMTF ASF 2.0), the transport of IPMI over LAN, UDP 623: version 6, a reserved zero
# byte, a sequence number and the message class (6 ASF, 7 IPMI; the top bit marks an ACK).
# An ASF message then carries the IANA enterprise number 4542; an IPMI message opens its
# session header with an authentication type of 0, 1, 2, 4, 5 (IPMI 1.5) or 6 (RMCP+).

protocol RMCP id 351 category Network
  rule asf
    transport udp
    len >= 12
    u16@0 == 0x0600
    u8@3 in {0x06, 0x86}
    u32@4 == 4542
    # rmcp-ipmitool.pcap (pcaps/capture-infra.sh), ipmitool -> 10.97.0.2:623 (ASF presence ping)
    example match 0600ff06000011be80000000

  rule ipmi
    transport udp
    len >= 14
    u16@0 == 0x0600
    u8@3 == 0x07
    u8@4 in {0, 1, 2, 4, 5, 6}
    # rmcp-ipmitool.pcap, ipmitool -> 10.97.0.2:623 (Get Channel Authentication Capabilities)
    example match 0600ff07000000000000000000092018c88104380e0431
