# Ubiquiti device discovery (UniFi, airMAX, EdgeOS, UniFi Protect, AirControl) on UDP 10001:
# a controller or app broadcasts the 4-byte probe 01 00 00 00 (version 1, command 0, no body);
# devices answer, and announce themselves unasked, with a 4-byte header (version 1 or 2, a
# command byte, a big-endian u16 length of what follows) and then type/length/value fields
# (type u8, length u16), the first being the hardware address (0x01) or the address pair
# (0x02, MAC and IPv4). Tested: the whole probe (32 bits), or the version, the length field
# against the datagram (16 bits) and the first field's type (7 bits).

protocol UBNTAC2 id 31 category Network
  rule probe
    transport udp
    port 10001
    len == 4
    u32@0 == 0x01000000
    # the probe as Ubiquiti's tools send it to 255.255.255.255:10001
    example match 01000000
    example nomatch 01000001

  rule reply-v1
    transport udp
    port 10001
    len >= 8
    u16@0 == 0x0100
    len == u16@2 + 4
    u8@4 in {0x01, 0x02}
    # built from the layout above: address pair, MAC, uptime, host name, model and firmware
    example match 0100005702000afcecda123456c0a80114010006fcecda1234560a000400000e100b000961702d6f66666963650c00055537504732030023425a2e716361393536782e362e362e37372e31353430322e3234303831332e30393334
    # the same with a length one byte too long
    example nomatch 0100005802000afcecda123456c0a80114010006fcecda1234560a000400000e100b000961702d6f66666963650c00055537504732030023425a2e716361393536782e362e362e37372e31353430322e3234303831332e30393334

  rule announce-v2
    transport udp
    port 10001
    len >= 8
    u8@0 == 0x02
    len == u16@2 + 4
    u8@4 in {0x01, 0x02}
    # built from the layout above, version 2
    example match 0206005702000afcecda123456c0a80114010006fcecda1234560a000400000e100b000961702d6f66666963650c00055537504732030023425a2e716361393536782e362e362e37372e31353430322e3234303831332e30393334
