# CAPWAP (RFC 5415): control on UDP 5246, data on 5247. The first byte is the preamble: version
# 0, type 0 (a plain CAPWAP header) or 1 (a DTLS-protected one).

protocol CAPWAP id 247 category Network
  rule capwap
    transport udp
    port 5246, 5247
    len >= 8
    u8@0 in {0x00, 0x01}
    # capwap.pcap, 192.168.10.9:5246 -> 192.168.10.10:12379
    example match 0100000015feff0001000000000001003091525de0381a81cffbbc5c495068756e8580383b27a1c2ff2011743e05500e5352fa6f19e56428296f7985b4b0bf6612
