# Matter (the Connectivity Standards Alliance's smart-home protocol; Matter Core Specification,
# 4.4 "Message Frame Format"), over UDP, usually IPv6, port 5540 (5542 for commissioners; nDPI's
# matter.c looks only there). Fields are little-endian. The message header: message flags (version
# 0 in the top four bits, a reserved bit, S = source node id present 0x04, DSIZ = destination
# 0 none / 1 a 64-bit node id / 2 a 16-bit group id), the 16-bit session id, the security flags
# (privacy 0x80, control 0x40, extensions 0x20, reserved 0x1C, session type 0x03), a 32-bit
# message counter, then the node ids the flags announce.
#
# Session establishment (PASE, CASE) runs in the unsecured session: session id 0, security flags
# 0, and the protocol header after the message header is in clear: exchange flags (initiator
# 0x01, ack 0x02, reliability 0x04; secured extensions 0x08, vendor 0x10 and the reserved bits
# clear here), the opcode of the Secure Channel protocol (standalone ack 0x10, PBKDFParamRequest
# 0x20 ... Pake3 0x24, Sigma1 0x30 ... Sigma2Resume 0x33, StatusReport 0x40), the exchange id,
# and the protocol id 0x0000 (Secure Channel). The initiator sends with a source node id (flags
# 0x04), the responder answers to it (flags 0x01): the protocol header starts at byte 16; with
# both node ids (0x05) at byte 24.
#
# Once secured, a message keeps its header in clear (version 0, node ids as the flags say,
# security flags 0x00 for unicast) and its session id, chosen by the peer, stays the same on
# every message a side sends.

protocol Matter id 457 category IoT-Scada
  rule secure-channel-handshake
    transport udp
    len >= 22
    u8@0 in {0x01, 0x04}
    u16@1 == 0x0000
    u8@3 == 0x00
    u8@16 & 0xf8 == 0x00
    u8@17 in {0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x30, 0x31, 0x32, 0x33, 0x40}
    u16@20 == 0x0000
    # pcaps/matter-matterjs.pcap, [fd5e:a43d::2]:32958 -> [fd5e:a43d::1]:5540 (frame 9, the
    # commissioner's PBKDFParamRequest; first 48 bytes)
    example match 040000003be2cd08f575bd9927d25a62052081e8000015300120c4262236c870c74d941dc30af4c01dad1eccb2bf83f5
    # the light's PBKDFParamResponse (frame 10, first 48 bytes)
    example match 01000000e220eb02f575bd9927d25a62062181e800003be2cd0815300120c4262236c870c74d941dc30af4c01dad1ecc
    # built from the specification: PBKDFParamRequest (flags 0x04, source node id, exchange
    # flags I|R, exchange 0x1234, Secure Channel), its TLV cut short
    example match 040000003d2c1b0a9f3c1e7a52d08b4605203412000015300120000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2502e803240300280418
    # PBKDFParamResponse (flags 0x01, destination node id, exchange flags A|R, acknowledged counter)
    example match 010000000100aa559f3c1e7a52d08b460621341200003d2c1b0a15300120202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f18
    # a secured message (session 0x2b1a): not a handshake
    example nomatch 001a2b0000100000c4a1f09e3b7d2258e61f0ab3947c5d20ee81736b4ad95f2e91c07a3b8d64e1f2039a4b5c6d7e

  rule secure-channel-handshake-both-node-ids
    transport udp
    len >= 30
    u8@0 == 0x05
    u16@1 == 0x0000
    u8@3 == 0x00
    u8@24 & 0xf8 == 0x00
    u8@25 in {0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x30, 0x31, 0x32, 0x33, 0x40}
    u16@28 == 0x0000
    # built from the specification: Sigma1 with source and destination node ids
    example match 05000000070000009f3c1e7a52d08b4601020304050607080530420000001530012001020304
    example nomatch 040000003d2c1b0a9f3c1e7a52d08b4605203412000015300120000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2502e803240300280418

  rule secured-session
    transport udp
    port 5540, 5542
    len >= 30
    u8@0 in {0x00, 0x01, 0x04, 0x05}
    not u16@1 == 0x0000
    u8@3 == 0x00
    repeat 3 same u16@1
    # pcaps/matter-matterjs.pcap, same flow, frame 16: the first message of the PASE session
    # (flags 0x05 with both node ids zero; first 48 bytes)
    example match 05cff9000bb4390a0000000000000000000000000000000070edd49563be0d51526745261feae85309767ee295ce2ac6
    # built from the specification: a secured unicast message of session 0x2b1a (counter 0x1000,
    # then the encrypted payload and its 16-byte tag)
    example match 001a2b0000100000c4a1f09e3b7d2258e61f0ab3947c5d20ee81736b4ad95f2e91c07a3b8d64e1f2039a4b5c6d7e
    example nomatch 000000000010000000000000000000000000000000000000000000000000000000
