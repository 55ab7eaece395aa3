# Cisco Webex meetings and calling. Webex media (SRTP, its own framing, STUN) has no fixed bytes
# nDPI relies on; it names Webex by address. Webex runs its media servers in address space Cisco
# publishes for Webex ("Network Requirements for Webex Services": the IPv4 subnets for Webex
# media), on UDP 9000 (meetings) and 5004 (calling/devices). Those addresses on those ports are
# Webex.

protocol Webex id 141 category VoIP
  rule media-servers
    priority 2
    transport udp
    ip 62.109.192.0/18, 64.68.96.0/19, 66.114.160.0/20, 66.163.32.0/19, 69.26.160.0/19, 114.29.192.0/19, 150.253.128.0/17, 170.72.0.0/16, 170.133.128.0/18, 173.39.224.0/19, 173.243.0.0/20, 207.182.160.0/19, 209.197.192.0/19, 210.4.192.0/20, 216.151.128.0/19
    port 9000, 5004
