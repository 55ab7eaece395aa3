# Call of Duty: Mobile. The client pings its game server on UDP 7500 with a 12-byte datagram
# ending "ping" (echoed back), and the match data carries the loadout names in clear text in a
# datagram opening with 0xCE.

protocol CoD_Mobile id 186 category Game
  rule ping
    transport udp
    port 7500
    len == 12
    at 8 "ping"
    # codm.pcap, 10.215.173.1:40282 -> 23.248.172.158:7500
    example match bbb653ea96fdbb0370696e67

  rule loadout
    transport udp
    len >= 351
    u8@0 == 0xce
    contains "LOC_PREFAB_LOADOUTNAME_1"
