# SNMP (RFC 1157, 3416): a BER SEQUENCE (0x30) holding an INTEGER version (0, 1 or 3), on the
# agent port 161 or the trap port 162. The examples are from pcaps/snmp-netsnmp.pcap, real
# net-snmp traffic captured between two namespaces by pcaps/capture-snmp.sh (first 32 bytes).

protocol SNMP id 14 category Network
  rule snmp-short-length
    transport udp
    port 161, 162
    u8@0 == 0x30
    u8@1 < 0x80
    u16@2 == 0x0201
    u8@4 in {0, 1, 3}
    # v1 get-request, 10.99.0.1:54565 -> 10.99.0.2:161 (community "public")
    example match 303702010004067075626c6963a02a020475f27159020100020100301c300c06
    # v2c trap, 10.99.0.2:35991 -> 10.99.0.1:162
    example match 305e02010104067075626c6963a7510204043ad3140201000201003043300f06
    # the v2c bulk answer below has a two-byte length: not this rule
    example nomatch 3082017302010104067075626c6963a282016402041b1902b402010002010030

  rule snmp-long-length
    transport udp
    port 161, 162
    u8@0 == 0x30
    u8@1 == 0x81
    u16@3 == 0x0201
    u8@5 in {0, 1, 3}
    # v3 encrypted answer, 10.99.0.2:161 -> 10.99.0.1:54108
    example match 3081940201033011020417d731f9020300ffe3040103020103043a3038041180

  rule snmp-long-length-2
    transport udp
    port 161, 162
    u8@0 == 0x30
    u8@1 == 0x82
    u16@4 == 0x0201
    u8@6 in {0, 1, 3}
    # v2c get-bulk answer, 10.99.0.2:161 -> 10.99.0.1:51322
    example match 3082017302010104067075626c6963a282016402041b1902b402010002010030
