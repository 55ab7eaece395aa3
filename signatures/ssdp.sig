# SSDP (UPnP discovery): HTTP over UDP, usually to 239.255.255.250:1900, but also unicast to
# other ports, so the request line decides.

protocol SSDP id 12 category System
  rule m-search
    transport udp
    prefix "M-SEARCH * HTTP/1."
    # anyconnect-vpn.pcap, 10.0.0.227:61328 -> 239.255.255.250:1900 (first 96 of 174 bytes)
    example match 4d2d534541524348202a20485454502f312e310d0a484f53543a203233392e3235352e3235352e3235303a313930300d0a4d414e3a2022737364703a646973636f766572220d0a4d583a20310d0a53543a2075726e3a6469616c2d6d756c7469

  rule notify
    transport udp
    prefix "NOTIFY * HTTP/1."
    # skype.pcap, 192.168.0.254:1025 -> 239.255.255.250:1900 (first 96 of 291 bytes)
    example match 4e4f54494659202a20485454502f312e310d0a484f53543a203233392e3235352e3235352e3235303a313930300d0a43414348452d434f4e54524f4c3a206d61782d6167653d3130300d0a4c4f434154494f4e3a20687474703a2f2f3139322e

  # Answers to an M-SEARCH come back from a device's own port: the USN header tells them apart
  # from other HTTP over UDP.
  rule response
    transport udp
    prefix "HTTP/1.1 200 OK\x0d\x0a"
    contains "USN:"
    # anyconnect-vpn.pcap, 10.0.0.151:1900 -> 10.0.0.227:61328 (first 96 of 311 bytes)
    example match 485454502f312e3120323030204f4b0d0a43616368652d436f6e74726f6c3a206d61782d6167653d333630300d0a53543a2075726e3a6469616c2d6d756c746973637265656e2d6f72673a736572766963653a6469616c3a310d0a55534e3a20
