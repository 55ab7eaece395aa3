# Syslog (RFC 3164, 5424) over UDP 514: the message opens with a priority: `<`, 1-3 digits,
# `>`, then printable text (an RFC 5424 version digit, a BSD timestamp or a host name). One rule
# per number of digits.

protocol Syslog id 17 category System
  rule priority-1
    packet within 4
    transport udp
    port 514
    u8@0 == 0x3c
    u8@1 in 0x30..0x39
    u8@2 == 0x3e
    u8@3 in 0x20..0x7e

  rule priority-2
    transport udp
    port 514
    u8@0 == 0x3c
    u8@1 in 0x31..0x39
    u8@2 in 0x30..0x39
    u8@3 == 0x3e
    u8@4 in 0x20..0x7e
    # syslog.pcap, 95.136.242.54:514 -> 93.20.126.110:514 (first 96 of 653 bytes)
    example match 3c32363e4a616e2030312030303a30313a3437206e6236206e62643a2030313d373b30333d39352e3133362e3234322e35343b30343d4e42362d4658432d72323b30353d4530413144373138433237303b30363d3130373b32303d313b32393d

  rule priority-3
    transport udp
    port 514
    u8@0 == 0x3c
    u8@1 == 0x31
    u8@2 in 0x30..0x39
    u8@3 in 0x30..0x39
    u8@4 == 0x3e
    u8@5 in 0x20..0x7e
