# i3D.net hosts dedicated game servers. nDPI's i3D dissector names a UDP flow by two messages
# of the voice/game service those servers run (facts from nDPI's i3d.c, protocol 301):
# - the address-discovery exchange that opens a session: a request (type 0x0001) or its answer
#   (type 0x0002), length field 70 (0x0046), then the 32-bit stream id 0x0003CFA8; the datagram
#   is at least 74 bytes;
# - an RTP packet with a header extension (first byte 0x90, payload type 120 or 103) carrying
#   stream id 0x0003CFA9 and the one-byte-header extension profile 0xBEDE with length 3.
# The discovery message has the layout of Discord's IP discovery (discord.sig); the fixed
# stream id is what tells i3D's servers apart, so the rule tests one field more than Discord's
# and outranks it. Proven on i3d.pcap (four sessions on different days, same stream id).

protocol i3D id 301 category Game
  rule address-discovery
    transport udp
    packet within 4
    len >= 74
    u16@0 in {0x0001, 0x0002}
    u16@2 == 0x0046
    u32@4 == 0x0003cfa8
    # i3d.pcap, 192.168.2.100:60476 -> 213.163.87.47:50004 (the request, 74 bytes)
    example match 000100460003cfa8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    # i3d.pcap, 213.163.87.47:50004 -> 192.168.2.100:60476 (the answer, 74 bytes)
    example match 000200460003cfa839302e3138362e3133322e3133330000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000ec3c
    # Discord's own IP discovery (discord.pcap, 192.168.2.100:57955 -> 66.22.196.173:50004):
    # another stream id
    example nomatch 000100460000ace3000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006f74

  rule rtp-extension
    transport udp
    packet within 4
    len >= 74
    u16@0 in {0x9078, 0x9067}
    u32@8 == 0x0003cfa9
    u32@12 == 0xbede0003
    # built from nDPI's pattern (no such packet in the corpora): header, stream id, extension
    # header, then 58 bytes of payload
    example match 90789425000000000003cfa9bede0003000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    # the same header in a datagram too short to be one
    example nomatch 90789425000000000003cfa9bede00030000
