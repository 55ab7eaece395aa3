//! The candidate index: which rules a packet may match, from what the rules say about
//! transport, ports, addresses and the payload's first byte or shape. It never decides a match:
//! the matcher tries the candidates, in precedence order, and a candidate list is always a
//! superset of the rules that can match (a proptest checks the indexed matcher against trying
//! every rule).
//!
//! Each rule is filed, per transport, under one key: the ports of its first port test (when it
//! spans at most 64 ports), else the networks of its first address test, else the first payload
//! bytes its tests admit (and, for a helper such as `host` whose payloads have no fixed first
//! byte, a cheap payload shape), else every first byte and the empty payload.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::IpAddr;

use super::matcher::compare;
use super::parse::{Cidr, Cmp, TestKind};
use super::CompiledRule;
use crate::packet::{Packet, TCP, UDP};
use crate::proto::{ByteSet, Shape};

/// Rules filed under ports are those whose port test spans at most this many ports.
const MAX_PORT_SPAN: u32 = 64;
/// Distinct payload shapes a table evaluates per packet; rules with more get no shape key.
const MAX_SHAPES: usize = 3;
/// Candidate lists one packet can meet: two ports, a first byte, two addresses, the shapes.
const MAX_LISTS: usize = 5 + MAX_SHAPES;

/// The index of a set: one table per transport.
#[derive(Debug, Default)]
pub(crate) struct Index {
    udp: Table,
    tcp: Table,
}

/// Rule numbers (indexes into the set's rules, ascending, which is precedence order) by key.
#[derive(Debug, Default)]
struct Table {
    by_port: HashMap<u16, Vec<u16>, ahash::RandomState>,
    /// 256 lists, one per first payload byte.
    by_byte: Vec<Vec<u16>>,
    /// Rules that may match an empty payload.
    empty: Vec<u16>,
    v4: Ranges,
    v6: Ranges,
    shapes: Vec<(Shape, Vec<u16>)>,
}

/// Address ranges cut into elementary intervals: `lists[i]` holds the rules whose networks
/// contain every address from `starts[i]` up to the next start.
#[derive(Debug, Default)]
struct Ranges {
    starts: Vec<u128>,
    lists: Vec<Vec<u16>>,
}

/// Where one rule is filed.
enum Key {
    Ports(Vec<u16>),
    Networks(Vec<Cidr>),
    /// First payload bytes, whether an empty payload may match, and a payload shape.
    Bytes(ByteSet, bool, Option<Shape>),
}

impl Index {
    pub(crate) fn build(rules: &[CompiledRule]) -> Index {
        Index {
            udp: Table::build(rules, UDP),
            tcp: Table::build(rules, TCP),
        }
    }

    /// The rules a packet may match, ascending; `None` for a transport no rule can match.
    pub(crate) fn candidates<'s>(&'s self, pkt: &Packet<'_>) -> Option<Candidates<'s>> {
        let t = match pkt.proto {
            UDP => &self.udp,
            TCP => &self.tcp,
            _ => return None,
        };
        let mut c = Candidates::default();
        c.push(t.by_port.get(&pkt.sport).map(Vec::as_slice));
        if pkt.dport != pkt.sport {
            c.push(t.by_port.get(&pkt.dport).map(Vec::as_slice));
        }
        match pkt.payload.first() {
            Some(&b) => c.push(t.by_byte.get(usize::from(b)).map(Vec::as_slice)),
            None => c.push(Some(&t.empty)),
        }
        let src = t.networks(pkt.src);
        let dst = t.networks(pkt.dst);
        c.push(src);
        if dst.map(<[u16]>::as_ptr) != src.map(<[u16]>::as_ptr) {
            c.push(dst);
        }
        for (shape, list) in &t.shapes {
            if (shape.holds)(pkt.payload, pkt.proto) {
                c.push(Some(list));
            }
        }
        Some(c)
    }
}

