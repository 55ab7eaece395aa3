# Activision (Call of Duty) game traffic, after nDPI's activision dissector:
# - the client's datagrams open 0C 02 and the server's 0D 02 (later ones 29 .. / 28 ..);
# - a variant whose datagrams open 46 00 or 47 00 in either direction.
# Datagrams are at least 18 bytes. nDPI names the flow after its fifth packet; a rule here
# needs the marker on several datagrams (two of the 0C 02 / 0D 02 kind, four of the other),
# which a single two-byte test could not carry.
# No capture in the corpora: the examples are built from these formats.

protocol Activision id 258 category Game
  rule handshake-0c02-0d02
    transport udp
    packet within 6
    len >= 18
    u16@0 in {0x0c02, 0x0d02}
    repeat 2
    # built from the format
    example match 0c020000000000000000000000000000000000
    example nomatch 0e020000000000000000000000000000000000

  rule variant-4600
    transport udp
    packet within 8
    len >= 18
    u16@0 in {0x4600, 0x4700}
    repeat 4
    # built from the format
    example match 4600000000000000000000000000000000000000
