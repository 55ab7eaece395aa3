#!/usr/bin/env python3
"""Write a pcap (raw IPv4, link type 101) of N distinct UDP flows, one 36-byte datagram each,
1 microsecond apart (so none expires before the end). Used for the memory figures under many flows.

usage: make-flows-capture.py OUT.pcap [N]     (default 2,000,000 flows: about 104 MB)
"""
import struct
import sys


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        payload = b"\x5a" * 8
        for i in range(n):
            src = 0x0A000000 | (i >> 8 & 0xFFFF) << 8 | 1  # 10.x.y.1
            dst = 0xC6120000 | (i & 0xFF)  # 198.18.0.z
            sport = 1024 + (i % 60000)
            ip = struct.pack("!BBHHHBBHII", 0x45, 0, 36, i & 0xFFFF, 0, 64, 17, 0, src, dst)
            udp = struct.pack("!HHHH", sport, 9999, 16, 0)
            t = i  # microseconds
            f.write(struct.pack("<IIII", 1_700_000_000 + t // 1_000_000, t % 1_000_000, 36, 36))
            f.write(ip + udp + payload)


if __name__ == "__main__":
    main()
