# TeamSpeak 3 voice (UDP, default server port 9987). Every packet starts with an 8-byte MAC;
# the connection handshake ("Init1", five packets, unencrypted) uses the fixed MAC "TS3INIT1",
# packet id 101 (0x0065) and, from the client, client id 0 then packet type 0x88
# (Init1 | Unencrypted): "TS3INIT1" 00 65 00 00 88. The server's Init1 answers carry
# "TS3INIT1" 00 65 88.

protocol TeamSpeak id 162 category VoIP
  rule init1-client
    transport udp
    prefix "TS3INIT1"
    u16@8 == 0x0065
    u16@10 == 0x0000
    u8@12 == 0x88
    # teamspeak3.pcap, 10.0.0.1:53187 -> 10.0.0.2:9987 (Init1 step 0)
    example match 545333494e49543100650000880dd05766005f5916e0ade76b610000000000000000
    # The next packet of the same flow is encrypted (its MAC is not TS3INIT1).
    example nomatch 797463e893ba7e6000000000229d748b45aa7befb99efead0819bacf41e016a21573daf093e24b5e

  rule init1-server
    transport udp
    direction to-client
    prefix "TS3INIT1"
    u16@8 == 0x0065
    u8@10 == 0x88
