# Spotify's LAN discovery: UDP broadcasts to port 57621 that start "SpotUdp0".

protocol Spotify id 156 category Music
  rule lan-discovery
    transport udp
    port 57621
    prefix "SpotUdp0"
