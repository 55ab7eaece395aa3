//! Writes the small captures under `pcaps/` that the project makes itself:
//!
//!     cargo run --example gen_pcaps -- pcaps/
//!
//! Every byte is decided here: packets are built with etherparse's `PacketBuilder` (or its header
//! types, for fragments), payloads are written field by field, random payloads come from a
//! fixed-seed PRNG, and timestamps are fixed, so running it twice gives identical files. The
//! pcap and pcapng containers are *written* here by hand (24-byte file header and 16-byte record
//! headers; SHB/IDB/EPB blocks); nfdpi itself only *reads* them through pcap-parser.
//!
//! `pcaps/README.md` lists each file with what it shows and the figures nfdpi must give for it;
//! `tests/classify.rs` checks those figures against the built binary.

use std::fs;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use etherparse::{
    IpFragOffset, IpNumber, Ipv4Header, Ipv6FlowLabel, Ipv6FragmentHeader, Ipv6Header,
    PacketBuilder,
};

/// `LINKTYPE_ETHERNET`.
const LINKTYPE_ETHERNET: u16 = 1;
/// `LINKTYPE_LINUX_SLL` (Linux "cooked" capture v1).
const LINKTYPE_LINUX_SLL: u16 = 113;
/// `LINKTYPE_LINUX_SLL2` (Linux "cooked" capture v2).
const LINKTYPE_LINUX_SLL2: u16 = 276;
/// `LINKTYPE_PPP`.
const LINKTYPE_PPP: u16 = 9;
/// `LINKTYPE_C_HDLC` (Cisco HDLC).
const LINKTYPE_C_HDLC: u16 = 104;
/// `LINKTYPE_IEEE802_11`, the link type PPI names for 802.11.
const LINKTYPE_IEEE802_11: u16 = 105;
/// `LINKTYPE_IEEE802_11_RADIOTAP`.
const LINKTYPE_RADIOTAP: u16 = 127;
/// `LINKTYPE_PPI` (Per-Packet Information).
const LINKTYPE_PPI: u16 = 192;

/// Client and server MAC addresses (locally administered).
const MAC_CLIENT: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const MAC_SERVER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
/// The 802.11 access point (BSSID) between them.
const MAC_AP: [u8; 6] = [0x02, 0, 0, 0, 0, 0xa9];

/// Seconds between 1900-01-01 (NTP era 0) and 1970-01-01.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

fn main() -> io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("pcaps"), PathBuf::from);
    fs::create_dir_all(&dir)?;

    let udp50k = unknown_udp_50k();
    write_pcap(
        &dir.join("unknown-udp-50k.pcap"),
        LINKTYPE_ETHERNET,
        &ethernet(&udp50k, None),
    )?;

    let v6 = unknown_udp_v6();
    write_pcap(
        &dir.join("unknown-udp-v6-vlan.pcap"),
        LINKTYPE_ETHERNET,
        &ethernet(&v6, Some(100)),
    )?;

    let frag = fragmented_udp();
    write_pcap(
        &dir.join("fragmented-udp.pcap"),
        LINKTYPE_ETHERNET,
        &ethernet(&frag, None),
    )?;

    let quick = quickstart();
    write_pcap(
        &dir.join("quickstart.pcap"),
        LINKTYPE_ETHERNET,
        &ethernet(&quick, None),
    )?;
    write_pcapng(
        &dir.join("quickstart.pcapng"),
        LINKTYPE_ETHERNET,
        &ethernet(&quick, None),
    )?;
    write_pcap(
        &dir.join("quickstart-sll.pcap"),
        LINKTYPE_LINUX_SLL,
        &sll(&quick),
    )?;
    write_pcap(
        &dir.join("quickstart-sll2.pcap"),
        LINKTYPE_LINUX_SLL2,
        &sll2(&quick),
    )?;
    write_pcap(&dir.join("quickstart-ppp.pcap"), LINKTYPE_PPP, &ppp(&quick))?;
    write_pcap(
        &dir.join("quickstart-chdlc.pcap"),
        LINKTYPE_C_HDLC,
        &cisco_hdlc(&quick),
    )?;
    write_pcap(
        &dir.join("quickstart-radiotap.pcap"),
        LINKTYPE_RADIOTAP,
        &radiotap(&quick),
    )?;
    write_pcap(&dir.join("quickstart-ppi.pcap"), LINKTYPE_PPI, &ppi(&quick))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, and good enough for filler bytes.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Packets

