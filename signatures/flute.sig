# FLUTE (RFC 6726) over ALC/LCT (RFC 5651): file delivery over multicast. The LCT header opens
# with version 1 and a congestion-control field of 0 in its first byte; the File Delivery Table
# (TOI 0) is an XML document whose root element is FDT-Instance.

protocol FLUTE id 406 category Download
  rule fdt
    transport udp
    len >= 64
    u8@0 & 0xfc == 0x10
    contains "FDT-Instance"
    # flute.pcapng, 192.168.88.231:40717 -> 238.1.1.95:40085 (the FDT, first 200 bytes)
    example match 101008000000000000000000c010000240040000000002360000059c00000040000000003c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d225554462d38223f3e0a3c4644542d496e7374616e636520457870697265733d223137313037373035303222204645432d4f54492d4645432d456e636f64696e672d49443d223022204645432d4f54492d4d6178696d756d2d536f757263652d426c6f636b2d4c656e6774683d22363422204645432d4f54492d456e636f64696e672d53796d62
