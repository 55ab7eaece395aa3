//! Criterion benches, one per pipeline stage: parse, flow lookup/insert (10k and 1M flows),
//! matching (one packet against the shipped set), and the whole engine over a capture held in
//! memory. Inputs are loaded outside the timed loops. Real frames come from the shared nDPI
//! captures when `../shared/pcaps/ndpi` exists, else from the project's own `pcaps/`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use nfdpi::engine::{Engine, EngineConfig, LinkType};
use nfdpi::flow::{FlowKey, FlowTable, TableConfig};
use nfdpi::packet::{Direction, Packet};
use nfdpi::signature::matcher::{self, Ctx, Progress};
use nfdpi::signature::SignatureSet;
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};

struct Frame {
    link: LinkType,
    ts: u64,
    data: Vec<u8>,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every frame of a capture (Ethernet and the other supported link types), in file order.
fn load(path: &Path) -> Vec<Frame> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let Ok(mut reader) = pcap_parser::create_reader(1 << 20, file) else {
        return Vec::new();
    };
    let mut links: Vec<Option<LinkType>> = Vec::new();
    let mut frames = Vec::new();
    loop {
        let step = match reader.next() {
            Ok((n, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        links = vec![LinkType::from_pcap(h.network.0)]
                    }
                    PcapBlockOwned::Legacy(b) => {
                        if let Some(Some(link)) = links.first() {
                            let ts =
                                u64::from(b.ts_sec) * 1_000_000_000 + u64::from(b.ts_usec) * 1000;
                            frames.push(Frame {
                                link: *link,
                                ts,
                                data: b.data.to_vec(),
                            });
                        }
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        links.push(LinkType::from_pcap(idb.linktype.0))
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        if let Some(Some(link)) = links.get(epb.if_id as usize) {
                            let ts =
                                ((u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low)) * 1000;
                            let len = (epb.caplen as usize).min(epb.data.len());
                            frames.push(Frame {
                                link: *link,
                                ts,
                                data: epb.data[..len].to_vec(),
                            });
                        }
                    }
                    _ => {}
                }
                Some(n)
            }
            Err(PcapError::Incomplete(_)) => None,
            Err(_) => break,
        };
        match step {
            Some(n) => reader.consume(n),
            None if reader.reader_exhausted() || reader.refill().is_err() => break,
            None => {}
        }
    }
    frames
}

/// Frames of every shared capture (or the project's own when the shared folder is absent).
fn corpus() -> Vec<Frame> {
    let shared = crate_dir().join("../shared/pcaps/ndpi");
    let dir = if shared.is_dir() {
        shared
    } else {
        crate_dir().join("pcaps")
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.retain(|p| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("pcap" | "pcapng")
        )
    });
    names.sort();
    names.iter().flat_map(|p| load(p)).collect()
}

fn signatures() -> Arc<SignatureSet> {
    Arc::new(
        SignatureSet::load(&[crate_dir().join("signatures")])
            .unwrap_or_else(|_| SignatureSet::empty()),
    )
}

fn bench_parse(c: &mut Criterion) {
    let frames = corpus();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("from_link/corpus", |b| {
        b.iter(|| {
            for f in &frames {
                black_box(Packet::from_link(f.link, black_box(&f.data)).ok());
            }
        })
    });
    g.finish();
}

/// `n` distinct UDP keys, IPv4 and IPv6 mixed.
fn keys(n: usize) -> Vec<FlowKey> {
    (0..n)
        .map(|i| {
            let i = i as u32;
            let src = if i.is_multiple_of(2) {
                IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (i >> 8)))
            } else {
                IpAddr::V6(Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    0,
                    0,
                    0,
                    0,
                    (i >> 16) as u16,
                    i as u16,
                ))
            };
            let dst = if src.is_ipv4() {
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))
            } else {
                "2001:db8::1".parse().unwrap()
            };
            FlowKey::from_parts(
                17,
                SocketAddr::new(src, 1024 + (i % 60000) as u16),
                SocketAddr::new(dst, 3478),
            )
            .0
        })
        .collect()
}