/// One IP packet (no link header) and when it was seen.
struct Frame {
    /// Microseconds since the Unix epoch.
    ts_us: u64,
    /// True when the client sends it (decides the MAC addresses and SLL packet type).
    from_client: bool,
    /// The IP packet, from its IP header on.
    ip: Vec<u8>,
}

fn udp4(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv4(src.0.octets(), dst.0.octets(), 64).udp(src.1, dst.1);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("writing to a Vec");
    out
}

fn udp6(src: (Ipv6Addr, u16), dst: (Ipv6Addr, u16), payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv6(src.0.octets(), dst.0.octets(), 64).udp(src.1, dst.1);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("writing to a Vec");
    out
}

/// TCP segment flags for [`tcp4`].
#[derive(Clone, Copy)]
struct Tcp {
    seq: u32,
    ack: Option<u32>,
    syn: bool,
    psh: bool,
    fin: bool,
}

fn tcp4(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), t: Tcp, payload: &[u8]) -> Vec<u8> {
    let mut b =
        PacketBuilder::ipv4(src.0.octets(), dst.0.octets(), 64).tcp(src.1, dst.1, t.seq, 64240);
    if t.syn {
        b = b.syn();
    }
    if let Some(ack) = t.ack {
        b = b.ack(ack);
    }
    if t.psh {
        b = b.psh();
    }
    if t.fin {
        b = b.fin();
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("writing to a Vec");
    out
}

/// Split the IPv4 packet `whole` (20-byte header, no options) into fragments that fit `mtu`:
/// the transport header and data are cut into pieces of a multiple of 8 bytes, each behind a
/// copy of the header with identification `id`, its offset and the more-fragments flag.
fn fragment4(whole: &[u8], id: u16, mtu: usize) -> Vec<Vec<u8>> {
    let (hdr, _) = Ipv4Header::from_slice(whole).expect("a packet we built");
    let data = &whole[hdr.header_len()..];
    let max = (mtu - hdr.header_len()) / 8 * 8;
    let mut out = Vec::new();
    let mut off = 0;
    while off < data.len() {
        let part = &data[off..(off + max).min(data.len())];
        let mut h = Ipv4Header::new(
            part.len() as u16,
            64,
            hdr.protocol,
            hdr.source,
            hdr.destination,
        )
        .expect("fragment fits");
        h.identification = id;
        h.dont_fragment = false;
        h.more_fragments = off + part.len() < data.len();
        h.fragment_offset = IpFragOffset::try_new((off / 8) as u16).expect("offset fits 13 bits");
        h.header_checksum = h.calc_header_checksum();
        let mut frag = h.to_bytes().to_vec();
        frag.extend_from_slice(part);
        out.push(frag);
        off += part.len();
    }
    out
}

/// Split the IPv6 packet `whole` (40-byte header, no extension headers) into fragments that fit
/// `mtu`: each is the fixed header (next header 44), an 8-byte fragment header, and a piece of
/// the original payload (a multiple of 8 bytes except the last).
fn fragment6(whole: &[u8], id: u32, mtu: usize) -> Vec<Vec<u8>> {
    let (hdr, _) = Ipv6Header::from_slice(whole).expect("a packet we built");
    let data = &whole[Ipv6Header::LEN..];
    let max = (mtu - Ipv6Header::LEN - Ipv6FragmentHeader::LEN) / 8 * 8;
    let mut out = Vec::new();
    let mut off = 0;
    while off < data.len() {
        let part = &data[off..(off + max).min(data.len())];
        let h = Ipv6Header {
            traffic_class: 0,
            flow_label: Ipv6FlowLabel::ZERO,
            payload_length: (Ipv6FragmentHeader::LEN + part.len()) as u16,
            next_header: IpNumber::IPV6_FRAGMENTATION_HEADER,
            hop_limit: hdr.hop_limit,
            source: hdr.source,
            destination: hdr.destination,
        };
        let f = Ipv6FragmentHeader::new(
            hdr.next_header,
            IpFragOffset::try_new((off / 8) as u16).expect("offset fits 13 bits"),
            off + part.len() < data.len(),
            id,
        );
        let mut frag = h.to_bytes().to_vec();
        frag.extend_from_slice(&f.to_bytes());
        frag.extend_from_slice(part);
        out.push(frag);
        off += part.len();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The captures

/// 50 × 1024-byte IPv4/UDP datagrams (996 bytes of random payload each), client → server, 2 ms
/// apart: 51,200 IP bytes. After 10 packets the flow is at exactly 10,240 bytes (the default
/// budget, not past it); the 11th takes it to 11,264 and is the first one dropped.
fn unknown_udp_50k() -> Vec<Frame> {
    let mut rng = Rng::new(0x5eed_0050);
    let client = ("10.0.0.1".parse().unwrap(), 40000);
    let server = ("10.0.0.2".parse().unwrap(), 9999);
    (0..50u64)
        .map(|i| Frame {
            ts_us: 1_700_000_100_000_000 + i * 2_000,
            from_client: true,
            ip: udp4(client, server, &rng.bytes(1024 - 20 - 8)),
        })
        .collect()
}

/// The same over IPv6 (behind an 802.1Q tag, VLAN 100, added at the link layer): 50 ×
/// 1024-byte datagrams (40-byte IPv6 header, 8-byte UDP header, 976 bytes of payload).
fn unknown_udp_v6() -> Vec<Frame> {
    let mut rng = Rng::new(0x5eed_0066);
    let client = ("2001:db8::10".parse().unwrap(), 40000);
    let server = ("2001:db8::20".parse().unwrap(), 9999);
    (0..50u64)
        .map(|i| Frame {
            ts_us: 1_700_000_200_000_000 + i * 2_000,
            from_client: true,
            ip: udp6(client, server, &rng.bytes(1024 - 40 - 8)),
        })
        .collect()
}

/// Fragmented UDP. IPv4 flow 10.0.0.1:5000 → 10.0.0.2:6000 (MTU 1500): four datagrams of
/// 3,000 payload bytes (3,028 IP bytes whole), each cut into fragments of 1500 + 1500 + 68 IP
/// bytes (3,068 on the wire), and one unfragmented 128-byte reply:
///
/// | # | packet                               | IP bytes | flow bytes after |
/// |---|--------------------------------------|----------|------------------|
/// | 1-3 | datagram 1 (id 0x0101), in order   | 1500, 1500, 68 | 3068 |
/// | 4 | reply server → client                | 128      | 3196 |
/// | 5-7 | datagram 2 (id 0x0102), last fragment first, then middle, then first | 68, 1500, 1500 | 6264 |
/// | 8-10 | datagram 3 (id 0x0103), in order  | 1500, 1500, 68 | 9332 |
/// | 11-13 | datagram 4 (id 0x0104), in order | 1500, 1500, 68 | 10832, 12332, 12400 |
///
/// The budget (10,240) is passed by packet 11: decided_at_packet 11, decided_at_bytes 10,832,
/// 3 packets dropped. Then an IPv6 flow [2001:db8::1]:5000 → [2001:db8::2]:6000 (MTU 1280):
/// one datagram of 2,000 payload bytes in two fragments of 1280 + 824 IP bytes (2,104), pending.
fn fragmented_udp() -> Vec<Frame> {
    let mut rng = Rng::new(0x5eed_f4a6);
    let client = ("10.0.0.1".parse().unwrap(), 5000);
    let server = ("10.0.0.2".parse().unwrap(), 6000);
    let mut packets: Vec<(bool, Vec<u8>)> = Vec::new();
    let datagram =
        |rng: &mut Rng, id: u16| fragment4(&udp4(client, server, &rng.bytes(3000)), id, 1500);
    packets.extend(datagram(&mut rng, 0x0101).into_iter().map(|f| (true, f)));
    packets.push((false, udp4(server, client, &rng.bytes(100))));
    // Out of order, last fragment first (as Linux sends fragments of a large datagram).
    packets.extend(
        datagram(&mut rng, 0x0102)
            .into_iter()
            .rev()
            .map(|f| (true, f)),
    );
    packets.extend(datagram(&mut rng, 0x0103).into_iter().map(|f| (true, f)));
    packets.extend(datagram(&mut rng, 0x0104).into_iter().map(|f| (true, f)));

    let client6 = ("2001:db8::1".parse().unwrap(), 5000);
    let server6 = ("2001:db8::2".parse().unwrap(), 6000);
    packets.extend(
        fragment6(&udp6(client6, server6, &rng.bytes(2000)), 0x0000_0201, 1280)
            .into_iter()
            .map(|f| (true, f)),
    );

    packets
        .into_iter()
        .enumerate()
        .map(|(i, (from_client, ip))| Frame {
            ts_us: 1_700_000_300_000_000 + i as u64 * 1_000,
            from_client,
            ip,
        })
        .collect()
}

/// A small varied capture for the README's quick start: DNS, NTP, STUN, a TCP exchange, an
/// unknown 20 KB flow that gets cut and a short unknown flow that stays pending.
fn quickstart() -> Vec<Frame> {
    let mut rng = Rng::new(0x5eed_0a11);
    let host: Ipv4Addr = "192.168.1.10".parse().unwrap();
    let t0: u64 = 1_700_000_000_000_000;
    let mut frames = Vec::new();
    let mut at = |ms: u64, from_client: bool, ip: Vec<u8>| {
        frames.push(Frame {
            ts_us: t0 + ms * 1_000,
            from_client,
            ip,
        })
    };

    // DNS: A query for example.com to the resolver, and its answer.
    let c = (host, 53001);
    let s = ("192.168.1.1".parse().unwrap(), 53);
    at(0, true, udp4(c, s, &dns_query(0x4e21)));
    at(12, false, udp4(s, c, &dns_answer(0x4e21, [192, 0, 2, 80])));

    // NTP: a client request (mode 3) and the server's reply (mode 4), both ports 123.
    let c = (host, 123);
    let s = ("192.0.2.123".parse().unwrap(), 123);
    let t_req = t0 + 100_000;
    at(100, true, udp4(c, s, &ntp_request(t_req)));
    at(
        125,
        false,
        udp4(s, c, &ntp_reply(t_req, t_req + 11_000, t_req + 11_050)),
    );

    // STUN: a Binding request and its success response carrying XOR-MAPPED-ADDRESS.
    let c = (host, 50000);
    let s = ("192.0.2.3".parse().unwrap(), 3478);
    let txid: [u8; 12] = rng.bytes(12).try_into().unwrap();
    at(200, true, udp4(c, s, &stun_binding_request(&txid)));
    at(
        230,
        false,
        udp4(
            s,
            c,
            &stun_binding_response(&txid, "198.51.100.7".parse().unwrap(), 50000),
        ),
    );

    // TCP: handshake, an HTTP request and response, then the client closes.
    let c = (host, 51000);
    let s = ("203.0.113.80".parse().unwrap(), 80);
    let req = b"GET / HTTP/1.1\r\nHost: example.net\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    let (cs, ss) = (1_000u32, 5_000u32);
    let seg = |seq, ack, syn, psh, fin| Tcp {
        seq,
        ack,
        syn,
        psh,
        fin,
    };
    at(
        300,
        true,
        tcp4(c, s, seg(cs, None, true, false, false), &[]),
    );
    at(
        320,
        false,
        tcp4(s, c, seg(ss, Some(cs + 1), true, false, false), &[]),
    );
    at(
        321,
        true,
        tcp4(c, s, seg(cs + 1, Some(ss + 1), false, false, false), &[]),
    );
    at(
        322,
        true,
        tcp4(c, s, seg(cs + 1, Some(ss + 1), false, true, false), req),
    );
    let cs2 = cs + 1 + req.len() as u32;
    at(
        345,
        false,
        tcp4(s, c, seg(ss + 1, Some(cs2), false, true, false), resp),
    );
    at(
        346,
        true,
        tcp4(
            c,
            s,
            seg(cs2, Some(ss + 1 + resp.len() as u32), false, false, true),
            &[],
        ),
    );

    // Unknown 20 KB: 20 datagrams of 1000 IP bytes (972 random payload bytes), alternating
    // directions, 5 ms apart. 10 packets = 10,000 bytes pass; the 11th (11,000) is cut.
    let c = (host, 40000);
    let s = ("203.0.113.5".parse().unwrap(), 7000);
    for i in 0..20u64 {
        let (a, b) = if i % 2 == 0 { (c, s) } else { (s, c) };
        at(400 + i * 5, i % 2 == 0, udp4(a, b, &rng.bytes(1000 - 28)));
    }

    // A short unknown flow that ends before any decision: 100, 60 and 200 payload bytes.
    let c = (host, 41000);
    let s = ("203.0.113.9".parse().unwrap(), 9000);
    at(600, true, udp4(c, s, &rng.bytes(100)));
    at(610, false, udp4(s, c, &rng.bytes(60)));
    at(620, true, udp4(c, s, &rng.bytes(200)));
    frames
}

// ---------------------------------------------------------------------------------------------
// Application payloads, field by field

/// Question section for `example.com`, type A, class IN (RFC 1035 §4.1.2).
fn dns_question(out: &mut Vec<u8>) {
    // QNAME: length-prefixed labels, ending with the root label (0).
    for label in ["example", "com"] {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&1u16.to_be_bytes()); // QTYPE A
    out.extend_from_slice(&1u16.to_be_bytes()); // QCLASS IN
}

/// DNS header (RFC 1035 §4.1.1): ID, flags, then the four section counts.
fn dns_header(out: &mut Vec<u8>, id: u16, flags: u16, qd: u16, an: u16) {
    out.extend_from_slice(&id.to_be_bytes()); // ID
    out.extend_from_slice(&flags.to_be_bytes()); // QR, Opcode, AA, TC, RD, RA, Z, RCODE
    out.extend_from_slice(&qd.to_be_bytes()); // QDCOUNT
    out.extend_from_slice(&an.to_be_bytes()); // ANCOUNT
    out.extend_from_slice(&0u16.to_be_bytes()); // NSCOUNT
    out.extend_from_slice(&0u16.to_be_bytes()); // ARCOUNT
}

fn dns_query(id: u16) -> Vec<u8> {
    let mut out = Vec::new();
    dns_header(&mut out, id, 0x0100, 1, 0); // standard query, RD
    dns_question(&mut out);
    out
}

fn dns_answer(id: u16, addr: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    dns_header(&mut out, id, 0x8180, 1, 1); // response, RD, RA, NOERROR
    dns_question(&mut out);
    // Answer RR (RFC 1035 §4.1.3).
    out.extend_from_slice(&0xc00cu16.to_be_bytes()); // NAME: pointer to the QNAME at offset 12
    out.extend_from_slice(&1u16.to_be_bytes()); // TYPE A
    out.extend_from_slice(&1u16.to_be_bytes()); // CLASS IN
    out.extend_from_slice(&300u32.to_be_bytes()); // TTL, seconds
    out.extend_from_slice(&4u16.to_be_bytes()); // RDLENGTH
    out.extend_from_slice(&addr); // RDATA: the IPv4 address
    out
}

/// An NTP timestamp (RFC 5905 §6): seconds since 1900 and a 32-bit binary fraction.
fn ntp_timestamp(unix_us: u64) -> [u8; 8] {
    let secs = (unix_us / 1_000_000 + NTP_UNIX_OFFSET) as u32;
    let frac = (((unix_us % 1_000_000) << 32) / 1_000_000) as u32;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&secs.to_be_bytes());
    out[4..].copy_from_slice(&frac.to_be_bytes());
    out
}

/// The 48-byte NTP header (RFC 5905 §7.3).
fn ntp_header(
    mode: u8,
    stratum: u8,
    root_delay: u32,
    root_disp: u32,
    ref_id: [u8; 4],
    stamps: [u64; 4],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    // LI = 0 (bits 7-6, no leap warning), VN = 4 (bits 5-3), Mode (bits 2-0).
    out.push((4 << 3) | mode);
    out.push(stratum); // Stratum
    out.push(6); // Poll: log2 seconds between messages (64 s)
    out.push(0xe9); // Precision: log2 seconds, -23 (~119 ns)
    out.extend_from_slice(&root_delay.to_be_bytes()); // Root Delay, 16.16 seconds
    out.extend_from_slice(&root_disp.to_be_bytes()); // Root Dispersion, 16.16 seconds
    out.extend_from_slice(&ref_id); // Reference ID
                                    // Reference, Origin, Receive, Transmit timestamps (0 = not set).
    for t in stamps {
        out.extend_from_slice(&if t == 0 { [0; 8] } else { ntp_timestamp(t) });
    }
    debug_assert_eq!(out.len(), 48);
    out
}

/// Client request (mode 3): only the transmit timestamp is set.
fn ntp_request(sent_us: u64) -> Vec<u8> {
    ntp_header(3, 0, 0, 0, [0; 4], [0, 0, 0, sent_us])
}

/// Server reply (mode 4), stratum 2, synchronised to 192.0.2.1: origin = the client's transmit
/// timestamp, then when the server received the request and sent this reply.
fn ntp_reply(origin_us: u64, received_us: u64, sent_us: u64) -> Vec<u8> {
    ntp_header(
        4,
        2,
        0x0000_0180,
        0x0000_0200,
        [192, 0, 2, 1],
        [sent_us - 64_000_000, origin_us, received_us, sent_us],
    )
}

/// STUN magic cookie (RFC 5389 §6).
const STUN_MAGIC: u32 = 0x2112_a442;

/// STUN header (RFC 5389 §6): type, length of the attributes that follow, magic cookie, 96-bit
/// transaction id.
fn stun_header(out: &mut Vec<u8>, msg_type: u16, attrs_len: u16, txid: &[u8; 12]) {
    out.extend_from_slice(&msg_type.to_be_bytes()); // Message Type (top two bits 0)
    out.extend_from_slice(&attrs_len.to_be_bytes()); // Message Length: attributes only
    out.extend_from_slice(&STUN_MAGIC.to_be_bytes()); // Magic Cookie
    out.extend_from_slice(txid); // Transaction ID
}

/// Binding request (0x0001) with no attributes.
fn stun_binding_request(txid: &[u8; 12]) -> Vec<u8> {
    let mut out = Vec::new();
    stun_header(&mut out, 0x0001, 0, txid);
    out
}

/// Binding success response (0x0101) with one XOR-MAPPED-ADDRESS attribute (RFC 5389 §15.2).
fn stun_binding_response(txid: &[u8; 12], mapped: Ipv4Addr, port: u16) -> Vec<u8> {
    let mut attr = Vec::new();
    attr.extend_from_slice(&0x0020u16.to_be_bytes()); // Type: XOR-MAPPED-ADDRESS
    attr.extend_from_slice(&8u16.to_be_bytes()); // Length of the value
    attr.push(0); // reserved
    attr.push(0x01); // Family: IPv4
    attr.extend_from_slice(&(port ^ (STUN_MAGIC >> 16) as u16).to_be_bytes()); // X-Port
    attr.extend_from_slice(&(u32::from(mapped) ^ STUN_MAGIC).to_be_bytes()); // X-Address
    let mut out = Vec::new();
    stun_header(&mut out, 0x0101, attr.len() as u16, txid);
    out.extend_from_slice(&attr);
    out
}

// ---------------------------------------------------------------------------------------------
// Link layers

fn ether_type(ip: &[u8]) -> u16 {
    if ip[0] >> 4 == 6 {
        0x86dd
    } else {
        0x0800
    }
}

/// Ethernet II frames, with an 802.1Q tag when `vlan` is given.
fn ethernet(frames: &[Frame], vlan: Option<u16>) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .map(|f| {
            let (src, dst) = if f.from_client {
                (MAC_CLIENT, MAC_SERVER)
            } else {
                (MAC_SERVER, MAC_CLIENT)
            };
            let mut out = Vec::with_capacity(18 + f.ip.len());
            out.extend_from_slice(&dst);
            out.extend_from_slice(&src);
            if let Some(id) = vlan {
                out.extend_from_slice(&0x8100u16.to_be_bytes()); // TPID: 802.1Q
                out.extend_from_slice(&(id & 0x0fff).to_be_bytes()); // TCI: PCP 0, DEI 0, VID
            }
            out.extend_from_slice(&ether_type(&f.ip).to_be_bytes());
            out.extend_from_slice(&f.ip);
            (f.ts_us, out)
        })
        .collect()
}

/// Linux cooked capture v1: a 16-byte pseudo-header before the IP packet.
fn sll(frames: &[Frame]) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .map(|f| {
            let mut out = Vec::with_capacity(16 + f.ip.len());
            // Packet type: 4 = sent by us (the client's host), 0 = addressed to us.
            out.extend_from_slice(&(if f.from_client { 4u16 } else { 0 }).to_be_bytes());
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.extend_from_slice(&6u16.to_be_bytes()); // link-layer address length
            let mac = if f.from_client {
                MAC_CLIENT
            } else {
                MAC_SERVER
            };
            out.extend_from_slice(&mac);
            out.extend_from_slice(&[0, 0]); // address padded to 8 bytes
            out.extend_from_slice(&ether_type(&f.ip).to_be_bytes()); // protocol
            out.extend_from_slice(&f.ip);
            (f.ts_us, out)
        })
        .collect()
}

