# Omron FINS (Factory Interface Network Service) over UDP, usually port 9600. A 10-byte header:
# ICF 0x80 (command, response required) or 0xC0/0xC1 (response); RSV 0; GCT 0x02 (gateways
# allowed); destination network (0x00-0x7F), node, unit; source network (0x00-0x7F), node, unit;
# service id. A unit address is 0x00 (CPU), 0xFE (the Ethernet unit), 0xE1 (inner board) or
# 0x10-0x1F (a CPU bus unit).
# Precision: ICF 3 of 256, RSV and GCT fixed, both networks 7-bit, both units 19 of 256 (about
# 32 bits).

protocol FINS id 362 category IoT-Scada
  rule udp
    transport udp
    len >= 11
    u8@0 in {0x80, 0xc0, 0xc1}
    u16@1 == 0x0002
    u8@3 <= 0x7f
    u8@5 in {0x00, 0xfe, 0xe1, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}
    u8@6 <= 0x7f
    u8@8 in {0x00, 0xfe, 0xe1, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}
    # fins.pcap, 10.4.14.102:58722 -> 10.130.130.130:9600 (memory area read command)
    example match 8000020000000000007a010100cccccc0001
    # RSV must be zero.
    example nomatch 8001020000000000007a010100cccccc0001
