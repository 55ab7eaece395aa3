//! The rule index against its reference on real traffic: for every flow of the shared captures
//! (`../shared/pcaps/ndpi`, `ndpi-more`), packet by packet, the indexed matcher gives exactly
//! the answers of trying every rule in precedence order; and so it does on flows assembled at
//! random from those captures' packets, some of them altered. The shipped set is used, and the
//! set with the opt-in files when they exist. Skips (or fails under `NFDPI_REQUIRE_CORPUS=1`)
//! without the shared captures.

mod common;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nfdpi::engine::LinkType;
use nfdpi::flow::key::Side;
use nfdpi::flow::FlowKey;
use nfdpi::packet::{Direction, Packet};
use nfdpi::signature::matcher::{inspect, inspect_every_rule, settle, Ctx, Outcome, Progress};
use nfdpi::signature::SignatureSet;
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};
use proptest::prelude::*;

/// Every frame of a capture with its link type, in file order.
fn frames(path: &Path) -> Vec<(LinkType, Vec<u8>)> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let Ok(mut reader) = pcap_parser::create_reader(1 << 20, file) else {
        return Vec::new();
    };
    let mut links: Vec<Option<LinkType>> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.next() {
            Ok((n, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        links = vec![LinkType::from_pcap(h.network.0)]
                    }
                    PcapBlockOwned::Legacy(b) => {
                        if let Some(Some(l)) = links.first() {
                            out.push((*l, b.data.to_vec()));
                        }
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(i)) => {
                        links.push(LinkType::from_pcap(i.linktype.0))
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(e)) => {
                        if let Some(Some(l)) = links.get(e.if_id as usize) {
                            let len = (e.caplen as usize).min(e.data.len());
                            out.push((*l, e.data[..len].to_vec()));
                        }
                    }
                    _ => {}
                }
                reader.consume(n);
            }
            Err(PcapError::Incomplete(_)) => {
                if reader.reader_exhausted() || reader.refill().is_err() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    out
}

/// The captures of both shared corpora, or `None` (after saying why) when they are absent.
fn captures(test: &str) -> Option<Vec<PathBuf>> {
    let mut all = Vec::new();
    for dir in ["ndpi", "ndpi-more"] {
        let d = common::shared_pcaps().join(dir);
        let Ok(rd) = std::fs::read_dir(&d) else {
            return common::absent(&d, test);
        };
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
        v.sort();
        all.extend(v);
    }
    Some(all)
}

/// The shipped set, and the shipped set with the opt-in files when there are any.
fn sets() -> &'static [SignatureSet] {
    static SETS: OnceLock<Vec<SignatureSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        let root = common::root().join("signatures");
        let mut v = vec![SignatureSet::load(std::slice::from_ref(&root)).expect("shipped set")];
        let opt_in = root.join("opt-in");
        if opt_in.is_dir() {
            v.push(SignatureSet::load(&[root, opt_in]).expect("shipped set with opt-in files"));
        }
        v
    })
}

fn describe(o: Outcome<'_>) -> String {
    match o {
        Outcome::Matched(l) => format!("{} {}", l.protocol, l.location),
        Outcome::Undecided => "undecided".into(),
        Outcome::GaveUp => "gave up".into(),
    }
}

/// One flow's matching state under both matchers.
struct Flow {
    client: Side,
    seen: [u32; 2],
    fast: Progress,
    slow: Progress,
    done: bool,
}

/// Both matchers on one packet of its flow; a description of the first disagreement.
fn step(
    set: &SignatureSet,
    flows: &mut HashMap<FlowKey, Flow>,
    pkt: &Packet<'_>,
) -> Option<String> {
    let (key, side) = FlowKey::of(pkt);
    let f = flows.entry(key).or_insert_with(|| Flow {
        client: side,
        seen: [0; 2],
        fast: Progress::default(),
        slow: Progress::default(),
        done: false,
    });
    if f.done {
        return None;
    }
    let dir = if side == f.client {
        Direction::ToServer
    } else {
        Direction::ToClient
    };
    let ctx = Ctx {
        dir,
        index: f.seen[0] + f.seen[1],
        index_in_dir: f.seen[dir as usize],
    };
    f.seen[dir as usize] += 1;
    let got = describe(inspect(set, pkt, &ctx, &mut f.fast));
    let want = describe(inspect_every_rule(set, pkt, &ctx, &mut f.slow));
    let held = |p: &Progress| settle(set, p).map(|l| l.location.clone());
    if got != want || held(&f.fast) != held(&f.slow) {
        return Some(format!(
            "{pkt:?} (packet {} of its flow): indexed {got} (held {:?}), every rule {want} (held {:?})",
            ctx.index,
            held(&f.fast),
            held(&f.slow)
        ));
    }
    f.done = got != "undecided";
    None
}