/// Linux cooked capture v2: a 20-byte pseudo-header before the IP packet.
fn sll2(frames: &[Frame]) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .map(|f| {
            let mut out = Vec::with_capacity(20 + f.ip.len());
            out.extend_from_slice(&ether_type(&f.ip).to_be_bytes()); // protocol
            out.extend_from_slice(&0u16.to_be_bytes()); // reserved
            out.extend_from_slice(&2u32.to_be_bytes()); // interface index
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.push(if f.from_client { 4 } else { 0 }); // packet type
            out.push(6); // link-layer address length
            let mac = if f.from_client {
                MAC_CLIENT
            } else {
                MAC_SERVER
            };
            out.extend_from_slice(&mac);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&f.ip);
            (f.ts_us, out)
        })
        .collect()
}

/// PPP in HDLC-like framing (RFC 1662): address 0xFF, control 0x03, then the protocol (0x0021
/// IPv4, 0x0057 IPv6). No FCS, as capture tools store it.
fn ppp(frames: &[Frame]) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .map(|f| {
            let mut out = vec![0xff, 0x03];
            let proto: u16 = if f.ip[0] >> 4 == 6 { 0x0057 } else { 0x0021 };
            out.extend_from_slice(&proto.to_be_bytes());
            out.extend_from_slice(&f.ip);
            (f.ts_us, out)
        })
        .collect()
}

