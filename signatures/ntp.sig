# NTP (RFC 5905; v1-v4): at least the 48-byte header, version 1-4 in bits 3-5 of the first
# byte, mode 1-7 in its low bits.

protocol NTP id 9 category System
  rule ntp
    transport udp
    port 123
    len >= 48
    u8@0 & 0x38 in {0x08, 0x10, 0x18, 0x20}
    u8@0 & 0x07 != 0
    # NTPv2.pcap, 208.104.95.10:123 -> 78.46.76.2:80 (first 96 of 368 bytes)
    example match 970e032a00050048000000000000103a000000000000018848ef596dac100c65000000010c02070200000000000000000000000000000000000000000000000000000000000000000000000000000000000000010000106700000000000000c7