#[test]
fn the_index_answers_as_every_rule_on_every_shared_capture() {
    let Some(caps) = captures("the_index_answers_as_every_rule_on_every_shared_capture") else {
        return;
    };
    let mut packets = 0usize;
    let mut failures = Vec::new();
    for set in sets() {
        for cap in &caps {
            let mut flows = HashMap::new();
            for (link, data) in frames(cap) {
                let Ok(pkt) = Packet::from_link(link, &data) else {
                    continue;
                };
                if !pkt.has_ports() {
                    continue;
                }
                packets += 1;
                if let Some(f) = step(set, &mut flows, &pkt) {
                    failures.push(format!("{}: {f}", cap.display()));
                }
            }
        }
    }
    assert!(packets > 50_000, "only {packets} packets read");
    assert!(
        failures.is_empty(),
        "{} disagreements, first: {}",
        failures.len(),
        failures[0]
    );
}

/// A packet of the corpus, owned: transport, addresses, ports, payload.
#[derive(Debug, Clone)]
struct Real {
    proto: u8,
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    payload: Vec<u8>,
}

/// The first packets of every flow of the shared captures (the ones the matcher sees).
fn pool() -> &'static [Real] {
    static POOL: OnceLock<Vec<Real>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut out = Vec::new();
        for cap in captures("the_index_answers_as_every_rule_on_real_packets_recombined")
            .unwrap_or_default()
        {
            let mut per_flow: HashMap<FlowKey, u32> = HashMap::new();
            for (link, data) in frames(&cap) {
                let Ok(p) = Packet::from_link(link, &data) else {
                    continue;
                };
                let n = per_flow.entry(FlowKey::of(&p).0).or_default();
                *n += 1;
                if p.has_ports() && *n <= 4 {
                    out.push(Real {
                        proto: p.proto,
                        src: p.src,
                        dst: p.dst,
                        sport: p.sport,
                        dport: p.dport,
                        payload: p.payload.to_vec(),
                    });
                }
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Flows assembled from real packets: the endpoints of one, the payloads of others (any
    /// flow, any capture), in either direction, some payloads cut or with a byte changed.
    #[test]
    fn the_index_answers_as_every_rule_on_real_packets_recombined(
        picks in prop::collection::vec(
            (any::<prop::sample::Index>(), any::<bool>(),
             prop::option::of((any::<prop::sample::Index>(), any::<u8>())), any::<prop::sample::Index>()),
            1..10,
        ),
    ) {
        let pool = pool();
        if pool.is_empty() {
            return Ok(());
        }
        for set in sets() {
            let mut flows = HashMap::new();
            let base = picks[0].0.get(pool);
            for (payload_of, reply, change, cut) in &picks {
                let mut payload = payload_of.get(pool).payload.clone();
                if let Some((at, byte)) = change {
                    if !payload.is_empty() {
                        let i = at.index(payload.len());
                        payload[i] = *byte;
                    }
                }
                if payload.len() > 1 && cut.index(4) == 0 {
                    payload.truncate(cut.index(payload.len()));
                }
                // The flow keeps the first packet's endpoints; a reply swaps them.
                let (src, dst, sport, dport) = if *reply {
                    (base.dst, base.src, base.dport, base.sport)
                } else {
                    (base.src, base.dst, base.sport, base.dport)
                };
                let pkt = Packet {
                    src,
                    dst,
                    proto: base.proto,
                    sport,
                    dport,
                    payload: &payload,
                    ip_len: 40,
                    frag: None,
                };
                prop_assert_eq!(step(set, &mut flows, &pkt), None);
            }
        }
    }
}