/// Cisco HDLC: address (0x0F unicast), control 0, then the EtherType.
fn cisco_hdlc(frames: &[Frame]) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .map(|f| {
            let mut out = vec![0x0f, 0x00];
            out.extend_from_slice(&ether_type(&f.ip).to_be_bytes());
            out.extend_from_slice(&f.ip);
            (f.ts_us, out)
        })
        .collect()
}

/// An 802.11 data frame carrying `ip` between the client station and the server behind the
/// access point: to the distribution system (flags 0x01) from the client, from it (0x02)
/// otherwise. `qos` makes it a QoS data frame (subtype 8, 2 bytes of QoS control). Then
/// LLC/SNAP (AA AA 03, OUI 00 00 00, the EtherType) and the packet.
fn wifi_data(f: &Frame, seq: u16, qos: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(34 + f.ip.len());
    out.push(if qos { 0x88 } else { 0x08 }); // frame control: version 0, type 2 (data), subtype
    out.push(if f.from_client { 0x01 } else { 0x02 }); // flags: To DS / From DS
    out.extend_from_slice(&[0, 0]); // duration
    let (a1, a2, a3) = if f.from_client {
        (MAC_AP, MAC_CLIENT, MAC_SERVER) // BSSID, source, destination
    } else {
        (MAC_CLIENT, MAC_AP, MAC_SERVER) // destination, BSSID, source
    };
    for a in [a1, a2, a3] {
        out.extend_from_slice(&a);
    }
    out.extend_from_slice(&(seq << 4).to_le_bytes()); // sequence control: fragment 0
    if qos {
        out.extend_from_slice(&[0x00, 0x00]); // QoS control: TID 0, no A-MSDU
    }
    out.extend_from_slice(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00]); // LLC/SNAP
    out.extend_from_slice(&ether_type(&f.ip).to_be_bytes());
    out.extend_from_slice(&f.ip);
    out
}

