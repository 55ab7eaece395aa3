# GPRS Tunnelling Protocol. Every header starts with flags (version in the top three bits), a
# message type and a 16-bit length, which counts the bytes after a fixed part of the header:
# 8 for GTPv1 (3GPP TS 29.060), 4 for GTPv2-C (TS 29.274), 6 for GTP' (TS 32.295).
# nDPI reports GTP.GTP_C, GTP.GTP_U and GTP.GTP_PRIME; the application name is used here.
# G-PDUs on 2152 are decapsulated by default (nfdpi names the inner flow).

# GTPv2-C (port 2123): flags 0x48 (a TEID follows) or 0x40 (echo, no TEID); the byte after the
# 24-bit sequence number is spare (zero).
protocol GTP_C id 272 category Network
  rule gtpv2-with-teid
    transport udp
    len >= 12
    u8@0 == 0x48
    u8@1 != 0
    len == u16@2 + 4
    u8@11 == 0
    # gtp_c.pcap, 10.102.0.2:2123 -> 10.101.0.2:1024 (Delete Session Response)
    example match 48250013355292044b5462000200020010000300010001

  rule gtpv2-without-teid
    transport udp
    len >= 8
    u8@0 == 0x40
    u8@1 in 1..2
    len == u16@2 + 4
    u8@7 == 0

  # GTPv1-C: version 1, protocol type 1 and the sequence-number flag (0x32) or none (0x30);
  # the message types of the control plane (echo 1-2, version not supported 3, PDP context
  # and MBMS messages 16-131).
  rule gtpv1
    packet within 8
    transport udp
    port 2123
    len >= 12
    u8@0 in {0x30, 0x32}
    u8@1 in 1..131
    len == u16@2 + 8

# GTP' (charging, port 3386): version 0-2, protocol type 0, spare bits 111, the 6-byte header;
# echo, version not supported, node alive, redirection (1-7) or data record transfer (240-241).
protocol GTP_PRIME id 273 category Network
  rule gtp-prime
    transport udp
    len >= 6
    u8@0 in {0x0e, 0x2e, 0x4e}
    u8@1 in {1, 2, 3, 4, 5, 6, 7, 240, 241}
    len == u16@2 + 6
    # gtp_prime.pcapng, 10.10.54.1:64580 -> 10.10.39.10:3386 (Data Record Transfer Request)
    example match 2ef000f400047e01fc00ef01011c0600e9bf608200e4800160830813002100000000f0a40680040a0a3501850407900000870565687270648802f121a908a0068004010000068b0101ac82002a3028830203488402034885010286091502251638442b0000a91081010886010987034c4b4088034c4b408d091502251638012b00008e012b8f0100b022a420060e2b06010401b27f03010246040100810100a20b300902010102010181010e920a414c552d4e4f44453031940101950100970201009801039e01039f220101bf240680040a0a06039f25031320109f26091502251638002b00009f27091502251638442b00009f280407900000
    # gtp_false_positive.pcapng, 24.1.33.66:29255 -> 62.56.122.232:3386 (not GTP: nDPI guesses by port)
    example nomatch 2e00000002290300c800325ea56fd314b79595bb7493000000000000000000000000000000007fbe

# GTP-U (port 2152): version 1, protocol type 1; a G-PDU (0xFF) or path management (echo 1-2,
# error indication 26, end marker 254).
protocol GTP_U id 271 category Tunnel
  rule gtp-u
    transport udp
    len >= 8
    u8@0 in {0x30, 0x32, 0x34, 0x36}
    u8@1 in {1, 2, 26, 254, 255}
    len == u16@2 + 8
