# Syslog (RFC 3164, 5424) over UDP 514: the message opens with a priority: `<`, 1-3 digits, `>`.

protocol Syslog id 17 category System
  rule priority
    transport udp
    port 514
    u8@0 == 0x3c
    u8@1 in 0x30..0x39