/// 802.11 frames that carry no packet, read and skipped: a beacon (management) and a QoS null
/// data frame (a data subtype without a body).
fn wifi_non_ip(ts_us: u64) -> Vec<(u64, Vec<u8>)> {
    let mut beacon = vec![0x80, 0x00, 0, 0];
    beacon.extend_from_slice(&[0xff; 6]);
    beacon.extend_from_slice(&MAC_AP);
    beacon.extend_from_slice(&MAC_AP);
    beacon.extend_from_slice(&[0, 0]);
    beacon.extend_from_slice(&[0; 8]); // timestamp
    beacon.extend_from_slice(&100u16.to_le_bytes()); // beacon interval
    beacon.extend_from_slice(&0x0401u16.to_le_bytes()); // capabilities
    beacon.extend_from_slice(&[0, 5]); // SSID element, 5 bytes
    beacon.extend_from_slice(b"nfdpi");
    let mut null = vec![0xc8, 0x01, 0, 0];
    for a in [MAC_AP, MAC_CLIENT, MAC_AP] {
        null.extend_from_slice(&a);
    }
    null.extend_from_slice(&[0x10, 0, 0, 0]); // sequence control, QoS control
    vec![(ts_us, beacon), (ts_us + 1, null)]
}

/// IEEE 802.3 CRC-32 (the 802.11 frame check sequence), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Radiotap (version 0) with TSFT (8 bytes), Flags (0x10: the frame ends with its FCS), Rate
/// and Channel, then a QoS data frame and its FCS. The two frames without a packet come first.
fn radiotap(frames: &[Frame]) -> Vec<(u64, Vec<u8>)> {
    let header = |ts_us: u64| {
        let mut h = vec![0x00, 0x00]; // version, pad
        h.extend_from_slice(&22u16.to_le_bytes()); // header length
        h.extend_from_slice(&0x0000_000fu32.to_le_bytes()); // present: TSFT, Flags, Rate, Channel
        h.extend_from_slice(&ts_us.to_le_bytes()); // TSFT, microseconds (aligned to 8)
        h.push(0x10); // Flags: FCS at the end
        h.push(108); // Rate: 54 Mb/s in 500 kb/s units
        h.extend_from_slice(&5180u16.to_le_bytes()); // Channel: frequency, MHz
        h.extend_from_slice(&0x0140u16.to_le_bytes()); // Channel: flags (OFDM, 5 GHz)
        h
    };
    let with_fcs = |ts: u64, frame: Vec<u8>| {
        let mut out = header(ts);
        let fcs = crc32(&frame);
        out.extend_from_slice(&frame);
        out.extend_from_slice(&fcs.to_le_bytes());
        (ts, out)
    };
    let first = frames.first().map_or(0, |f| f.ts_us) - 10;
    let mut out: Vec<_> = wifi_non_ip(first)
        .into_iter()
        .map(|(ts, f)| with_fcs(ts, f))
        .collect();
    out.extend(
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| with_fcs(f.ts_us, wifi_data(f, i as u16, true))),
    );
    out
}

