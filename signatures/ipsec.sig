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
    # ah.pcapng, 10.2.3.2:500 -> 10.3.4.4:500
    example match 1c1869f6d29ba0cc0000000000000000212022080000000000000166220000300000002c010100040300000c0100000c800e01000300000802000006030000080300000d00000008040000142800006800140000a29f74cb78c798d31654621b3517ab39517330fe49a112e52154feb8671a1dc50301f67d6a0b9be2fde27d286af620232ad77f5d9a085fbe9ed1248f5de731497ce04b51c93a9b09b737d783de9d14b04592f0695cf1e251bd53dbd8b6057cdd2b0000246cbde3730e815c3ed7b4d31374469cd49e1f506bdd9cedb49c58cd96da7b628c2b000017434953434f2d44454c4554452d524541534f4e2b000013434953434f56504e2d5245562d30322b000017434953434f2d44594e414d49432d524f55544529000015464c455856504e2d535550504f525445442900001c00004004236fb80b00e123217aba0d0c8b34b1ed5cd911090000001c000040051203d641f084b9af5e205e1c9d854da14e7583db

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
