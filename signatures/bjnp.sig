# BJNP, Canon's protocol for network printers (UDP 8611) and scanners (UDP 8612; "MFNP" on 8610
# for imageCLASS devices). A 16-byte header: the magic "BJNP" or "MFNP", a type (0x01 printer
# command, 0x02 scanner command, 0x81/0x82 their responses), a command code, a sequence number,
# a session id, and a 32-bit payload length that counts what follows the header.
# Precision: 32 fixed bits (two magics) and 4 of 256 types (about 38 bits). The length is not
# tested: the magic and type already suffice, and datagrams that carry less (or more) than their
# header announces are still BJNP.

protocol BJNP id 204 category System
  rule bjnp
    transport udp
    len >= 16
    prefix "BJNP"
    u8@4 in {0x01, 0x02, 0x81, 0x82}
    # bjnp-cups.pcap, 10.98.7.1:8611 -> 10.98.7.255:8611 (cups-backend-bjnp printer discovery)
    example match 424a4e50010100000000000000000000
    # bjnp-cups.pcap, 10.98.7.1:8612 -> 10.98.7.255:8612 (SANE pixma scanner discovery)
    example match 424a4e50020100000000000000000000
    # Type 0x03 is neither a command nor a response.
    example nomatch 424a4e50030100000000000000000000

  rule mfnp
    transport udp
    len >= 16
    prefix "MFNP"
    u8@4 in {0x01, 0x02, 0x81, 0x82}
    # bjnp-cups.pcap, 10.98.7.1:8612 -> 10.98.7.255:8610 (SANE pixma MFNP scanner discovery)
    example match 4d464e50020100000000000000000000