/// PPI (version 0, 8-byte header naming 802.11) with one 802.11-Common field (type 2, 20 bytes:
/// TSF timer, flags 0x0001 = FCS present, rate, channel, signal), then a data frame (no QoS)
/// and its FCS.
fn ppi(frames: &[Frame]) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut out = vec![0x00, 0x00]; // version, flags
            out.extend_from_slice(&32u16.to_le_bytes()); // header length: 8 + 4 + 20
            out.extend_from_slice(&u32::from(LINKTYPE_IEEE802_11).to_le_bytes());
            out.extend_from_slice(&2u16.to_le_bytes()); // field type: 802.11-Common
            out.extend_from_slice(&20u16.to_le_bytes()); // field length
            out.extend_from_slice(&f.ts_us.to_le_bytes()); // TSF timer
            out.extend_from_slice(&1u16.to_le_bytes()); // flags: FCS present
            out.extend_from_slice(&108u16.to_le_bytes()); // rate, 500 kb/s units
            out.extend_from_slice(&2437u16.to_le_bytes()); // channel frequency, MHz
            out.extend_from_slice(&0x00c0u16.to_le_bytes()); // channel flags (2 GHz, OFDM)
            out.extend_from_slice(&[0, 0, 0xc4, 0xa1]); // FHSS, FHSS, signal -60 dBm, noise
            let frame = wifi_data(f, i as u16, false);
            let fcs = crc32(&frame);
            out.extend_from_slice(&frame);
            out.extend_from_slice(&fcs.to_le_bytes());
            (f.ts_us, out)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Containers (writing only; nfdpi reads them with pcap-parser)

