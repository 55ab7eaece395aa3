# Spotify's LAN discovery: UDP broadcasts to port 57621 that start "SpotUdp0".

protocol Spotify id 156 category Music
  rule lan-discovery
    transport udp
    port 57621
    prefix "SpotUdp0"
    # iphone.pcap, 192.168.2.1:57621 -> 192.168.2.255:57621
    example match 53706f7455647030dc1574282e52624c000100044895c203a241de2089b978d820564bd50c91c0e8a3e60a78
