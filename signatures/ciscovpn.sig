# Cisco VPN client (legacy IPsec over UDP 10000, "cTCP/NAT-T over UDP"): both endpoints on
# port 10000 and the datagram opening FE 57 7E 2B (nDPI's ciscovpn dissector).
# No capture in the corpora: the example is built from the format.

protocol CiscoVPN id 161 category VPN
  rule udp-10000
    transport udp
    client-port 10000
    server-port 10000
    prefix 0xfe577e2b
    # built from the format
    example match fe577e2b0000000100000000
    example nomatch fe577e2c0000000100000000
