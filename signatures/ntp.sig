# NTP (RFC 5905; v1-v4) on port 123.

protocol NTP id 9 category System
  # Client, server, symmetric and broadcast messages (modes 1-5): the 48-byte header with
  # version 1-4, a stratum of 0-16, a poll exponent of at most 17, and root delay and root
  # dispersion (16.16 seconds) below 256 s. An SNTP request of zeros after its first byte fits.
  rule ntp
    transport udp
    port 123
    len >= 48
    u8@0 & 0x38 in {0x08, 0x10, 0x18, 0x20}
    u8@0 & 0x07 in 1..5
    u8@1 in 0..16
    u8@2 in 0..17
    u8@4 == 0
    u8@8 == 0
    # NTPv4.pcap, 85.22.62.120:123 -> 78.46.76.11:123
    example match 230207eb00000450000003ab83bc03dfd94f51c33165b860d944575530336fd0d944575531b4e978d94f51f42d26e2f4
    # waze.pcap, an SNTP client request (first byte 0x1b, zeros after it)
    example match 1b0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000

  # Mode 7, ntpd's private requests (ntpdc; monlist): version 1-4, implementation 0, 2 or 3, a
  # request code of at most 45, four reserved zero bits and an item size of at most 500.
  rule ntp-private
    packet within 4
    transport udp
    port 123
    len >= 8
    u8@0 & 0x07 == 7
    u8@0 & 0x38 in {0x08, 0x10, 0x18, 0x20}
    u8@2 in {0, 2, 3}
    u8@3 in 0..45
    u16@4 & 0x0fff in 0..500
    u16@6 in 0..500
    # NTPv2.pcap, 208.104.95.10:123 -> 78.46.76.2:80 (first 96 of 368 bytes)
    example match 970e032a00050048000000000000103a000000000000018848ef596dac100c65000000010c02070200000000000000000000000000000000000000000000000000000000000000000000000000000000000000010000106700000000000000c7
