# RTPS, the Real-Time Publish-Subscribe wire protocol of DDS (OMG DDSI-RTPS 2.x), UDP (7400 and
# up by the spec's port mapping; discovery on multicast 239.255.0.1). Every message starts with
# the magic "RTPS" (RTI Connext's variant "RTPX"), the protocol version (major 2, minor 0-5), a
# vendor id and a 12-byte GUID prefix, then submessages.
# Precision: 32 fixed bits, a fixed major version and 6 of 256 minor versions (about 46 bits).

protocol RTPS id 359 category RPC
  rule rtps
    transport udp
    len >= 20
    prefix "RTPS"
    u8@4 == 2
    u8@5 <= 5
    # rtps-cyclonedds.pcap, 10.98.6.2:35626 -> 10.98.6.1:44103 (Cyclone DDS, RTPS 2.1: the
    # subscriber's endpoint discovery to the publisher)
    example match 52545053020101100110cee428e52950b6a2b1a209010800bb650d6bb1c53f8f150528010000100000000000000003c2000000000400000000030000050014000f0000004444535065726652506f6e674b53000007001000090000004b65796564536571000000001a000c00020000000a0000000000000029002c00010000002400000030313130663435355f30613761343735395f39373939613634305f303030303031633100730008000200000000000200750064006000000001100040280000002400000014000000f1fa0413693f17171633962dcd81a2004c00000000000000040000000000000002100040280000002400000014000000f2c6e6285a68c8f6cd7c4203c46cb2007a000000000000000400000000000000150004000201000016000400011000005a0010000110cee428e52950b6a2b1a200000e020c8004000100000001000000
    # RTPS version 3 does not exist.
    example nomatch 52545053030101100110cee428e52950b6a2b1a209010800

  rule rtpx
    transport udp
    len >= 20
    prefix "RTPX"
    u8@4 == 2
    u8@5 <= 5