impl Table {
    fn build(rules: &[CompiledRule], transport: u8) -> Table {
        let mut t = Table {
            by_byte: vec![Vec::new(); 256],
            ..Table::default()
        };
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for (i, r) in rules.iter().enumerate() {
            if r.transport.is_some_and(|p| p != transport) {
                continue;
            }
            let i = u16::try_from(i).unwrap_or(u16::MAX);
            match key(r, transport, &t.shapes) {
                Key::Ports(ports) => {
                    for p in ports {
                        t.by_port.entry(p).or_default().push(i);
                    }
                }
                Key::Networks(nets) => {
                    for n in nets {
                        let (start, end) = bounds(&n);
                        let list = if n.addr.is_ipv4() { &mut v4 } else { &mut v6 };
                        list.push((start, end, i));
                    }
                }
                Key::Bytes(first, empty, shape) => t.file_bytes(i, first, empty, shape),
            }
        }
        t.v4 = Ranges::build(&v4);
        t.v6 = Ranges::build(&v6);
        t
    }

    fn file_bytes(&mut self, rule: u16, first: ByteSet, empty: bool, shape: Option<Shape>) {
        for b in first.iter() {
            if let Some(v) = self.by_byte.get_mut(usize::from(b)) {
                v.push(rule);
            }
        }
        if empty {
            self.empty.push(rule);
        }
        let Some(shape) = shape.filter(|_| !first.is_all()) else {
            return;
        };
        match self.shapes.iter_mut().find(|(s, _)| s.name == shape.name) {
            Some((_, list)) => list.push(rule),
            None => self.shapes.push((shape, vec![rule])),
        }
    }

    fn networks(&self, a: IpAddr) -> Option<&[u16]> {
        match a {
            IpAddr::V4(a) => self.v4.find(u128::from(u32::from(a))),
            IpAddr::V6(a) => self.v6.find(u128::from(a)),
        }
    }
}

impl Ranges {
    /// From (first address, last address, rule) entries in ascending rule order.
    fn build(entries: &[(u128, u128, u16)]) -> Ranges {
        if entries.is_empty() {
            return Ranges::default();
        }
        let mut starts = vec![0u128];
        for &(s, e, _) in entries {
            starts.push(s);
            starts.extend(e.checked_add(1));
        }
        starts.sort_unstable();
        starts.dedup();
        let mut lists = vec![Vec::new(); starts.len()];
        for &(s, e, rule) in entries {
            let lo = starts.partition_point(|&x| x < s);
            let hi = e
                .checked_add(1)
                .map_or(starts.len(), |end| starts.partition_point(|&x| x < end));
            for list in lists.iter_mut().take(hi).skip(lo) {
                if list.last() != Some(&rule) {
                    list.push(rule);
                }
            }
        }
        Ranges { starts, lists }
    }

    fn find(&self, a: u128) -> Option<&[u16]> {
        let i = self.starts.partition_point(|&s| s <= a).checked_sub(1)?;
        self.lists.get(i).map(Vec::as_slice)
    }
}

