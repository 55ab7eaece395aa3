# imo.im voice and video calls. Its UDP media protocol is undocumented; nDPI's reverse-
# engineered markers are short control datagrams of exact sizes: 10 bytes starting 09 02, or
# 11 bytes starting 00 09 03 (with a length, 26 and 34 bits), or a 1,099-byte datagram starting
# 88 49 1A 00. They come among the first ten packets of a call flow. They name the flow; the call
# is accepted once four later datagrams carry IMO's framing: a length of one or two bytes (seven
# bits each) equal to the bytes after it, behind a zero byte on the relay's side (imo.pcap: the
# peer-to-peer pings 09 02 / 09 03, the relay's 00 74 0d ..., the client's 89 46 1a ...).

protocol IMO id 216 category VoIP
  rule control-10
    transport udp
    packet within 10
    len == 10
    u16@0 == 0x0902
    confirm 4 by imo
    # imo.pcap, 192.168.12.169:49207 -> 93.33.47.58:57604
    example match 0902dc9a020000000000

  rule control-11
    transport udp
    packet within 10
    len == 11
    u16@0 == 0x0009
    u8@2 == 0x03
    confirm 4 by imo
    # imo.pcap, 185.155.137.30:36535 -> 192.168.12.169:49207
    example match 000903219a020000000000
    # The relay's 10-byte answer of another kind (imo.pcap, same flow)
    example nomatch 00081a010000000e4e1c

  rule media-1099
    transport udp
    packet within 10
    len == 1099
    u32@0 == 0x88491a00
    confirm 4 by imo
