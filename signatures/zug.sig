# ZUG, the consensus protocol of the Casper 2.0 blockchain, UDP 19000: a 16-bit length that
# counts the whole datagram, the bytes "UG" and 0x10, then encrypted data.
# Precision: 24 fixed bits and the length equal to the datagram's (about 40 bits).

protocol ZUG id 415 category Mining
  rule udp
    transport udp
    len >= 5
    len == u16@0
    at 2 0x554710
    # zug.pcap, 197.130.35.95:39594 -> 163.40.238.205:19000
    example match 007a554710aea041006ebc2a68b26e7743938878727cb2851556c2bc2aed5067be1798104af6e95e66f8a88af9b71b4d2368adf54a2b4be5990d907021e439300328bf2f9bcdba43b508c00d1fd7d345f2db286ef8708a74d1f26c6b5de2a71337ba2a3552da9c775e93c28ac2c369765fb9203d8ec239a70bfa
    # The same datagram cut short: the length no longer matches.
    example nomatch 007a554710aea041006ebc2a68b26e7743938878727cb2851556c2bc2aed5067be
