# Tailscale (https://github.com/tailscale/tailscale, disco/disco.go). Beside WireGuard, peers
# exchange "disco" messages (ping, pong, call-me-maybe) on the same socket: the 6-byte magic
# "TS" + U+1F4AC in UTF-8 (54 53 F0 9F 92 AC), the sender's 32-byte disco key, a 24-byte nonce,
# then a NaCl box (16-byte tag, a type byte and its body).

protocol Tailscale id 24 category VPN
  rule disco
    transport udp
    packet within 24
    prefix 0x5453f09f92ac
    len >= 79
    # tailscale.pcap, 192.168.88.3:41641 -> 18.196.71.179:41641
    example match 5453f09f92acb6847dd212ae777bfae214b36d0d971152f0c7e0524e0c28b0a0105b5fa6161703214ee94e401257e70fa30f02a2c6b15bb7ab39de58a6aba6dfda69f578e7c967976bd80ea2e2ca6e18b699846a9aa1b71d6a965bee
    # tailscale.pcap, 18.196.71.179:41641 -> 192.168.88.3:41641 (WireGuard data, first 32 bytes)
    example nomatch 0400000098c83e7a0000000000000000ce777ee00464f753e45766e034bf5328
