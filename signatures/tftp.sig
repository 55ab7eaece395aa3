# TFTP (RFC 1350, options RFC 2347-2349, 7440), UDP 69 for the request; the transfer then runs
# between the client's port and a new port of the server, so the request and the transfer are
# two flows. A request (RRQ 1, WRQ 2) is a file name and a transfer mode, each ended by a zero
# byte; the transfer opens with DATA block 1 (a read), ACK block 0 (a write), an OACK carrying
# the accepted options, or an ERROR.

protocol TFTP id 96 category DataTransfer
  # One rule per transfer mode; modes are case-insensitive, clients send them in lower or
  # upper case.
  rule request-octet
    transport udp
    u16@0 in {1, 2}
    u8@2 != 0
    contains "\x00octet\x00"
    # tftp-hpa.pcap (pcaps/capture-infra.sh), 10.97.0.1:45105 -> 10.97.0.2:69 (RRQ readme.txt, octet)
    example match 0001726561646d652e747874006f6374657400
    # a DATA packet that happens to hold the word: not a request
    example nomatch 000300050a006f6374657400

  rule request-octet-upper
    transport udp
    u16@0 in {1, 2}
    u8@2 != 0
    contains "\x00OCTET\x00"

  rule request-netascii
    transport udp
    u16@0 in {1, 2}
    u8@2 != 0
    contains "\x00netascii\x00"
    # tftp-hpa.pcap, 10.97.0.1:55518 -> 10.97.0.2:69 (RRQ, netascii)
    example match 0001726561646d652e747874006e6574617363696900

  rule request-netascii-upper
    transport udp
    u16@0 in {1, 2}
    u8@2 != 0
    contains "\x00NETASCII\x00"

  # A read: the server's first DATA packet, block 1, 4 to 65468 bytes of data.
  rule read-transfer
    transport udp
    packet first
    u32@0 == 0x00030001
    # tftp-hpa.pcap, 10.97.0.2:59008 -> 10.97.0.1:45105 (DATA block 1, first 32 of 516 bytes)
    example match 000300012020202020202020202020202020202020202020474e552047454e45

  # A write: the server's ACK of block 0, exactly 4 bytes.
  rule write-transfer
    transport udp
    packet first
    len == 4
    u32@0 == 0x00040000
    # tftp-hpa.pcap, 10.97.0.2:41053 -> 10.97.0.1:47812 (ACK of block 0 after a WRQ)
    example match 00040000

  # An option acknowledgement: opcode 6, then option names and values, each ended by a zero.
  rule option-ack-blksize
    transport udp
    packet first
    u16@0 == 6
    u8@-1 == 0
    contains "blksize\x00"
    # tftp-hpa.pcap, 10.97.0.2:33771 -> 10.97.0.1:46246 (OACK to BusyBox's blksize and tsize)
    example match 0006626c6b73697a650031303234007473697a65003330303000

  rule option-ack-tsize
    transport udp
    packet first
    u16@0 == 6
    u8@-1 == 0
    contains "tsize\x00"

  rule option-ack-timeout
    transport udp
    packet first
    u16@0 == 6
    u8@-1 == 0
    contains "timeout\x00"

  rule option-ack-windowsize
    transport udp
    packet first
    u16@0 == 6
    u8@-1 == 0
    contains "windowsize\x00"

  # An error answering a request: opcode 5, an error code of 0-8, a text message ended by a
  # zero (a NetFlow v5 datagram also opens with 00 05 and a small count, but ends in padding).
  rule error
    transport udp
    packet first
    len >= 6
    u16@0 == 5
    u16@2 <= 8
    u8@4 in 0x20..0x7e
    u8@-2 in 0x20..0x7e
    u8@-1 == 0
    # tftp-hpa.pcap, 10.97.0.2:41028 -> 10.97.0.1:57572 (File not found)
    example match 0005000146696c65206e6f7420666f756e6400
    # netflow-pmacct.pcap, 10.97.0.1:35693 -> 10.97.0.2:2055 (NetFlow v5: 00 05, three records, zero padding)
    example nomatch 0005000300000f8f6b0d699d0acebd2800000000000000000a6100010a6100020000000000000000000000010000002f0000076800000768a5cc00450000110000000000000000000a6100010a610002000000000000000000000006000000c00000077000000770a5cc9ef40000110000000000000000000a6100020a61000100000000000000000000000600000c7800000770000007709ef4a5cc000011000000000000000000
