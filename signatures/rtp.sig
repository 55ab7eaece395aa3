# RTP and RTCP (RFC 3550). One packet is not enough: a first byte 0x80-0xBF is common. RTP
# needs three packets in one direction with the same SSRC (offset 8); RTCP two with the same
# sender SSRC (offset 4). Well-known ports (below 1024), mDNS, LLMNR and Ethereum's 30303 are
# left alone, as nDPI does.

protocol RTP id 87 category Media
  rule rtp-stream
    transport udp
    packet within 10
    not port 30303
    not server-port 0-1023, 5353, 5355, 9600
    rtp
    repeat 3 same u32@8

protocol RTCP id 165 category Media
  rule rtcp-stream
    transport udp
    packet within 10
    not port 30303
    not server-port 0-1023, 5353, 5355, 9600
    rtcp
    repeat 2 same u32@4
