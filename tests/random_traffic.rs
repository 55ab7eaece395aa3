//! Random traffic (issue 11): UDP flows of random payloads (what an encrypted tunnel looks like)
//! are never named and are all cut at the budget; the same with the first one to three packets
//! of a real Skype/Teams call (the shared captures) and random bytes after them: a tunnel that
//! borrows a call's first packets never confirms. Both with the default set and with the
//! opt-in classic Skype file. The flows go through the real engine (`Engine::process_ip`, the
//! entry both the daemon and `classify` call), built in memory; the seed is fixed and printed.

mod common;
mod lab;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;

use nfdpi::engine::{Engine, EngineConfig, FlowRecord, SignatureSet};
use nfdpi::policy::DEFAULT_BUDGET;

/// Flows per run: 20,000 random, and as many with a call's first packets.
const FLOWS: u64 = 20_000;
const SEED: u64 = 0x11_2026_1130;

/// xorshift64*: deterministic from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 32) as u8).collect()
    }
}

/// An IPv4/UDP packet (IP header without options, UDP header, payload).
fn udp(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) -> Vec<u8> {
    let total = 28 + payload.len();
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ]);
    p.extend_from_slice(&src.0.octets());
    p.extend_from_slice(&dst.0.octets());
    p.extend_from_slice(&src.1.to_be_bytes());
    p.extend_from_slice(&dst.1.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

/// One flow: private addresses (no operator's address range backs a rule), random ports, the
/// `prefix` payloads (true: from the client) and then random datagrams of 40–1,400 bytes in
/// random directions until the flow is decided.
fn run_flow(e: &Engine, n: u64, rng: &mut Rng, prefix: &[(bool, Vec<u8>)], t: &mut u64) {
    let a = (
        Ipv4Addr::from(0x0a00_0000 | (n as u32 & 0x00ff_ffff)),
        1024 + rng.below(64_000) as u16,
    );
    let b = (
        Ipv4Addr::from(0xc0a8_0000 | (rng.below(65_536) as u32)),
        1024 + rng.below(64_000) as u16,
    );
    for (to_server, payload) in prefix {
        let (s, d) = if *to_server { (a, b) } else { (b, a) };
        *t += 1;
        if e.process_ip(&udp(s, d, payload), *t).decided {
            return;
        }
    }
    // The first random packet goes to the server when the prefix is empty.
    let mut first = prefix.is_empty();
    for _ in 0..1000 {
        let len = 40 + rng.below(1361) as usize;
        let payload = rng.bytes(len);
        let to_server = first || rng.below(2) == 0;
        first = false;
        let (s, d) = if to_server { (a, b) } else { (b, a) };
        *t += 1;
        if e.process_ip(&udp(s, d, &payload), *t).decided {
            return;
        }
    }
}

fn engine(paths: &[PathBuf]) -> Engine {
    let set = SignatureSet::load(paths).unwrap_or_else(|e| panic!("{}", e[0]));
    Engine::new(EngineConfig::default(), Arc::new(set))
}

/// What went wrong with the flows, one line each (at most ten shown).
fn offenders(records: &[FlowRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| {
            r.protocol != "Unknown"
                || r.verdict != "drop"
                || r.decided_at_bytes.is_none_or(|b| b <= DEFAULT_BUDGET)
        })
        .map(|r| {
            format!(
                "{} -> {}: {} {} at {:?} bytes (rule {:?})",
                r.src, r.dst, r.protocol, r.verdict, r.decided_at_bytes, r.signature
            )
        })
        .collect()
}

fn sets() -> Vec<(&'static str, Vec<PathBuf>)> {
    let root = common::root();
    vec![
        ("default set", vec![root.join("signatures")]),
        (
            "default set + opt-in/skype_classic.sig",
            vec![
                root.join("signatures"),
                root.join("signatures/opt-in/skype_classic.sig"),
            ],
        ),
    ]
}

/// Each run's flows end cut at the budget, unnamed; prints the figures.
fn check(what: &str, records: Vec<FlowRecord>, named_pending: usize) {
    let bad = offenders(&records);
    eprintln!(
        "{what}: {} flows, seed {SEED:#x}: {} cut at the budget unnamed, {} not ({} of the cut \
         carried a name they never confirmed)",
        records.len(),
        records.len() - bad.len(),
        bad.len(),
        named_pending
    );
    assert_eq!(records.len() as u64, FLOWS, "{what}");
    assert!(
        bad.is_empty(),
        "{what}: {} of {} flows were named or not cut at the budget:\n{}",
        bad.len(),
        records.len(),
        bad.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn random_udp_flows_are_never_named_and_always_cut_at_the_budget() {
    for (what, paths) in sets() {
        let e = engine(&paths);
        let mut rng = Rng(SEED);
        let mut t = 0;
        for n in 0..FLOWS {
            run_flow(&e, n, &mut rng, &[], &mut t);
        }
        let mut out = Vec::new();
        e.drain(&mut out);
        let unconfirmed = out.iter().filter(|r| r.unconfirmed.is_some()).count();
        check(&format!("random, {what}"), out, unconfirmed);
    }
}

/// Real call flows to borrow first packets from: (capture, client, server).
const CALLS: [(&str, &str, &str); 6] = [
    (
        "skype-conference-call.pcap",
        "192.168.2.20:49282",
        "104.46.40.49:60642",
    ),
    ("teams.pcap", "192.168.1.6:50016", "52.114.250.141:3478"),
    ("teams.pcap", "93.71.110.205:16332", "192.168.1.6:50016"),
    ("teams.pcap", "192.168.1.6:50036", "52.114.250.137:3478"),
    ("teams.pcap", "192.168.1.6:50016", "192.168.0.4:50005"),
    ("skype.pcap", "192.168.1.34:13021", "64.4.23.166:40022"),
];

#[test]
fn a_calls_first_packets_then_random_bytes_are_always_cut_at_the_budget() {
    let test = "a_calls_first_packets_then_random_bytes_are_always_cut_at_the_budget";
    let mut calls: Vec<Vec<(bool, Vec<u8>)>> = Vec::new();
    for (capture, client, server) in CALLS {
        let Some(path) = common::capture(&format!("ndpi/{capture}"), test) else {
            return;
        };
        let (c, s) = (client.parse().unwrap(), server.parse().unwrap());
        let flow = lab::captured_flows(&path)
            .into_iter()
            .find(|f| (f.client, f.server) == (c, s))
            .unwrap_or_else(|| panic!("no flow {client} -> {server} in {capture}"));
        let steps: Vec<(bool, Vec<u8>)> = flow
            .steps
            .into_iter()
            .take(3)
            .map(|(d, p)| (matches!(d, lab::Dir::ToServer), p))
            .collect();
        calls.push(steps);
    }
    for (what, paths) in sets() {
        let e = engine(&paths);
        let mut rng = Rng(SEED ^ 0xca11);
        let mut t = 0;
        for n in 0..FLOWS {
            let call = &calls[(n % calls.len() as u64) as usize];
            let k = 1 + (n / calls.len() as u64 % 3) as usize;
            run_flow(&e, n, &mut rng, &call[..k.min(call.len())], &mut t);
        }
        let mut out = Vec::new();
        e.drain(&mut out);
        let unconfirmed = out.iter().filter(|r| r.unconfirmed.is_some()).count();
        check(&format!("call prefix + random, {what}"), out, unconfirmed);
    }
}
