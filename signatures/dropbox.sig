# Dropbox LAN sync discovery: JSON broadcasts on UDP 17500 announcing "host_int", "version",
# "port" and "namespaces".

protocol Dropbox id 121 category Cloud
  rule lan-sync
    transport udp
    port 17500
    prefix "{\""
    contains "\"host_int\""
    # dropbox.pcap, 192.168.1.105:17500 -> 255.255.255.255:17500 (first 96 of 195 bytes)
    example match 7b22686f73745f696e74223a203237343336333537303033363933343832333336303334313430393035313834313537333537392c202276657273696f6e223a205b322c20305d2c2022646973706c61796e616d65223a2022222c2022706f72
