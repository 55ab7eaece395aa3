# DNSCrypt (v1/v2). A client first asks the resolver for its certificate with a plain DNS TXT
# query for "2.dnscrypt-cert.<provider>"; encrypted responses start with the fixed resolver
# magic "r6fnvWj8". Its port is anything (443 and 1053 are common), so the bytes decide; the
# explicit priority makes it win over the generic DNS rules for the certificate query.

protocol DNScrypt id 208 category Network
  rule certificate-query
    priority 10
    transport udp
    packet within 4
    len >= 30
    u16@4 == 1
    at 12 0x01320d
    at 15 "dnscrypt-cert"
    # dnscrypt-v1-and-resolver-pings.pcap, 10.0.0.1:38388 -> 149.56.228.45:443 (first 96 of 512 bytes)
    example match 7f470100000100000000000101320d646e7363727970742d6365727408646e7363727970740463612d32000010000100000000000000000001c6000c01c200000000000000000000000000000000000000000000000000000000000000000000

  rule resolver-magic
    priority 10
    transport udp
    direction to-client
    packet within 4
    len >= 24
    prefix "r6fnvWj8"
    # dnscrypt-v1-and-resolver-pings.pcap, 151.80.222.79:443 -> 10.0.0.1:47545 (first 96 of 368 bytes)
    example match 7236666e76576a38ee94820de238d992cb31419a920c05262a97dde3d0453dc5d424db07d6d7c5f082ceae61089d445984296c8bc55f6ba7a0a11d596843f64c522f9e7c268370cc20c3e3d57f77805267948095eacd5b60a710d0856cce64a8
