# EAQ (Entidade Aferidora da Qualidade, Brazil's broadband quality measurement): the probe
# exchanges fixed 16-byte UDP datagrams with the measurement servers on port 6000 (nDPI's eaq.c:
# payload 16 bytes, port 6000 on either side, named after four such datagrams; nDPI's EAQ.pcap
# result lists 29 flows of 58-byte frames, 20 of them with no answer). Four datagrams of exactly
# 16 bytes among a flow's first eight is what the rule asks (about 42 bits against random sizes).

protocol EAQ id 190 category Network
  rule probes
    transport udp
    port 6000
    packet within 8
    len == 16
    repeat 4
    # built from nDPI's facts (no capture in the corpora): a 16-byte probe whose first four
    # bytes carry the sequence
    example match 0000000100000000662c1a9f00000000
    example nomatch 0000000100000000662c1a9f0000000000
