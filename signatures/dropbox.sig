# Dropbox LAN sync discovery: JSON broadcasts on UDP 17500 announcing "host_int", "version",
# "port" and "namespaces".

protocol Dropbox id 121 category Cloud
  rule lan-sync
    transport udp
    port 17500
    prefix "{\""
    contains "\"host_int\""
