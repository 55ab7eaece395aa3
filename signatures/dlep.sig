# DLEP, the Dynamic Link Exchange Protocol (RFC 8175), port 854. Over UDP only the discovery
# signals travel: the ASCII prefix "DLEP", a 16-bit signal type (1 Peer Discovery, 2 Peer Offer)
# and a 16-bit length of the data items that follow the 8-byte header.
# Precision: 32 fixed bits, 2 of 65536 types and the length (about 62 bits).

protocol DLEP id 400 category Network
  rule signal
    transport udp
    len >= 8
    prefix "DLEP"
    u16@4 in 1..2
    len == u16@6 + 8
    # dlep.pcapng, 10.0.0.1:57060 -> 224.0.0.117:854 (Peer Discovery)
    example match 444c4550000100140004001000656d756c617465642d726f75746572
    # dlep.pcapng, 10.0.0.2:44515 -> 10.0.0.1:854 (Peer Offer)
    example match 444c45500002001e0004000f00656d756c617465642d6d6f64656d00020007000a0000020356
    # Length one short.
    example nomatch 444c4550000100130004001000656d756c617465642d726f75746572
