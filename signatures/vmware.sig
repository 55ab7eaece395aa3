# VMware ESXi host/vCenter heartbeats on UDP 902: 66-byte datagrams to port 902 whose first
# byte is 0xA4 (nDPI's test). One such datagram is 8 fixed bits and a length (about 18 bits);
# the heartbeat repeats every few seconds, so two of them in the flow are asked for.

protocol VMware id 28 category RemoteAccess
  rule heartbeat
    transport udp
    server-port 902
    direction to-server
    len == 66
    u8@0 == 0xa4
    repeat 2
    # built from the shape above (no capture of an ESXi heartbeat is at hand)
    example match a40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    example nomatch a50000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
