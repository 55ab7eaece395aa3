# DHCP and BOOTP (RFC 2131): op 1 (request) or 2 (reply), the fixed 236-byte header, then the
# magic cookie 63 82 53 63.

protocol DHCP id 18 category Network
  rule dhcp
    transport udp
    port 67, 68
    len >= 240
    u8@0 in {1, 2}
    at 236 0x63825363

protocol DHCPV6 id 103 category Network
  # Message types 1-13 between ports 546 and 547.
  rule dhcpv6
    transport udp
    port 546, 547
    len >= 4
    u8@0 in 1..13
