# eDonkey network over UDP: the eDonkey 2000 server protocol, eMule's client-to-client extension
# and the Kademlia DHT (Kad) that eMule and aMule run. Every UDP message opens with a protocol
# marker and an opcode: 0xE3 eDonkey, 0xC5 eMule extension, 0xE4 Kademlia (0xD4 and 0xE5 are
# their zlib-packed forms, and obfuscated traffic has no marker at all: neither is named here).
# Facts from eMule's and aMule's opcode tables (opcodes.h: OP_GLOBSERVSTATREQ 0x96,
# OP_GLOBSERVSTATRES 0x97, OP_GLOBGETSOURCES 0x9A, OP_GLOBGETSOURCES2 0x94, OP_GLOBFOUNDSOURCES
# 0x9B, OP_REASKFILEPING 0x90, OP_REASKACK 0x91, OP_FILENOTFOUND 0x92, OP_QUEUEFULL 0x93,
# KADEMLIA2_REQ 0x21, KADEMLIA2_RES 0x29, hellos 0x10/0x11/0x18/0x19, bootstrap 0x01/0x09,
# KADEMLIA2_HELLO_RES_ACK 0x22) and from nDPI's edonkey.c, which names a flow when a marker and a
# known opcode show up in both directions. No shared capture carries eDonkey: the examples are
# built from that layout.

protocol eDonkey id 36 category P2P
  # A Kad lookup: KADEMLIA2_REQ is marker, opcode, search type, the 128-bit target and the
  # receiver's id (35 bytes); KADEMLIA2_RES answers with the same target, a contact count and
  # 25 bytes per contact. The target's first 32 bits must come back.
  rule kad2-lookup
    transport udp
    len >= 19
    u8@0 == 0xe4
    u8@1 in {0x21, 0x29}
    echo u32@3 as u32@2
    # KADEMLIA2_REQ: type 0x0b (find value), target 5a3c1e..., receiver 9f01...
    example match e4210b5a3c1e77d2a4b8c03f1162e9a0d47c889f01e3c4a7b255d8e01c6f4a92b37e5d10
    # KADEMLIA2_RES: target 5a3c1e..., one contact (id, IPv4, UDP port, TCP port, version 8)
    example match e4295a3c1e77d2a4b8c03f1162e9a0d47c880133b2c190e7a1d6240f5be8c9a1437d0266c0a8010a3e131113120908
    # a DHCP discover's first bytes
    example nomatch 0101060079b2a5e40000000000000000000000000000000000000000000000

  # Kad contact maintenance: a bootstrap (KADEMLIA2_BOOTSTRAP_REQ 0x01, 2 bytes, answered by
  # 0x09 with the node's id, TCP port, version and contacts), a hello (Kad1 0x10/0x18, Kad2
  # 0x11/0x19) and its acknowledgement (0x22), or a ping (KADEMLIA2_PING 0x60, 2 bytes) and its
  # pong (0x61, the UDP port seen): twice within a flow's first four packets.
  rule kad-contact
    transport udp
    packet within 4
    len >= 2
    u8@0 == 0xe4
    u8@1 in {0x01, 0x09, 0x10, 0x11, 0x18, 0x19, 0x22, 0x60, 0x61}
    repeat 2
    # kad-amule.pcap, 198.51.100.2:4672 -> 198.51.100.1:4672 (KADEMLIA2_BOOTSTRAP_REQ)
    example match e401
    # KADEMLIA2_HELLO_REQ: id (16), TCP port 4662, version 8, one tag (built from the layout)
    example match e4116f0d3a92c4e1b8577a20f3d9c6e4018b1236160801090100
    # KADEMLIA2_HELLO_RES: the other node's id, TCP port 4672, version 9, no tag
    example match e41948a2c7f3915d0be6a4c2317e88fd5a06124009
    example nomatch e4706f0d3a92c4e1b8577a20f3d9c6e4018b1236160801090100

  # Server status: OP_GLOBSERVSTATREQ carries a 32-bit challenge (6 bytes in all) that
  # OP_GLOBSERVSTATRES returns first, before the server's user and file counts.
  rule server-status
    transport udp
    len >= 6
    u8@0 == 0xe3
    u8@1 in {0x96, 0x97}
    echo u32@2
    example match e3965a3c55aa
    example match e3975a3c55aa0000304c001c3f0200000000
    example nomatch e3985a3c55aa

  # Source search: OP_GLOBGETSOURCES (0x9A) and OP_GLOBGETSOURCES2 (0x94) ask for a file's
  # 128-bit MD4 hash; OP_GLOBFOUNDSOURCES (0x9B) answers with that hash, a count and 6 bytes
  # (IPv4, TCP port) per source.
  rule server-sources
    transport udp
    len >= 18
    u8@0 == 0xe3
    u8@1 in {0x94, 0x9a, 0x9b}
    echo u32@2
    example match e39a31d6cfe0d16ae931b73c59d7e0c089c0
    example match e39b31d6cfe0d16ae931b73c59d7e0c089c001c0a8010a3612
    example nomatch e39931d6cfe0d16ae931b73c59d7e0c089c0

  # eMule's client-to-client UDP: a re-ask for a file (OP_REASKFILEPING, the file hash follows)
  # and its answers (OP_REASKACK, OP_FILENOTFOUND, OP_QUEUEFULL), twice within the first four
  # packets.
  rule emule-reask
    transport udp
    packet within 4
    len >= 2
    u8@0 == 0xc5
    u8@1 in 0x90..0x93
    repeat 2
    # OP_REASKFILEPING with the file hash and a part-status count of 0
    example match c59031d6cfe0d16ae931b73c59d7e0c089c00000
    # OP_QUEUEFULL
    example match c593
    example nomatch c5a031d6cfe0d16ae931b73c59d7e0c089c00000
