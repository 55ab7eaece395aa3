# OICQ, Tencent QQ's UDP protocol (server port 8000): a packet opens with 0x02, then the client
# version (16 bits), the command (16 bits: a small number, every command QQ's clients send is
# below 0x0400 and none is 0) and a sequence number, and always closes with 0x03 (the last byte:
# a negative offset counts from the end).

protocol OICQ id 335 category Chat
  rule qq-udp
    packet within 3
    transport udp
    port 8000
    len >= 12
    u8@0 == 0x02
    u16@3 in 1..0x3ff
    u8@-1 == 0x03
    # oicq.pcap, 90.147.69.210:65276 -> 58.60.10.45:8000 (command 0x0001, log out)
    example match 023b0b0001001d561f0c7b000000000000000010bf6ff15a3bc357de8c344a956ec65780610a520091c3ac03
    # the same with a command of 0x1001
    example nomatch 023b0b1001001d561f0c7b000000000000000010bf6ff15a3bc357de8c344a956ec65780610a520091c3ac03
    example nomatch 000100002112a4424133516369344e75724f4b41
