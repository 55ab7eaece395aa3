# SNMP (RFC 1157, 3416): a BER SEQUENCE (0x30) holding an INTEGER version (0, 1 or 3), on the
# agent port 161 or the trap port 162.

protocol SNMP id 14 category Network
  rule snmp-short-length
    transport udp
    port 161, 162
    u8@0 == 0x30
    u8@1 < 0x80
    u16@2 == 0x0201
    u8@4 in {0, 1, 3}

  rule snmp-long-length
    transport udp
    port 161, 162
    u8@0 == 0x30
    u8@1 == 0x81
    u16@3 == 0x0201
    u8@5 in {0, 1, 3}

  rule snmp-long-length-2
    transport udp
    port 161, 162
    u8@0 == 0x30
    u8@1 == 0x82
    u16@4 == 0x0201
    u8@6 in {0, 1, 3}