fn bench_table(c: &mut Criterion) {
    let mut g = c.benchmark_group("flow_table");
    for n in [10_000usize, 1_000_000] {
        let ks = keys(n);
        let table = FlowTable::new(TableConfig {
            max_flows: n * 2,
            ..Default::default()
        });
        let side = FlowKey::from_parts(
            17,
            "10.0.0.1:1".parse().unwrap(),
            "10.0.0.2:2".parse().unwrap(),
        )
        .1;
        for k in &ks {
            table.with_flow(*k, side, 0, |_| ());
        }
        g.throughput(Throughput::Elements(1));
        let mut i = 0usize;
        g.bench_function(format!("lookup/{n}"), |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                black_box(table.with_flow(ks[i], side, 1, |st| st.packets[0]))
            })
        });
        let fresh = keys(n + 10_000).split_off(n);
        g.bench_function(format!("insert/{n}"), |b| {
            b.iter_batched(
                || (),
                |_| {
                    i = (i + 1) % fresh.len();
                    black_box(table.with_flow(fresh[i], side, 2, |st| st.packets[0]))
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn udp_frame(payload: &[u8], dport: u16) -> Vec<u8> {
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4([192, 168, 1, 10], [198, 51, 100, 7], 64)
        .udp(50000, dport)
        .write(&mut out, payload)
        .unwrap();
    out
}

fn bench_match(c: &mut Criterion) {
    let sigs = signatures();
    // A STUN binding request (RFC 5389 header with the magic cookie, no attributes).
    let mut stun = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    stun.extend_from_slice(&[0x5a; 12]);
    // Random-looking bytes (a fixed xorshift sequence): what an unknown flow looks like.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let random: Vec<u8> = (0..200)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let corpus = corpus();
    let first_packets: Vec<&Frame> = corpus.iter().take(2000).collect();
    let ctx = Ctx {
        dir: Direction::ToServer,
        index: 0,
        index_in_dir: 0,
    };
    let mut g = c.benchmark_group("match");
    g.throughput(Throughput::Elements(1));
    for (name, frame) in [
        ("stun", udp_frame(&stun, 3478)),
        ("random", udp_frame(&random, 40000)),
    ] {
        g.bench_function(format!("{name}/whole_set"), |b| {
            let pkt = Packet::from_link(LinkType::Ethernet, &frame).unwrap();
            b.iter(|| {
                let mut p = Progress::default();
                black_box(matches!(
                    matcher::inspect(&sigs, black_box(&pkt), &ctx, &mut p),
                    matcher::Outcome::Matched(_)
                ))
            })
        });
    }
    g.throughput(Throughput::Elements(first_packets.len() as u64));
    g.bench_function("corpus_packets/whole_set", |b| {
        let pkts: Vec<Packet<'_>> = first_packets
            .iter()
            .filter_map(|f| Packet::from_link(f.link, &f.data).ok())
            .collect();
        b.iter(|| {
            for pkt in &pkts {
                let mut p = Progress::default();
                black_box(matches!(
                    matcher::inspect(&sigs, pkt, &ctx, &mut p),
                    matcher::Outcome::Matched(_)
                ));
            }
        })
    });
    g.finish();
}

fn bench_engine(c: &mut Criterion) {
    let frames = corpus();
    let bytes: u64 = frames.iter().map(|f| f.data.len() as u64).sum();
    let sigs = signatures();
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    for (name, set) in [
        ("shipped_signatures", Arc::clone(&sigs)),
        ("no_signatures", Arc::new(SignatureSet::empty())),
    ] {
        // The same run, reported per packet and per byte (criterion takes one unit a bench).
        let run = |b: &mut criterion::Bencher<'_>| {
            b.iter(|| {
                let e = Engine::new(EngineConfig::default(), Arc::clone(&set));
                for f in &frames {
                    black_box(e.process(f.link, &f.data, f.ts));
                }
                e.flows()
            })
        };
        g.throughput(Throughput::Elements(frames.len() as u64));
        g.bench_function(format!("corpus_packets/{name}"), run);
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function(format!("corpus_bytes/{name}"), run);
    }
    g.finish();
}

criterion_group!(benches, bench_parse, bench_table, bench_match, bench_engine);
criterion_main!(benches);
