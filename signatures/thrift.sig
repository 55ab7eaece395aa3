# Apache Thrift over UDP, as Jaeger's tracing agents use it (UDP 6831): one oneway call per
# datagram in the compact protocol: protocol id 0x82, a byte holding the message type (1 call,
# 2 reply, 3 exception, 4 oneway) in its top three bits and version 1 in its low five, a varint
# sequence id, a varint name length and the method name, here the Agent service's "emitBatch" or
# "emitZipkinBatch" (jaeger-idl agent.thrift), then the struct.
# Over TCP, the strict binary protocol: version word 0x8001, a zero byte, the message type (1-4),
# a 32-bit name length, the name, a 32-bit sequence id.
# Precision: UDP 8 fixed bits, 4 of 256 type/version bytes and the 9- or 15-byte method name
# (over 80 bits); TCP 24 fixed bits, 4 of 256 types, a name shorter than 65536 bytes that fits
# in the segment and starts with a letter (about 48 bits). Other Thrift over UDP has no fixed
# bytes beyond the first two; it needs a helper that walks the varints and checks the name.

protocol Thrift id 345 category RPC
  rule jaeger-emit-batch
    transport udp
    len >= 16
    u8@0 == 0x82
    u8@1 in {0x21, 0x41, 0x61, 0x81}
    contains "emitBatch"
    # thrift.pcap, 127.0.0.1:49164 -> 127.0.0.1:6831 (a Jaeger span batch; its first 64 bytes)
    example match 8281b2810109656d697442617463681c1c18186d61747269782e6f726720746573745f776f726b65722d31193c180e6a61656765722e76657273696f6e150018
    # The same bytes in Thrift's binary protocol framing (0x80 0x01): not the compact protocol.
    example nomatch 8001b2810109656d697442617463681c1c18186d61747269782e6f7267

  rule jaeger-emit-zipkin-batch
    transport udp
    len >= 22
    u8@0 == 0x82
    u8@1 in {0x21, 0x41, 0x61, 0x81}
    contains "emitZipkinBatch"

  rule tcp-strict-binary
    transport tcp
    len >= 13
    u16@0 == 0x8001
    u8@2 == 0
    u8@3 in 1..4
    u16@4 == 0
    len >= u32@4 + 12
    u8@8 in 0x41..0x7a
    # thrift.pcap, 169.254.59.247:53387 -> 169.254.46.4:11010 (a call of anonymous_command_on)
    example match 8001000100000014616e6f6e796d6f75735f636f6d6d616e645f6f6e000000000800010000000000
    # A name longer than the segment.
    example nomatch 8001000100000034616e6f6e796d6f75735f636f6d6d616e645f6f6e000000000800010000000000
