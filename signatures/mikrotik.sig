# MikroTik Neighbor Discovery Protocol (MNDP), UDP 5678 to the limited broadcast or ff02::1:
# a 4-byte header (version, TTL, sequence number), then type-length-value fields, the first of
# them the sender's MAC address (type 1, length 6). A bare 4-byte request carries nothing to
# recognise.

protocol Mikrotik id 437 category Network
  rule mndp-announcement
    transport udp
    port 5678
    len >= 14
    u32@4 == 0x00010006
    # mndp-mactelnet.pcap (pcaps/capture-infra.sh), mactelnetd 10.97.0.2:20561 -> 255.255.255.255:5678
    example match 0001d49a0001000616f8e3cb87010005000a6e666470692d6d6e64700007000f362e31382e34342d66632d76363639000800054c696e7578000c00067838365f3634000a0004c5100000000b000a4d41432d54656c6e65740010000873696e6672612d73
