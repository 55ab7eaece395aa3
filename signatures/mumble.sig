# Mumble voice chat (UDP, default port 64738). Before a client connects it pings the server
# with 12 bytes: a 32-bit zero request type and a 64-bit identifier; the server answers with
# 24 bytes: its version as 4 bytes (major as a 16-bit word, minor, patch: 00 01 03 04 for
# 1.3.4), the identifier echoed, then users, maximum users and allowed bandwidth (32 bits each).
# The answer is named, after the request went the other way: version 1.x, length 24.

protocol Mumble id 387 category VoIP
  rule ping-answer
    transport udp
    packet within 4
    direction to-client
    both-directions
    len == 24
    u16@0 == 0x0001
    u8@2 <= 9
    # mumble.pcapng, 5.39.185.162:64738 -> 192.168.88.208:50085 (server 1.3.4)
    example match 0001030403d72000fa76287e000000000000006400011940
    # mumble.pcapng, 87.122.110.156:64738 -> 192.168.88.208:50085 (server 1.3.0)
    example match 0001030051792100e2eb5351000000000000004b00011940
    # The client's 12-byte request is not the answer.
    example nomatch 0000000003d72000fa76287e