/// Classic pcap (little-endian, microsecond timestamps).
fn write_pcap(path: &Path, linktype: u16, frames: &[(u64, Vec<u8>)]) -> io::Result<()> {
    let mut out = Vec::new();
    // File header: magic, version 2.4, thiszone, sigfigs, snaplen, network.
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&u32::from(linktype).to_le_bytes());
    for (ts, data) in frames {
        // Record header: seconds, microseconds, captured length, original length.
        out.extend_from_slice(&((ts / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((ts % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    write_file(path, &out)
}

/// pcapng: one Section Header Block, one Interface Description Block (default microsecond
/// resolution), and one Enhanced Packet Block per frame; little-endian.
fn write_pcapng(path: &Path, linktype: u16, frames: &[(u64, Vec<u8>)]) -> io::Result<()> {
    let mut out = Vec::new();
    // SHB: type, total length, byte-order magic, version 1.0, section length unknown (-1).
    out.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
    out.extend_from_slice(&28u32.to_le_bytes());
    out.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(-1i64).to_le_bytes());
    out.extend_from_slice(&28u32.to_le_bytes());
    // IDB: type, total length, link type, reserved, snap length, (no options), total length.
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&20u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&20u32.to_le_bytes());
    for (ts, data) in frames {
        let padded = data.len().div_ceil(4) * 4;
        let total = (32 + padded) as u32;
        // EPB: type, total length, interface 0, timestamp (high, low; microseconds), captured
        // and original lengths, the data padded to 32 bits, total length.
        out.extend_from_slice(&6u32.to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        out.extend_from_slice(&(*ts as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        out.resize(out.len() + padded - data.len(), 0);
        out.extend_from_slice(&total.to_le_bytes());
    }
    write_file(path, &out)
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    println!("{} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
