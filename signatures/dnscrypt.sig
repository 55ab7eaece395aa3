# DNSCrypt (v1/v2). A client first asks the resolver for its certificate with a plain DNS TXT
# query for "2.dnscrypt-cert.<provider>"; encrypted responses start with the fixed resolver
# magic "r6fnvWj8". Its port is anything (443 and 1053 are common), so the bytes decide; the
# explicit priority makes it win over the generic DNS rules for the certificate query.

protocol DNScrypt id 208 category Network
  rule certificate-query
    priority 10
    transport udp
    len >= 30
    u16@4 == 1
    at 12 0x01320d
    at 15 "dnscrypt-cert"

  rule resolver-magic
    priority 10
    transport udp
    direction to-client
    packet within 4
    len >= 24
    prefix "r6fnvWj8"
