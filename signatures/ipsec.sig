# IPsec key exchange and NAT traversal: IKE (v1 RFC 2409, v2 RFC 7296) on UDP 500, IKE behind
# the non-ESP marker (4 zero bytes) and ESP-in-UDP (RFC 3948) on 4500.

protocol IPSec id 79 category VPN
  # IKE header: initiator SPI 8, responder SPI 8, next payload, version (1.0 or 2.0), exchange
  # type, flags, message id, length (the whole message).
  rule ike
    transport udp
    port 500
    len >= 28
    u8@17 in {0x10, 0x20}
    len == u32@24

  rule ike-nat-t
    transport udp
    port 4500
    u32@0 == 0
    len >= 32
    u8@21 in {0x10, 0x20}
    len == u32@28 + 4

  rule nat-t-keepalive
    transport udp
    port 4500
    len == 1
    u8@0 == 0xff

  # ESP in UDP: a non-zero SPI, a sequence number, then the encrypted payload.
  rule esp-in-udp
    transport udp
    port 4500
    u32@0 != 0
    len >= 24
