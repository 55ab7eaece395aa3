# DTLS (RFC 6347, 9147): a record header with content type 20-23, version FEFF/FEFD/FEFC (or
# 0100, OpenConnect's pre-standard), and a non-zero length that fits in the payload.

protocol DTLS id 30 category Web
  rule dtls-record
    transport udp
    packet within 5
    dtls
