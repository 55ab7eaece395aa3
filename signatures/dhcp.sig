# DHCP and BOOTP (RFC 2131): op 1 (request) or 2 (reply), the fixed 236-byte header, then the
# magic cookie 63 82 53 63.

protocol DHCP id 18 category Network
  rule dhcp
    transport udp
    port 67, 68
    len >= 240
    u8@0 in {1, 2}
    at 236 0x63825363
    # gnutella.pcap, 0.0.0.0:68 -> 255.255.255.255:67
    example match 01010600a6784b7d0000000000000000000000000000000000000000080027e6e55900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000638253633501033d0701080027e6e55932040a00020f0c0b4d534544474557494e3130510e0000004d534544474557494e31303c084d53465420352e30370e0103060f1f212b2c2e2f7779f9fcff

protocol DHCPV6 id 103 category Network
  # Client and server messages (types 1-11, RFC 8415): a 3-byte transaction id, then options
  # (16-bit code, 16-bit length); the first option has a code from the registry (1-150) and a
  # length that fits the datagram and stays below 261 (a DUID is at most 130 bytes).
  rule dhcpv6
    packet within 2
    transport udp
    port 546, 547
    len >= 8
    u8@0 in 1..11
    u16@4 in 1..150
    u16@6 in 0..260
    len >= u16@6 + 8
    # gnutella.pcap, [fe80::c50d:519f:96a4:e108]:546 -> [ff02::1:2]:547
    example match 0113d1ed0008000200000001000e000100012422f1b3080027e6e5590003000c0508002700000000000000000027000d000b4d534544474557494e31300010000e0000013700084d53465420352e30000600080011001700180027

  # Relay-forward and relay-reply (12, 13): a hop count of at most 32, link and peer addresses,
  # then options, the first of them relay-message (9), interface-id (18), remote-id (37),
  # subscriber-id (38) or client link-layer address (79).
  rule dhcpv6-relay
    packet within 4
    transport udp
    port 546, 547
    len >= 38
    u8@0 in {12, 13}
    u8@1 in 0..32
    u16@34 in {9, 18, 37, 38, 79}
