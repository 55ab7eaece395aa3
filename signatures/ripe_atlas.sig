# RIPE Atlas measurements: the probes' UDP test packets carry the marker "MGLNDD_" followed by
# the target address and port ("MGLNDD_<address>_<port>").

protocol RipeAtlas id 417 category Network
  rule measurement-marker
    transport udp
    packet within 4
    prefix "MGLNDD_"
    # ripe_atlas.pcap, 9.160.203.32:41059 -> 68.90.0.255:38409
    example match 4d474c4e44445f31312e3131312e31312e3131315f31313133
