# Cisco's Gateway Load Balancing Protocol (GLBP): the routers of a group elect a virtual gateway
# and share the forwarding among virtual MAC addresses, speaking on UDP 3222 (both ports) to
# 224.0.0.102 or to each other. Cisco publishes no wire format; the layout here is the one
# Wireshark's dissector (epan/dissectors/packet-glbp.c) reads, and nDPI's dissector
# (src/lib/protocols/glbp.c, id 452, category Network; both ports 3222, version at most 1)
# agrees with it; nDPI's glbp.pcapng carries 40- and 32-byte messages, the sizes below.
#   header (12 bytes): version 1, a byte 0-4, group (u16), two bytes, owner id (a MAC address)
#   then TLVs of type (1), length (1, counting itself):
#   Hello (1), 28 bytes with an IPv4 virtual address, 40 with an IPv6 one: a byte, the VG
#     state, a byte, the priority, two bytes, the hello interval and the hold interval in
#     milliseconds (u32 each; a hello interval is at most 60 s, so its top 16 bits are zero),
#     redirect and timeout (u16 each), two bytes, address type (1 IPv4, 2 IPv6), its length
#     (4 or 16) and the address;
#   Request/Response (2), 20 bytes: forwarder, VF state, a byte, priority, weight, seven bytes
#     and the virtual MAC address, which is always 00:07:b4 followed by six zero bits, the
#     10-bit group and the forwarder number.
# With authentication configured an Auth TLV (3) comes first; such messages are not named here.
# No capture in the corpora: the examples are built from the layout above, with the values of
# the debug output quoted in Wireshark's dissector (group 1020, hello 3000, hold 10000, vMAC
# 0007.b403.fc01).

protocol GLBP id 452 category Network
  rule hello-ipv4
    transport udp
    port 3222
    packet within 4
    u8@0 == 1
    u8@1 in 0..4
    u8@12 == 1
    u8@13 == 0x1c
    u16@20 == 0
    u8@34 == 1
    u8@35 == 4
    # built: group 1020, VG active, priority 100, virtual address 10.20.20.100
    example match 010003fc0000c2007cb80000011c00200064000000000bb80000271002583840000001040a141464
    # built: the same Hello followed by a Request/Response TLV for forwarder 1
    example match 010003fc0000c2007cb80000011c00200064000000000bb80000271002583840000001040a1414640214012000a764000000000000000007b403fc01
    # the IPv6 Hello below
    example nomatch 010003fc0000c2007cb80000012800200064000000000bb8000027100258384000000210fe80000000000000c80008fffe64aaaa

  rule hello-ipv6
    transport udp
    port 3222
    packet within 4
    u8@0 == 1
    u8@1 in 0..4
    u8@12 == 1
    u8@13 == 0x28
    u16@20 == 0
    u8@34 == 2
    u8@35 == 16
    # built: group 1020, virtual address fe80::c800:8ff:fe64:aaaa
    example match 010003fc0000c2007cb80000012800200064000000000bb8000027100258384000000210fe80000000000000c80008fffe64aaaa
    # the IPv4 Hello above
    example nomatch 010003fc0000c2007cb80000011c00200064000000000bb80000271002583840000001040a141464

  rule request-response
    transport udp
    port 3222
    packet within 4
    u8@0 == 1
    u8@1 in 0..4
    u8@12 == 2
    u8@13 == 0x14
    u16@26 == 0x0007
    u8@28 == 0xb4
    u8@29 & 0xfc == 0
    # built: group 1020, forwarder 1 active, priority 167, weight 100, vMAC 0007.b403.fc01
    example match 010203fc0000c2007cb800000214012000a764000000000000000007b403fc01
    # the same with a virtual MAC outside GLBP's 00:07:b4 block
    example nomatch 010203fc0000c2007cb800000214012000a764000000000000000000005e0001fc
