# CoAP, the Constrained Application Protocol (RFC 7252), on UDP 5683 (and 61616-61631, the
# ports 6LoWPAN compresses). A 4-byte header: version 1 in the top two bits, the type
# (confirmable, non-confirmable, acknowledgement, reset) and the token length (0-8); a code
# (0.00 empty, requests 0.01-0.07, responses 2.01-2.05 and 2.31, 4.00-4.15, 5.00-5.05); a 16-bit
# message id. An acknowledgement or reset carries the message id of the confirmable message it
# answers, so a request answered names the flow: a few header bits alone are not evidence, the
# echoed id is (16 bits). A request nothing answers stays unnamed.

protocol COAP id 27 category RPC
  rule request-and-reply
    transport udp
    port 5683, 61616-61631
    len >= 4
    u8@0 & 0xc0 == 0x40
    u8@0 & 0x0f in 0..8
    u8@1 in {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x41, 0x42, 0x43, 0x44, 0x45, 0x5f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5}
    echo u16@2
    # coap_mqtt.pcap, [bbbb::1]:33499 -> [bbbb::3]:5683 (a confirmable GET, message id 0xe91b)
    example match 4201e91b0790b8736570617261746510d12311
    # coap_mqtt.pcap, [bbbb::3]:5683 -> [bbbb::1]:33499 (its empty acknowledgement)
    example match 6000e91b
    # coap_mqtt.pcap, [bbbb::3]:5683 -> [bbbb::1]:50250 (a 2.01 Created acknowledgement)
    example match 6041cea08773746f726167650a6d797265736f75726365
    # version 2
    example nomatch 8201e91b0790b8736570617261746510d12311
    # a code of 6.00
    example nomatch 42c0e91b0790b8736570617261746510d12311
