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
    # KakaoTalk_talk.pcap, 10.24.82.188:11320 -> 1.201.1.174:23044
    example match 80ec4eb28b399cda0b865519fec5f690bfe83d83771c1276a357519b33c32925654ad82efb080889c03a096248060aa5ae4b61d6324c0679
    # KakaoTalk_talk.pcap, 10.24.82.188:11321 -> 1.201.1.174:23045 (RTCP)
    example nomatch 81c900070b865519906587ad61306cbe995cfbb3378b134e300081a952cd7a1d39da150a3f0f04a19db82b554a3a40f7ceee19c811023a65b95ef2f0b79a87a3800000017c0f0a4de6d6fe657ed9

protocol RTCP id 165 category Media
  rule rtcp-stream
    transport udp
    packet within 10
    not port 30303
    not server-port 0-1023, 5353, 5355, 9600
    rtcp
    repeat 2 same u32@4
    # KakaoTalk_talk.pcap, 10.24.82.188:11321 -> 1.201.1.174:23045
    example match 81c900070b865519906587ad61306cbe995cfbb3378b134e300081a952cd7a1d39da150a3f0f04a19db82b554a3a40f7ceee19c811023a65b95ef2f0b79a87a3800000017c0f0a4de6d6fe657ed9
