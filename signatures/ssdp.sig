# SSDP (UPnP discovery): HTTP over UDP, usually to 239.255.255.250:1900, but also unicast to
# other ports, so the request line decides.

protocol SSDP id 12 category System
  rule m-search
    transport udp
    prefix "M-SEARCH * HTTP/1."

  rule notify
    transport udp
    prefix "NOTIFY * HTTP/1."

  rule response
    transport udp
    port 1900
    prefix "HTTP/1.1 200 OK"
