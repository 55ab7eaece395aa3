# NTP (RFC 5905; v1-v4): at least the 48-byte header, version 1-4 in bits 3-5 of the first
# byte, mode 1-7 in its low bits.

protocol NTP id 9 category System
  rule ntp
    transport udp
    port 123
    len >= 48
    u8@0 & 0x38 in {0x08, 0x10, 0x18, 0x20}
    u8@0 & 0x07 != 0
