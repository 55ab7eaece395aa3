# Cloudflare WARP. Its WireGuard variant keeps WireGuard's layout but sets the type byte's high
# bits (0xC1-0xC4 instead of 1-4) and uses the three reserved bytes for a client routing id, so
# the plain WireGuard rules do not see it. Transport data (0xC4) carries the receiver index at
# offset 4, stable within a direction, and a little-endian counter from 0.

protocol CloudflareWarp id 300 category VPN
  # Three data packets of one direction with the same receiver index: 8 + 64 bits.
  rule wireguard-variant-data
    transport udp
    packet within 10
    u8@0 == 0xc4
    len >= 32
    repeat 3 same u32@4
    # cloudflare-warp.pcap, 192.168.1.84:60555 -> 162.159.192.7:2408 (first 48 of 84 bytes)
    example match c40278006884ee00010000000000000077f597b966c0cebed8ddd93582b00a0f226c597ce17ec4a879a4ca
    # tailscale.pcap, 18.196.71.179:41641 -> 192.168.88.3:41641 (plain WireGuard, first 32 bytes)
    example nomatch 0400000098c83e7a0000000000000000ce777ee00464f753e45766e034bf5328

  # WARP's ingress addresses (Cloudflare's WARP firewall documentation: 162.159.192.0/24 to
  # 162.159.195.0/24 and 2606:4700:d0::/48, 2606:4700:d1::/48) on WARP's tunnel ports:
  # WireGuard on 2408, 500, 1701 and 4500, MASQUE on 443, 4443, 8443 and 8095.
  rule warp-ingress
    transport udp
    server-ip 162.159.192.0/22, 2606:4700:d0::/47
    server-port 2408, 500, 1701, 4500, 443, 4443, 8443, 8095
