# WireGuard (https://www.wireguard.com/protocol/): every message opens with a type byte (1-4)
# and three reserved zero bytes. The handshake messages have fixed sizes (initiation 148,
# response 92, cookie reply 64); transport data carries the receiver's 32-bit index at offset
# 4, the same in every packet of one direction, then a 64-bit little-endian counter and the
# encrypted packet (at least a 16-byte tag).

protocol WireGuard id 206 category VPN
  rule handshake-initiation
    transport udp
    packet within 5
    u32@0 == 0x01000000
    len == 148

  rule handshake-response
    transport udp
    packet within 5
    u32@0 == 0x02000000
    len == 92

  rule cookie-reply
    transport udp
    packet within 5
    u32@0 == 0x03000000
    len == 64

  # A flow caught after its handshake: two data packets of one direction with the same
  # receiver index (a type word and a stable index: 96 bits over the two packets).
  rule transport-data
    transport udp
    packet within 8
    u32@0 == 0x04000000
    len >= 32
    repeat 2 same u32@4
    # tailscale.pcap, 18.196.71.179:41641 -> 192.168.88.3:41641
    example match 0400000098c83e7a0000000000000000ce777ee00464f753e45766e034bf5328ef4cb8cf7bb4273e2436097b7e981ed8f16ad3d0b8bf69792384e04eda767ec273572d133037ed57d80da92c2fbf41d27c06c8e50f82c6dc59b87009acad1fd4754ae6298399b3a851cf8494038710870e7bc1420b2e7293a78efc990f523f9f
    # cloudflare-warp.pcap, 192.168.1.84:60555 -> 162.159.192.7:2408 (WARP's variant: reserved bytes set)
    example nomatch c40278006884ee00010000000000000077f597b966c0cebed8ddd93582b00a0f226c597ce17ec4a879a4ca

# TunnelBear's WireGuard servers answer a longer handshake: the same header, but an initiation
# of 204 bytes and a response of 100 (nDPI names such flows WireGuard.TunnelBear).
protocol TunnelBear id 299 category VPN
  rule handshake-initiation-204
    transport udp
    packet within 5
    u32@0 == 0x01000000
    len == 204
    # tunnelbear.pcap, 10.0.2.15:57636 -> 142.93.78.79:51820
    example match 01000000316618ac09ad0e1ccda196d9f8af6627c303d6d9811fa0a060b52f55d3e536f87df38d4c48889e8ec00c25e0bfa8af86339accc8c2fedddf358f85eac52598bb092890c283218f527b7ffeb24f022bb400d7fc145f00ec9df5de39f214902d46ae83bd5537582f1b20ad93bf0167ddb25445d47b24e396f1ae2282a8a0785039724848e7e1755c73d2998f004b42beb0ab95c61d3ca718712cfb1db7088e4e4091d316eb35f620db502881a44c8db7d03ec48b0d839a318000000000000000000000000000000000

  rule handshake-response-100
    transport udp
    packet within 5
    u32@0 == 0x02000000
    len == 100
    # tunnelbear.pcap, 142.93.78.79:51820 -> 10.0.2.15:57636
    example match 0200000002ca1a00316618ac0a000533ac110301131365569c1ed86608418d59e9350dca4c94ce103d928c558ef2cd5d202a107727d5f00134b81a06d0e4a2697f8fd0c4464d87c00132402fa4411b1e60a5dfe200000000000000000000000000000000
