# Modbus with MBAP framing (Modbus Messaging on TCP/IP Implementation Guide), port 502 over TCP,
# and the same framing over UDP. A 7-byte header: transaction id, protocol id 0, a 16-bit length
# that counts the unit id and the PDU (the datagram minus 6), unit id; then the function code:
# a public code (1-8, 11, 12, 15-17, 20-24, 43, or 90, Schneider's UMAS) or the same with 0x80
# set in an exception answer.
# Precision: 16 fixed bits, the length equal to the datagram's and 21 of 128 function codes
# (about 35 bits); the port as nDPI has it.

protocol Modbus id 44 category IoT-Scada
  rule tcp
    transport tcp
    port 502
    len >= 8
    u16@2 == 0
    len == u16@4 + 6
    u8@7 & 0x7f in {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43, 90}
    # modbus-pymodbus.pcap, 10.98.9.1:49216 -> 10.98.9.2:502 (read holding registers)
    example match 00010000000601030000000a
    # modbus-pymodbus.pcap, 10.98.9.2:502 -> 10.98.9.1:49216 (exception 0x83, illegal address)
    example match 000600000003018302
    # Protocol id 1 is not Modbus.
    example nomatch 00010001000601030000000a

  rule udp
    transport udp
    port 502
    len >= 8
    u16@2 == 0
    len == u16@4 + 6
    u8@7 & 0x7f in {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43, 90}
    # modbus-pymodbus.pcap, 10.98.9.1:53056 -> 10.98.9.2:502 (write multiple coils over UDP)
    example match 000400000008010f000000030105
    # Length one more than the datagram.
    example nomatch 000400000009010f000000030105
