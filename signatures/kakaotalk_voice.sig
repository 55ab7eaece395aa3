# KakaoTalk voice calls: RTP/RTCP between the client and Kakao's media relays. nDPI names the
# RTCP side of a call KakaoTalk_Voice when the relay is in 1.201.0.0/16 (the block Kakao's relays
# use, at the Korean data-centre operator KINX) and leaves the RTP side to RTP. The same here: an
# RTCP stream (two reports with the same sender SSRC, as rtp.sig's rtcp-stream) to that block;
# more specific than rtcp-stream by its address test.

protocol KakaoTalk_Voice id 194 category VoIP
  rule rtcp-to-relay
    transport udp
    packet within 10
    ip 1.201.0.0/16
    not server-port 0-1023
    rtcp
    repeat 2 same u32@4
    # KakaoTalk_talk.pcap, 10.24.82.188:11321 -> 1.201.1.174:23045 (RTCP receiver report)
    example match 81c900070b865519906587ad61306cbe995cfbb3378b134e300081a952cd7a1d39da150a3f0f04a19db82b554a3a40f7ceee19c811023a65b95ef2f0b79a87a3800000017c0f0a4de6d6fe657ed9
