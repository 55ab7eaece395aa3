# QUIC. IETF QUIC (RFC 9000, 9369) and Google's later gQUIC (Q046 and up) open with a long
# header: form and fixed bits set, a 32-bit version, connection ids of at most 20 bytes; a
# client's Initial is padded to at least 1200 bytes. Only known versions are accepted: a first
# byte >= 0xC0 alone is far too common. Older gQUIC (up to Q043) has a public header with the
# version flag and the version string "Q0.." after an 8-byte connection id.

protocol QUIC id 188 category Web
  # Version 1 (RFC 9000) and version 2 (RFC 9369).
  rule quic-v1-v2
    transport udp
    packet within 3
    quic version 0x00000001 0x6b3343cf

  # IETF drafts 0xff0000NN, Facebook's mvfst 0xfaceb00N, and the version-negotiation
  # greasing pattern 0x?a?a?a?a are all written on the wire with their top byte.
  rule quic-drafts
    transport udp
    packet within 3
    quic
    u32@1 in 0xff000000..0xff0000ff

  rule quic-mvfst
    transport udp
    packet within 3
    quic
    u32@1 & 0xfffffff0 == 0xfaceb000

  # Google QUIC with the IETF-style long header: versions Q046, Q050, T050, T051.
  rule gquic-long-header
    transport udp
    packet within 3
    quic version 0x51303436 0x51303530 0x54303530 0x54303531

  rule gquic-public-header
    transport udp
    packet within 3
    u8@0 & 0x09 == 0x09
    at 9 "Q0"
