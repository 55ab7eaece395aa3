# IPsec key exchange and its NAT traversal: ISAKMP/IKE (IKEv1 RFC 2409, IKEv2 RFC 7296), usually
# on UDP 500; behind a NAT on 4500, where IKE follows a 4-byte non-ESP marker (zero) and ESP
# rides in UDP (RFC 3948). The IKE header: initiator SPI (8), responder SPI (8), next payload,
# version (0x10 or 0x20), exchange type, flags, message id, and the length of the whole message.

protocol IPSec id 79 category VPN
  # IKEv2: exchange IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA or INFORMATIONAL (34-37); only the
  # initiator, version and response flags (0x38) may be set.
  rule ikev2
    transport udp
    len >= 28
    u8@17 == 0x20
    u8@18 in 34..37
    u8@19 & 0xc7 == 0
    len == u32@24
    # ah.pcapng, 10.2.3.2:500 -> 10.3.4.4:500 (IKE_SA_INIT)
    example match 1c1869f6d29ba0cc0000000000000000212022080000000000000166220000300000002c010100040300000c0100000c800e01000300000802000006030000080300000d00000008040000142800006800140000a29f74cb78c798d31654621b3517ab39517330fe49a112e52154feb8671a1dc50301f67d6a0b9be2fde27d286af620232ad77f5d9a085fbe9ed1248f5de731497ce04b51c93a9b09b737d783de9d14b04592f0695cf1e251bd53dbd8b6057cdd2b0000246cbde3730e815c3ed7b4d31374469cd49e1f506bdd9cedb49c58cd96da7b628c2b000017434953434f2d44454c4554452d524541534f4e2b000013434953434f56504e2d5245562d30322b000017434953434f2d44594e414d49432d524f55544529000015464c455856504e2d535550504f525445442900001c00004004236fb80b00e123217aba0d0c8b34b1ed5cd911090000001c000040051203d641f084b9af5e205e1c9d854da14e7583db
    # the same, cut after 40 bytes: the length field no longer matches
    example nomatch 1c1869f6d29ba0cc0000000000000000212022080000000000000166220000300000002c01010004
    # esp.pcapng, 10.3.4.4:500 -> 10.2.3.2:500 (IKE_AUTH response)
    example match 05ac0f4d122013f45f46ee70bc4c5d0d2e20232000000001000001282b00010c3a5c7431864a8dcb82342bf7b0824158db777b50c2af96a7a116c1deec90dd46b1ff5ec34ad98c829092d957dd601805e2316c2e0eacc31c826850bfda5eccb199f9e2ec9afac0f60bc650e0442e4c4fe24c36285959fba13ec2ed0d8b17c36dec1bc9917902e6884c3ab6cdcec1c1e1455ae0aeb4dce445b063de8912211e50143270dca03685b92bb31045647065f9b04586690cbd692e1410e88ccfe89a1e6468d0e31e6981f1906708fa28bcec79ea9f77c4d24df57c6ee91a63dd199b676e72bef5e59e507fa01a6a8102015836ed085db8157da0596fdc69c5ffb0aaea9bcd7b3012c06a2f6b84249f21a477da18af4de1ed8ada48bcd7b86272763ca6d711ece1bdd5f6f1

  # IKEv1 (ISAKMP): exchange types 1-5 (base, identity protection, authentication only,
  # aggressive, informational) or 32-33 (quick mode, new group); flags below 8.
  rule ikev1
    transport udp
    len >= 28
    u8@17 == 0x10
    u8@18 in {1, 2, 3, 4, 5, 32, 33}
    u8@19 < 8
    len == u32@24

  rule ikev2-nat-t
    transport udp
    len >= 32
    u32@0 == 0
    u8@21 == 0x20
    u8@22 in 34..37
    u8@23 & 0xc7 == 0
    len == u32@28 + 4

  rule ikev1-nat-t
    transport udp
    len >= 32
    u32@0 == 0
    u8@21 == 0x10
    u8@22 in {1, 2, 3, 4, 5, 32, 33}
    u8@23 < 8
    len == u32@28 + 4

  # NAT-T keepalives (a single 0xFF byte on 4500, every 20 s): two of them.
  rule nat-t-keepalive
    transport udp
    port 4500
    len == 1
    u8@0 == 0xff
    repeat 2

  # ESP in UDP on 4500: a non-zero SPI, stable for the direction, and a sequence number that
  # counts up from 1. Three packets of one direction with the same SPI (64 bits beyond the
  # first) and a sequence number below 2^24.
  rule esp-in-udp
    transport udp
    port 4500
    len >= 24
    u32@0 != 0
    u8@4 == 0
    repeat 3 same u32@0
