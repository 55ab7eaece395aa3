# Cisco Meraki devices and the Meraki cloud (UDP 7351): every datagram opens with the magic
# FE F7 28 91.

protocol MerakiCloud id 66 category Network
  rule meraki
    transport udp
    u32@0 == 0xfef72891
    # merakicloud.pcapng, 2.36.234.133:47301 -> 209.206.59.34:7351 (first 64 bytes)
    example match fef728910d010070068a1b4e000000002a66c997000000000056020863bebe1b2a09150403241cf31e6df0b79271643b2615587f3af94ad4879f99922c27813a