/// First and last address of a network, as numbers in its family.
fn bounds(n: &Cidr) -> (u128, u128) {
    let (addr, bits) = match n.addr {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32u32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    let host_bits = bits.saturating_sub(u32::from(n.len));
    let span = 1u128.checked_shl(host_bits).map_or(u128::MAX, |s| s - 1);
    let start = addr & !span;
    (start, start | span)
}

/// Where a rule is filed in the table of `transport`, whose shapes so far are `shapes`.
fn key(r: &CompiledRule, transport: u8, shapes: &[(Shape, Vec<u16>)]) -> Key {
    let can_use =
        |s: &Shape| shapes.len() < MAX_SHAPES || shapes.iter().any(|(x, _)| x.name == s.name);
    if let Some(ports) = ports(r) {
        return Key::Ports(ports);
    }
    let nets = r.tests.iter().find_map(|t| match &t.kind {
        TestKind::Ip(_, v) if !t.negated => Some(v),
        _ => None,
    });
    if let Some(nets) = nets {
        return Key::Networks(nets.clone());
    }
    let mut first = ByteSet::ALL;
    let mut empty = true;
    let mut shaped: Option<(ByteSet, Shape)> = None;
    for t in &r.tests {
        let (bytes, admits_empty, shape) = match &t.kind {
            TestKind::Proto(p) if !t.negated => {
                let h = p.check().hints(transport);
                (h.first, h.first.is_all(), h.shape)
            }
            k => {
                let (bytes, admits_empty) = first_bytes(k, t.negated);
                (bytes, admits_empty, None)
            }
        };
        empty &= admits_empty;
        match (shape, shaped) {
            (Some(s), None) if can_use(&s) => shaped = Some((bytes, s)),
            // Only one shaped test is used; the others say nothing here.
            (Some(_), _) => {}
            (None, _) => first = first.intersect(bytes),
        }
    }
    match shaped {
        // A shaped test admits its first bytes or its shape: whatever the other tests admit
        // on the first byte, a payload of the shape stays a candidate.
        Some((b, s)) if !b.is_all() => Key::Bytes(first.intersect(b), empty, Some(s)),
        _ => Key::Bytes(first, empty, None),
    }
}

/// Ports under which a rule is filed: its first non-negated port test, when it spans at most
/// `MAX_PORT_SPAN` ports.
fn ports(r: &CompiledRule) -> Option<Vec<u16>> {
    let ranges = r.tests.iter().find_map(|t| match &t.kind {
        TestKind::Port(_, v) if !t.negated => Some(v),
        _ => None,
    })?;
    let span: u32 = ranges
        .iter()
        .map(|&(a, b)| u32::from(b) - u32::from(a) + 1)
        .sum();
    (span <= MAX_PORT_SPAN).then(|| {
        // Overlapping ranges (`port 2-53, 44-53`) file the rule once per port: a rule twice in
        // one list would be tried twice on one packet, counting a `repeat` twice.
        let mut v: Vec<u16> = ranges.iter().flat_map(|&(a, b)| a..=b).collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// First payload bytes a generic test admits (`ByteSet::ALL` when it does not look at byte 0),
/// and whether it may hold on an empty payload.
fn first_bytes(k: &TestKind, negated: bool) -> (ByteSet, bool) {
    match k {
        TestKind::Field(f, mask, cmp) if f.offset == 0 => {
            let passes = |v: u32| compare(mask.map_or(v, |m| v & m), cmp) != negated;
            match (f.width, f.le, negated) {
                (1, _, _) => (ByteSet::from_fn(|b| passes(u32::from(b))), negated),
                // A negated wider field holds on a payload too short to have it, whatever its
                // first byte.
                (_, _, true) => (ByteSet::ALL, true),
                (2, le, _) => (u16_first_bytes(le, *mask, cmp), false),
                (_, le, _) => (word_first_bytes(le, *mask, cmp), false),
            }
        }
        TestKind::At(0, l) if !negated => {
            (l.first().map_or(ByteSet::ALL, |&b| ByteSet::only(b)), false)
        }
        TestKind::Field(..) | TestKind::LenField(..) | TestKind::At(..) | TestKind::Contains(_)
            if !negated =>
        {
            (ByteSet::ALL, false)
        }
        TestKind::Prefix(l) if !negated => {
            (l.first().map_or(ByteSet::ALL, |&b| ByteSet::only(b)), false)
        }
        _ => (ByteSet::ALL, true),
    }
}

/// For a 16-bit field at offset 0: the first bytes of the values that pass (the high byte
/// big-endian, the low one little-endian). Equality and sets are read off the values; other
/// comparisons try every second byte.
fn u16_first_bytes(le: bool, mask: Option<u32>, cmp: &Cmp) -> ByteSet {
    let m = mask.unwrap_or(0xFFFF) & 0xFFFF;
    // (first byte, second byte) of a 16-bit value as the payload carries it.
    let split = |v: u32| {
        if le {
            (v & 0xFF, v >> 8 & 0xFF)
        } else {
            (v >> 8 & 0xFF, v & 0xFF)
        }
    };
    let (mf, mo) = split(m);
    // `(v & m) == n` for some second byte: n has no bit outside the mask, and the first byte
    // agrees with n on the mask's bits.
    let eq = |n: u32| {
        let (nf, no) = split(n);
        if n > 0xFFFF || no & !mo != 0 || nf & !mf != 0 {
            return ByteSet::NONE;
        }
        ByteSet::from_fn(|b| u32::from(b) & mf == nf)
    };
    match cmp {
        Cmp::Op(super::parse::Op::Eq, n) => eq(*n),
        Cmp::Set(v) => v.iter().fold(ByteSet::NONE, |acc, &n| acc.union(eq(n))),
        _ => {
            let compose = |b: u32, o: u32| if le { o << 8 | b } else { b << 8 | o };
            ByteSet::from_fn(|b| (0u32..256).any(|o| compare(compose(u32::from(b), o) & m, cmp)))
        }
    }
}

/// For a 32-bit field compared for equality (or membership): the first bytes of the values.
fn word_first_bytes(le: bool, mask: Option<u32>, cmp: &Cmp) -> ByteSet {
    let first = |v: u32| if le { v as u8 } else { (v >> 24) as u8 };
    let m = mask.unwrap_or(u32::MAX);
    // `(v & m) == n`: none when n has a bit outside the mask, else the first bytes that agree
    // with n on the mask's bits of the first byte (`u32@0 & 0xf0ffffff == 0x30000000`: 16).
    let eq = |n: u32| {
        if n & !m != 0 {
            return ByteSet::NONE;
        }
        ByteSet::from_fn(|b| b & first(m) == first(n))
    };
    match cmp {
        Cmp::Op(super::parse::Op::Eq, n) => eq(*n),
        Cmp::Set(v) => v.iter().fold(ByteSet::NONE, |acc, &n| acc.union(eq(n))),
        _ => ByteSet::ALL,
    }
}

/// The candidates of one packet: the union of a few ascending lists, walked in ascending
/// order without allocating (each rule once).
#[derive(Debug, Default)]
pub(crate) struct Candidates<'s> {
    lists: [&'s [u16]; MAX_LISTS],
    n: usize,
}

impl<'s> Candidates<'s> {
    fn push(&mut self, list: Option<&'s [u16]>) {
        let Some(list) = list.filter(|l| !l.is_empty()) else {
            return;
        };
        if let Some(slot) = self.lists.get_mut(self.n) {
            *slot = list;
            self.n += 1;
        }
    }
}

impl Iterator for Candidates<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        if self.n == 1 {
            // The common case (only the first byte's list): no merge.
            let l = self.lists.first_mut()?;
            let (&r, rest) = l.split_first()?;
            *l = rest;
            return Some(r);
        }
        let live = self.lists.get_mut(..self.n)?;
        let min = live.iter().filter_map(|l| l.first()).min().copied()?;
        for l in live.iter_mut() {
            if l.first() == Some(&min) {
                *l = l.get(1..).unwrap_or(&[]);
            }
        }
        Some(min)
    }
}

/// The index against its reference: on random rule sets and random flows, and on the shipped
/// set, the indexed matcher answers exactly as trying every rule in order does, packet by
/// packet. (`tests/index.rs` does the same on the frames of the shared captures.)
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::net::IpAddr;

    use proptest::prelude::*;

    use super::super::compile::{self, Source};
    use super::super::matcher::{
        in_cidr, inspect, inspect_every_rule, settle, Ctx, Outcome, Progress,
    };
    use super::super::parse::{
        Cidr, Cmp, Echo, Field, File, Item, Op, Position, Protocol, Repeat, Rule, Side, Test,
        TestKind, Transport,
    };
    use super::super::SignatureSet;
    use super::{bounds, Ranges};
    use crate::packet::{Direction, Packet, TCP, UDP};
    use crate::proto;

    /// A small vocabulary, so that random rules and random packets meet often.
    const BYTES: [u8; 9] = [0, 1, 2, 3, 0x08, 0x16, 0x80, 0xc1, 0xff];
    const PORTS: [u16; 5] = [1, 2, 53, 3478, 40000];
    /// Addresses on both sides of the networks' edges.
    const ADDRS: [&str; 13] = [
        "0.0.0.0",
        "10.0.0.0",
        "10.0.0.1",
        "10.0.0.2",
        "10.0.1.0",
        "10.255.255.255",
        "11.0.0.0",
        "255.255.255.255",
        "::",
        "2001:db8::",
        "2001:db8::1",
        "2001:db8:1::",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ];

    fn field_s() -> impl Strategy<Value = Field> {
        (
            prop::sample::select(vec![1u8, 1, 2, 4]),
            -1i32..2,
            any::<bool>(),
        )
            .prop_map(|(w, o, le)| Field {
                width: w,
                offset: o,
                le: le && w > 1,
            })
    }

    fn cmp_s() -> impl Strategy<Value = Cmp> {
        let small = prop::sample::select(vec![0u32, 1, 2, 3, 0x16, 0x80, 0x0800, 0x0100_0000]);
        let op = prop::sample::select(vec![Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]);
        prop_oneof![
            (op, small.clone()).prop_map(|(o, n)| Cmp::Op(o, n)),
            (0u32..4, 0u32..300).prop_map(|(a, b)| Cmp::Range(a, a + b)),
            prop::collection::vec(small, 1..3).prop_map(Cmp::Set),
        ]
    }

    fn kind_s() -> impl Strategy<Value = TestKind> {
        let side = prop::sample::select(vec![Side::Either, Side::Server, Side::Client]);
        let lit = prop::collection::vec(prop::sample::select(BYTES.to_vec()), 1..3);
        let cidr = (prop::sample::select(ADDRS.to_vec()), 0u8..=64).prop_map(|(a, l)| {
            let addr: IpAddr = a.parse().unwrap();
            let len = if addr.is_ipv4() { l.min(32) } else { l * 2 };
            Cidr { addr, len }
        });
        prop_oneof![
            1 => prop::sample::select(vec![Transport::Udp, Transport::Tcp])
                .prop_map(TestKind::Transport),
            1 => (side.clone(), prop::collection::vec((0u16..60, 0u16..80), 1..3)).prop_map(
                |(s, v)| TestKind::Port(s, v.into_iter().map(|(a, n)| (a, a + n)).collect())
            ),
            1 => (side.clone(), prop::collection::vec(cidr, 1..3)).prop_map(|(s, v)| TestKind::Ip(s, v)),
            1 => prop_oneof![Just(Position::First), (1u32..4).prop_map(Position::Within)]
                .prop_map(TestKind::Packet),
            1 => side.prop_map(TestKind::Direction),
            1 => Just(TestKind::BothDirections),
            6 => (field_s(), prop::option::of(prop::sample::select(vec![0xffu32, 0xf0, 0xff00_0000])), cmp_s())
                .prop_map(|(f, m, c)| {
                    let max = if f.width == 4 { u32::MAX } else { (1u32 << (8 * f.width)) - 1 };
                    let c = match c {
                        Cmp::Op(o, n) => Cmp::Op(o, n & max),
                        Cmp::Range(a, b) => Cmp::Range(a & max, (b & max).max(a & max)),
                        Cmp::Set(v) => Cmp::Set(v.into_iter().map(|n| n & max).collect()),
                    };
                    TestKind::Field(f, m.map(|m| m & max), c)
                }),
            1 => cmp_s().prop_map(TestKind::Len),
            2 => (0u16..3, lit.clone()).prop_map(|(o, l)| TestKind::At(o, l)),
            2 => lit.clone().prop_map(TestKind::Prefix),
            1 => lit.prop_map(TestKind::Contains),
            2 => super::super::parse::tests::proto_s(),
        ]
    }

    fn rule_s() -> impl Strategy<Value = Rule> {
        (
            -1i32..2,
            any::<bool>(),
            prop::collection::vec((prop::bool::weighted(0.3), kind_s()), 0..4),
            prop_oneof![
                Just((None, None)),
                (2u8..4, prop::option::of(field_s())).prop_map(|r| (Some(r), None)),
                (field_s(), field_s()).prop_map(|(a, b)| (
                    None,
                    Some(Echo {
                        request: a,
                        reply: b
                    })
                )),
            ],
        )
            .prop_map(|(priority, hold, tests, (repeat, echo))| {
                let mut r = Rule {
                    name: "r".into(),
                    line: 1,
                    priority: Some(priority),
                    hold,
                    broad: false,
                    tests: tests
                        .into_iter()
                        .map(|(negated, kind)| Test { negated, kind })
                        .collect(),
                    repeat: repeat.map(|(count, same)| Repeat { count, same }),
                    echo,
                    confirm: None,
                    examples: Vec::new(),
                };
                // The index must hold for broad rules too (an operator may write them).
                r.broad = compile::evidence(&r).is_none();
                r
            })
    }

    /// Rules that compile (values fit, ranges in order), each protocol with one rule.
    fn set_of(rules: Vec<Rule>) -> SignatureSet {
        let label = std::sync::Arc::new(super::super::Label {
            protocol: String::new(),
            id: 0,
            category: String::new(),
            location: String::new(),
            confirm: None,
        });
        let compiles = |r: &Rule| compile::compile_rule(label.clone(), r).is_ok();
        let items = rules
            .into_iter()
            .filter(compiles)
            .enumerate()
            .map(|(i, r)| {
                Item::Protocol(Protocol {
                    name: format!("P{i}"),
                    id: u16::try_from(i + 1).unwrap(),
                    category: "Custom".into(),
                    line: 1,
                    rules: vec![r],
                })
            })
            .collect();
        let src = Source {
            name: "t.sig",
            text: "",
            file: File { items },
        };
        compile::compile(&[src]).unwrap()
    }

    /// One packet of a flow: direction, transport, ports swapped or not, addresses, payload.
    type Step = (bool, u8, usize, usize, Vec<u8>);

    fn step_s() -> impl Strategy<Value = Step> {
        let payload = prop_oneof![
            4 => prop::collection::vec(prop::sample::select(BYTES.to_vec()), 0..8),
            1 => prop::collection::vec(any::<u8>(), 0..40),
            1 => prop::sample::select(vec![
                proto::tests_support::hex(proto::dns::tests::DNS_QUERY),
                proto::tests_support::hex(proto::stun::tests::STUN_BINDING),
                proto::tests_support::hex(proto::rtp::tests::RTP),
                proto::tls::client_hello(b"example.org"),
                proto::dns::tests::query(b"www.example.org"),
            ]),
        ];
        (
            any::<bool>(),
            prop::sample::select(vec![UDP, UDP, TCP, 1]),
            0..PORTS.len() * PORTS.len(),
            0..ADDRS.len() * ADDRS.len(),
            payload,
        )
    }

    /// Run a flow through both matchers; every outcome and held match must agree.
    fn same_answers(set: &SignatureSet, steps: &[Step]) -> Result<(), TestCaseError> {
        let (mut fast, mut slow) = (Progress::default(), Progress::default());
        let mut n = [0u32; 2];
        for (i, (to_client, proto, ports, addrs, payload)) in steps.iter().enumerate() {
            let dir = if *to_client {
                Direction::ToClient
            } else {
                Direction::ToServer
            };
            let (a, b) = (ADDRS[addrs / ADDRS.len()], ADDRS[addrs % ADDRS.len()]);
            let pkt = Packet {
                src: a.parse().unwrap(),
                dst: b.parse().unwrap(),
                proto: *proto,
                sport: PORTS[ports / PORTS.len()],
                dport: PORTS[ports % PORTS.len()],
                payload,
                ip_len: 40,
                frag: None,
            };
            let d = usize::from(*to_client);
            let ctx = Ctx {
                dir,
                index: u32::try_from(i).unwrap(),
                index_in_dir: n[d],
            };
            n[d] += 1;
            let got = describe(inspect(set, &pkt, &ctx, &mut fast));
            let want = describe(inspect_every_rule(set, &pkt, &ctx, &mut slow));
            prop_assert_eq!(&got, &want, "packet {} {:?}", i, pkt);
            let held = |p: &Progress| settle(set, p).map(|l| l.location.clone());
            prop_assert_eq!(held(&fast), held(&slow));
            if got != "undecided" {
                break;
            }
        }
        Ok(())
    }

    fn describe(o: Outcome<'_>) -> String {
        match o {
            Outcome::Matched(l) => format!("{} {}", l.protocol, l.location),
            Outcome::Undecided => "undecided".into(),
            Outcome::GaveUp => "gave up".into(),
        }
    }

    proptest! {
        /// Address ranges find exactly the rules whose networks hold an address (both edges
        /// of every network and its neighbours are probed).
        #[test]
        fn address_ranges_find_exactly_the_networks(
            nets in prop::collection::vec((any::<u32>(), 0u8..=32, any::<u128>(), 0u8..=128), 1..8),
        ) {
            let nets: Vec<Cidr> = nets
                .into_iter()
                .enumerate()
                .map(|(i, (a4, l4, a6, l6))| if i % 2 == 0 {
                    Cidr { addr: IpAddr::V4(a4.into()), len: l4 / 4 * 4 }
                } else {
                    Cidr { addr: IpAddr::V6(a6.into()), len: l6 / 8 * 8 }
                })
                .collect();
            let entries = |v4: bool| -> Vec<(u128, u128, u16)> {
                nets.iter().enumerate()
                    .filter(|(_, n)| n.addr.is_ipv4() == v4)
                    .map(|(i, n)| { let (s, e) = bounds(n); (s, e, u16::try_from(i).unwrap()) })
                    .collect()
            };
            let (r4, r6) = (Ranges::build(&entries(true)), Ranges::build(&entries(false)));
            for n in &nets {
                let (s, e) = bounds(n);
                for x in [s.wrapping_sub(1), s, s.wrapping_add(1), e.wrapping_sub(1), e, e.wrapping_add(1)] {
                    let a = if n.addr.is_ipv4() {
                        let Ok(v) = u32::try_from(x) else { continue };
                        IpAddr::V4(v.into())
                    } else {
                        IpAddr::V6(x.into())
                    };
                    let want: Vec<u16> = (0..nets.len())
                        .filter(|&i| in_cidr(a, &nets[i]))
                        .map(|i| u16::try_from(i).unwrap())
                        .collect();
                    let got = match a {
                        IpAddr::V4(v) => r4.find(u128::from(u32::from(v))),
                        IpAddr::V6(v) => r6.find(u128::from(v)),
                    };
                    prop_assert_eq!(got.unwrap_or(&[]), want.as_slice(), "{}", a);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_rules_random_flows(
            rules in prop::collection::vec(rule_s(), 1..12),
            steps in prop::collection::vec(step_s(), 1..8),
        ) {
            same_answers(&set_of(rules), &steps)?;
        }

        #[test]
        fn the_shipped_set_on_random_flows(steps in prop::collection::vec(step_s(), 1..8)) {
            same_answers(super::super::proptests::shipped(), &steps)?;
        }
    }
}
