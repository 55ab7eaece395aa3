# WS-Discovery (UDP 3702): SOAP-over-UDP XML with the 2005/04 discovery namespace.

protocol WSD id 153 category Network
  rule ws-discovery
    transport udp
    port 3702
    prefix "<?xml"
    contains "schemas.xmlsoap.org/ws/2005/04/discovery"
