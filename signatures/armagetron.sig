# Armagetron Advanced (a Tron light-cycle game) over UDP, port 4534 by default. A datagram is a
# sequence of messages made of big-endian 16-bit words (a descriptor: the message type; a
# message id; the length of the data in words; the data), followed by the sender's 16-bit user
# id, zero for a client not logged in yet (Wireshark's armagetronad dissector reads it so).
# Facts from nDPI's armagetron.c (protocol 104) and pcaps/armagetron.pcap (Debian's 0.2.9
# client and dedicated server, pcaps/capture-armagetron.sh):
# - the client opens with a login request alone in its datagram: descriptor 11, message id 0,
#   a data length L with 2 L + 8 = the datagram length, sender id 0. nDPI also wants the first
#   data word to be 8; the 0.2.9 client sends 0x0040 there, so the rule does not test it.
#   The language cannot say "2 L + 8", so the length is only bounded (L <= 732 fits 1472 bytes).
# - nDPI also names a 16-byte synchronisation message: descriptor 28, a non-zero message id,
#   four data words 0000 0500 0001 0000, sender id 0 (the 0.2.9 capture has none).

protocol Armagetron id 104 category Game
  rule login-request
    transport udp
    len >= 10
    u32@0 == 0x000b0000
    u16@4 in 1..732
    u16@-2 == 0x0000
    # armagetron.pcap, 10.95.0.1:46437 -> 10.95.0.2:4534 (the login request, 200 bytes)
    example match 000b00000060004000010099494c554e205853204c443120322e550a4553535f4c44313d430a3d440a315346303d470a5f4c4556444e524f4d3d73652f612e58726f0a674c47525f4e45454445523d526c6c6d766970657028204c4c4d5631202e352e302c3632203635622074692973470a5f4c455653524f493d4e2e34203543286d6f617069746962696c797450206f726966656c2029654d617332202e322e330a36000000000000001100000006202c646d00351329af258bc4228efd7736906878324b0000
    # built from nDPI's layout: five data words, the first one 8 (18 bytes)
    example match 000b00000005000800140000000000000000
    # a sender id that is not zero
    example nomatch 000b00000005000800140000000000000007
    # another descriptor
    example nomatch 000c00000005000800140000000000000000

  rule sync
    transport udp
    len == 16
    u16@0 == 0x001c
    not u16@2 == 0
    u16@4 == 0x0004
    u32@6 == 0x00000500
    u32@10 == 0x00010000
    u16@14 == 0x0000
    # built from nDPI's layout: descriptor 28, message id 0x1234, four data words, sender 0
    example match 001c1234000400000500000100000000
    # message id zero
    example nomatch 001c0000000400000500000100000000
