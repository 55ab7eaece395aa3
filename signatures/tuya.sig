# Tuya local protocol (smart-home devices, UDP 6666/6667 broadcasts): frames start with the
# prefix 00 00 55 AA and end with 00 00 AA 55.

protocol TuyaLP id 331 category IoT-Scada
  rule frame
    transport udp
    port 6666, 6667
    len >= 20
    prefix 0x000055aa
    # tuya_lp.pcap, 192.168.242.181:49154 -> 255.255.255.255:6667 (first 96 of 188 bytes)
    example match 000055aa0000000000000013000000ac0000000097b93fee4b69c95feeb3d33bda352952575ce1923665dde45dab61ac9ede04ff65157a7e0aa8cfa824c81516522777a63e1ef07d9b779ffaf5f9a747c3f90f64d24e9fdca7a53a8a2ab344b6
