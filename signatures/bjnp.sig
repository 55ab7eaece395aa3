# BJNP, Canon's protocol for network printers (UDP 8611) and scanners (UDP 8612; "MFNP" on 8610
# for imageCLASS devices). A 16-byte header: the magic "BJNP" or "MFNP", a type (0x01 printer
# command, 0x02 scanner command, 0x81/0x82 their responses), a command code, a sequence number,
# a session id, and a 32-bit payload length that counts what follows the header.
# Precision: 32 fixed bits (two magics), 4 of 256 types and the 32-bit length equal to the
# datagram's rest (about 64 bits).

protocol BJNP id 204 category System
  rule bjnp
    transport udp
    len >= 16
    prefix "BJNP"
    u8@4 in {0x01, 0x02, 0x81, 0x82}
    len == u32@12 + 16
    # bjnp-cups.pcap, 10.98.7.1:8611 -> 10.98.7.255:8611 (cups-backend-bjnp printer discovery)
    example match 424a4e50010100000000000000000000
    # bjnp-cups.pcap, 10.98.7.1:8612 -> 10.98.7.255:8612 (SANE pixma scanner discovery)
    example match 424a4e50020100000000000000000000
    # A payload length the datagram does not have.
    example nomatch 424a4e50010100000000000000000004

  rule mfnp
    transport udp
    len >= 16
    prefix "MFNP"
    u8@4 in {0x01, 0x02, 0x81, 0x82}
    len == u32@12 + 16
    # bjnp-cups.pcap, 10.98.7.1:8612 -> 10.98.7.255:8610 (SANE pixma MFNP scanner discovery)
    example match 4d464e50020100000000000000000000
