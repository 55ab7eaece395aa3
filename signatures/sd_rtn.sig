# Agora SD-RTN (the real-time network behind many voice/video SDKs). A client opens each UDP
# flow to an edge server with a request whose fixed header is: a 4-byte request id, two zero
# bytes, message type 0x21, four zero bytes (no request it answers), then tagged fields; the
# first field is the server name, tag "SNI" (length byte 4, "SNI", 0), followed by a
# little-endian length and the edge's host name (e.g. "23-248-186-179.edge.agora.io").
# The server answers with type 0x23, the request's id at offset 7, and a "PEID" field.
# Facts read off agora-sd-rtn.pcap: all 26 flows open so, on server port 8130; the port is
# not required here.

protocol SD-RTN id 171 category Media
  rule edge-request
    transport udp
    packet first-to-server
    len >= 20
    u16@4 == 0x0000
    u8@6 == 0x21
    u32@7 == 0x00000000
    at 12 0x04534e4900
    # agora-sd-rtn.pcap, 192.168.2.100:35778 -> 23.248.186.179:8130 (first 40 bytes)
    example match 005a384c000021000000000004534e49001c0032332d3234382d3138362d3137392e656467652e61
    # agora-sd-rtn.pcap, 23.248.186.179:8130 -> 192.168.2.100:35778 (the answer, first 40 bytes)
    example nomatch 006a2e07000023005a384c000450454944040001001c0050524f4600018883fb618523cec767db94

  rule edge-answer
    transport udp
    packet first-to-client
    len >= 20
    u16@4 == 0x0000
    u8@6 == 0x23
    at 13 "PEID"
    # agora-sd-rtn.pcap, 128.1.77.66:8130 -> 192.168.2.100:44131 (first 40 bytes)
    example match 0042a1c90000230099781d000450454944040001001c0050524f46000126b623a8c3ea0ede6aaa13
    # agora-sd-rtn.pcap, 192.168.2.100:35778 -> 23.248.186.179:8130 (the request, first 40 bytes)
    example nomatch 005a384c000021000000000004534e49001c0032332d3234382d3138362d3137392e656467652e61
