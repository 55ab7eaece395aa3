# Toca Boca's games talk to Photon (Exit Games) servers on UDP 5055. A Photon datagram has a
# 12-byte header (peer id, flags, command count, timestamp, challenge), then commands of
# 12 bytes or more: type, channel (0xFF for the control channel), flags, reserved, a 32-bit
# length and a reliable sequence number. nDPI names these flows TocaBoca: the client's first
# datagram (peer id 0xFFFF, one command, a CONNECT command 0x02 on channel 0xFF), any datagram
# whose first command is an acknowledgement (0x01) of 20 bytes, and the server's 13-byte
# ping reply of 0x7D bytes.

protocol TocaBoca id 155 category Game
  rule connect
    transport udp
    packet first
    len >= 24
    u32@0 == 0xffff0001
    u32@12 == 0x02ff0104
    # toca-boca.pcap, 192.168.2.100:50173 -> 91.199.81.225:5055
    example match ffff00010000000422b6e6ba02ff01040000002c00000001000004b000008000000000020000000000000000000013880000000200000002

  rule acknowledgement
    transport udp
    len >= 32
    u16@2 in 1..3
    u32@12 in {0x01ff0000, 0x01000000}
    u32@16 == 0x00000014
    # toca-boca.pcap, 91.199.81.225:5055 -> 192.168.2.100:50173
    example match 000000027dfbd18522b6e6ba01ff00000000001400000000000000010000000403ff01000000002c00000000bbc804b000008000000000020000000000000000000013880000000200000002

  rule ping-reply
    transport udp
    len >= 13
    u32@0 == 0x7d7d7d7d
    u32@4 == 0x7d7d7d7d
    u32@8 == 0x7d7d7d7d
    # toca-boca.pcap, 91.199.81.130:5055 -> 192.168.2.100:43064
    example match 7d7d7d7d7d7d7d7d7d7d7d7d12
