# Tuya local protocol (smart-home devices, UDP 6666/6667 broadcasts): frames start with the
# prefix 00 00 55 AA and end with 00 00 AA 55.

protocol TuyaLP id 331 category IoT-Scada
  rule frame
    transport udp
    port 6666, 6667
    len >= 20
    prefix 0x000055aa
