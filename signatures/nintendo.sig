# Nintendo Switch peer-to-peer and relay traffic (the PIA library): each datagram opens with the
# magic 32 AB 98 64 and the version byte 2.

protocol Nintendo id 173 category Game
  rule pia
    transport udp
    len >= 49
    prefix 0x32ab986402
    # nintendo.pcap, 192.168.12.114:52119 -> 91.8.243.35:49432
    example match 32ab9864025603cb960133e0c648f83493fb68c9e9cdf041450509198b26bd1f937ed8baffd356d26555b5d61f98094ed25399c7cfaaa44dd0f50aeb
