# CAPWAP (RFC 5415): control on UDP 5246, data on 5247. The first byte is the preamble: version
# 0, type 0 (a plain CAPWAP header) or 1 (a DTLS-protected one).

protocol CAPWAP id 247 category Network
  rule capwap
    transport udp
    port 5246, 5247
    len >= 8
    u8@0 in {0x00, 0x01}
