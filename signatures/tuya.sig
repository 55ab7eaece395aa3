# Tuya local protocol (smart-home devices; UDP 6666/6667 broadcasts, TCP 6668). A frame is the
# prefix 00 00 55 AA, a 32-bit sequence number, a 32-bit command, a 32-bit length that counts
# everything after itself (return code, payload, CRC and suffix), and the suffix 00 00 AA 55.
# Precision: 64 fixed bits and the 32-bit length equal to the datagram's rest (about 96 bits).

protocol TuyaLP id 331 category IoT-Scada
  rule frame
    transport udp
    len >= 20
    prefix 0x000055aa
    len == u32@12 + 16
    u32@-4 == 0x0000aa55
    # tuya_lp.pcap, 192.168.242.181:49154 -> 255.255.255.255:6667 (a 188-byte discovery beacon)
    example match 000055aa0000000000000013000000ac0000000097b93fee4b69c95feeb3d33bda352952575ce1923665dde45dab61ac9ede04ff65157a7e0aa8cfa824c81516522777a63e1ef07d9b779ffaf5f9a747c3f90f64d24e9fdca7a53a8a2ab344b6af3744fe3aca3f69959a0a4302e43bef3ca711a2b189c2c76abcb78aa7d53131c099586d8ca65040d5f3f92cf2597fefa648d16c2b222b21c0f3073900ab80376782661001378ecd7f81a8553c8a5f24f1cbb1c5dc7244110000aa55
    # The same beacon without its suffix.
    example nomatch 000055aa0000000000000013000000ac0000000097b93fee4b69c95feeb3d33bda352952575ce1923665dde45dab61ac9ede04ff65157a7e0aa8cfa824c81516522777a63e1ef07d9b779ffaf5f9a747c3f90f64d24e9fdca7a53a8a2ab344b6af3744fe3aca3f69959a0a4302e43bef3ca711a2b189c2c76abcb78aa7d53131c099586d8ca65040d5f3f92cf2597fefa648d16c2b222b21c0f3073900ab80376782661001378ecd7f81a8553c8a5f24f1cbb1c5dc72441100000000
