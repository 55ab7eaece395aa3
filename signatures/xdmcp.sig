# XDMCP (X Display Manager Control Protocol, X11R6), UDP 177: version 1, an opcode (1-13:
# BroadcastQuery ... Alive), and a length that counts the bytes after the 6-byte header.

protocol XDMCP id 15 category RemoteAccess
  rule xdmcp
    transport udp
    u16@0 == 1
    u16@2 in 1..13
    len == u16@4 + 6
    # xdmcp.pcap, 10.1.2.2:61426 -> 10.1.2.4:177 (Query)
    example match 00010002000100
    # xdmcp.pcap, 10.1.2.4:177 -> 10.1.2.2:61426 (Willing)
    example match 00010005001700000000001157696c6c696e6720746f206d616e616765
