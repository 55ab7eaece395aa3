# NFS and its companion ONC RPC programs (RFC 5531 RPC; RFC 1094, 1813, 7530 NFS). An RPC call
# holds a transaction id, message type 0 (CALL), RPC version 2, then the program and its
# version; nDPI names calls to the portmapper (100000), NFS (100003) and mountd (100005) NFS.
# The lock manager (100021), status monitor (100024) and NFS ACL (100227) belong to the same
# suite. Over TCP a record mark (top bit set, then the fragment length) comes first.

protocol NFS id 11 category DataTransfer
  rule rpc-call-udp
    transport udp
    len >= 40
    u32@4 == 0
    u32@8 == 2
    u32@12 in {100000, 100003, 100005, 100021, 100024, 100227}
    u32@16 in 1..4
    # nfsv3.pcap, 139.25.22.2:3295 -> 139.25.22.102:111 (portmapper GETPORT for mountd)
    example match 38434f690000000000000002000186a0000000030000000300000000000000000000000000000000000186a50000000300000003756470000000000000000000
    # nfsv3.pcap, the portmapper's reply (message type 1): not a call
    example nomatch 38434f690000000100000000000000000000000000000000000000123133392e32352e32322e3130322e342e32340000

  rule rpc-call-tcp
    transport tcp
    len >= 44
    len == u32@0 - 2147483644
    u32@8 == 0
    u32@12 == 2
    u32@16 in {100000, 100003, 100005, 100021, 100024, 100227}
    u32@20 in 1..4
    # the UDP call above behind a record mark (last fragment, 64 bytes)
    example match 8000004038434f690000000000000002000186a0000000030000000300000000000000000000000000000000000186a50000000300000003756470000000000000000000
