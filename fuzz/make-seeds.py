#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets under fuzz/corpus/<target>/.

usage: fuzz/make-seeds.py [CAPTURE_DIR ...]

Reads the captures in the given directories (default: ../shared/pcaps/ndpi,
../shared/pcaps/ndpi-more and pcaps/, relative to the repository) and signatures/:

  frame       a byte picking the link type (its index in LinkType::ALL), then frames as records
              (big-endian u16 length, bytes): single frames, and each capture's first 8 frames
  ip          the same frames without their link header (Ethernet, VLAN tags, SLL, SLL2, raw IP,
              loopback), as NFQUEUE would hand them over
  signatures  every signatures/**/*.sig file
  capture     each capture's file header and its first records, up to 8 KiB
  config      the repository's configuration files (contrib/*.toml) and the ```toml blocks of
              README.md and docs/*.md

The corpora are derived from the shared captures, which are never committed: corpus/ is
ignored by git. Seeds are named by the SHA-1 of their content, as libFuzzer names its own.
"""
import hashlib
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
PER_CAPTURE = 24  # single-frame seeds per capture: the first ones and some spread over the rest
CAPTURE_BYTES = 8192

# LinkType::ALL order in src/packet/mod.rs.
LINK_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 12: 3, 14: 3, 228: 3, 229: 3, 0: 4, 108: 5,
              9: 6, 50: 6, 104: 7, 105: 8, 127: 9, 192: 10}


def records(data):
    """(link type, frame) of every packet of a pcap or pcapng file, and the byte offsets at
    which its records end (for cutting the file short at a record boundary)."""
    frames, ends = [], []
    if len(data) < 24:
        return frames, ends
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        link = struct.unpack(e + "I", data[20:24])[0] & 0xffff
        at = 24
        while at + 16 <= len(data):
            caplen = struct.unpack(e + "I", data[at + 8:at + 12])[0]
            if at + 16 + caplen > len(data):
                break
            frames.append((link, data[at + 16:at + 16 + caplen]))
            at += 16 + caplen
            ends.append(at)
        return frames, ends
    if magic != b"\x0a\x0d\x0d\x0a":
        return frames, ends
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    links, at = [], 0
    while at + 12 <= len(data):
        kind, length = struct.unpack(e + "II", data[at:at + 8])
        if length < 12 or at + length > len(data):
            break
        body = data[at + 8:at + length - 4]
        if kind == 0x0a0d0d0a:
            links = []
        elif kind == 1:
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif kind == 6 and len(body) >= 20:
            iface, _, _, caplen = struct.unpack(e + "IIII", body[:16])
            if iface < len(links):
                frames.append((links[iface], body[20:20 + caplen]))
        elif kind == 3 and links and len(body) >= 4:
            frames.append((links[0], body[4:]))
        at += length
        ends.append(at)
    return frames, ends


def ip_of(link, frame):
    """The IP packet inside a frame, for the link types most captures use; None otherwise."""
    if link == 1:
        at, ether = 14, frame[12:14]
        while ether in (b"\x81\x00", b"\x88\xa8") and len(frame) >= at + 4:
            ether, at = frame[at + 2:at + 4], at + 4
        return frame[at:] if ether in (b"\x08\x00", b"\x86\xdd") else None
    skip = {113: 16, 276: 20, 101: 0, 12: 0, 14: 0, 228: 0, 229: 0, 0: 4, 108: 4}.get(link)
    if skip is None:
        return None
    ip = frame[skip:]
    return ip if ip[:1] and ip[0] >> 4 in (4, 6) else None


def record(packet):
    return struct.pack(">H", min(len(packet), 0xffff)) + packet[:0xffff]


def pick(items):
    """The first items and some spread over the rest, PER_CAPTURE in all."""
    if len(items) <= PER_CAPTURE:
        return items
    half = PER_CAPTURE // 2
    rest = items[half:]
    step = len(rest) / half
    return items[:half] + [rest[int(i * step)] for i in range(half)]


def write(target, data, seen):
    digest = hashlib.sha1(data).hexdigest()
    if (target, digest) in seen:
        return
    seen.add((target, digest))
    path = CORPUS / target / digest
    path.write_bytes(data)


def main(argv):
    dirs = [Path(d) for d in argv] or [ROOT / "../shared/pcaps/ndpi",
                                       ROOT / "../shared/pcaps/ndpi-more", ROOT / "pcaps"]
    targets = ("frame", "ip", "signatures", "capture", "config")
    for t in targets:
        (CORPUS / t).mkdir(parents=True, exist_ok=True)
    seen = set()
    captures = sorted(p for d in dirs if d.is_dir() for p in d.iterdir()
                      if p.suffix in (".pcap", ".pcapng"))
    for cap in captures:
        data = cap.read_bytes()
        frames, ends = records(data)
        usable = [(LINK_INDEX[l], f) for l, f in frames if l in LINK_INDEX]
        for index, f in pick(usable):
            write("frame", bytes([index]) + record(f), seen)
        if usable:
            index = usable[0][0]
            first = [f for i, f in usable[:8] if i == index]
            write("frame", bytes([index]) + b"".join(record(f) for f in first), seen)
        ips = [ip for ip in (ip_of(l, f) for l, f in frames) if ip is not None]
        for ip in pick(ips):
            write("ip", record(ip), seen)
        if ips:
            write("ip", b"".join(record(ip) for ip in ips[:8]), seen)
        cut = max([e for e in ends if e <= CAPTURE_BYTES] or ends[:1] or [len(data)])
        write("capture", data[:cut], seen)
    for sig in sorted((ROOT / "signatures").rglob("*.sig")):
        write("signatures", sig.read_bytes(), seen)
    for conf in sorted((ROOT / "contrib").glob("*.toml")):
        write("config", conf.read_bytes(), seen)
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in doc.read_text().split("```toml\n")[1:]:
            write("config", block.split("```")[0].encode(), seen)
    for t in targets:
        print(f"{t}: {sum(1 for _ in (CORPUS / t).iterdir())} seeds")


if __name__ == "__main__":
    main(sys.argv[1:])
