# Gaijin Entertainment (War Thunder, Enlisted). The game client's 52-byte connect request
# opens 8F FF 00 and carries 82 FF 00 01 at offset 4; the launcher and game report telemetry
# over UDP as text events "app.start,...", "app.stage,...", "embeddedupdater.*".

protocol GaijinEntertainment id 396 category Game
  rule connect
    transport udp
    len == 52
    u16@0 == 0x8fff
    u8@2 == 0
    u32@4 == 0x82ff0001
    # gaijin_warthunder.pcap, 192.168.88.231:36929 -> 185.253.20.249:20021
    example match 8fff000182ff00010000ffff000004b000010000000000ff000000000000000000001388000000000000000096990a4400260000

  rule telemetry-app-start
    transport udp
    len >= 101
    prefix "app.start"
    # gaijin_warthunder.pcap, 192.168.88.231:37333 -> 95.211.246.178:20011 (first 48 bytes)
    example nomatch 6170702e73746172742c656e763d70726f64756374696f6e2c636972

  rule telemetry-app-stage
    transport udp
    len >= 101
    prefix "app.stage"

  rule telemetry-updater
    transport udp
    len >= 101
    prefix "embeddedupdater."
    # gaijin_mobile_mixed.pcap, 10.215.173.1:42424 -> 95.211.246.178:20011
    example match 656d626564646564757064617465722e73746172742c656e763d70726f64756374696f6e2c636972637569743d77746d2d70726f64756374696f6e2c6170706c69636174696f6e3d636c69656e742c70726f6a6563743d7761727468756e6465722c706c6174666f726d3d616e64726f69642c686f73743d686f73745f636c69656e743a317c63
