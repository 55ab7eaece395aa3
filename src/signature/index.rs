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
use super::parse::{Cidr, Cmp, Field, TestKind};
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
    Bytes(ByteSet, Option<Shape>),
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
                Key::Bytes(first, shape) => t.file_bytes(i, first, shape),
            }
        }
        t.v4 = Ranges::build(&v4);
        t.v6 = Ranges::build(&v6);
        t
    }

    fn file_bytes(&mut self, rule: u16, first: ByteSet, shape: Option<Shape>) {
        for b in first.iter() {
            if let Some(v) = self.by_byte.get_mut(usize::from(b)) {
                v.push(rule);
            }
        }
        if first.is_all() {
            self.empty.push(rule);
            return;
        }
        let Some(shape) = shape else { return };
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
    let mut shaped: Option<(ByteSet, Shape)> = None;
    for t in &r.tests {
        match &t.kind {
            TestKind::Proto(p) if !t.negated => {
                let h = p.check().hints(transport);
                match (h.shape, shaped) {
                    (Some(s), None) if can_use(&s) => shaped = Some((h.first, s)),
                    // Only one shaped test is used; the others say nothing here.
                    (Some(_), _) => {}
                    (None, _) => first = first.intersect(h.first),
                }
            }
            k => first = first.intersect(first_bytes(k, t.negated)),
        }
    }
    match shaped {
        // A shaped test admits its first bytes or its shape: whatever the other tests admit
        // on the first byte, a payload of the shape stays a candidate.
        Some((b, s)) if !b.is_all() => Key::Bytes(first.intersect(b), Some(s)),
        _ => Key::Bytes(first, None),
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
    (span <= MAX_PORT_SPAN).then(|| ranges.iter().flat_map(|&(a, b)| a..=b).collect())
}

/// First payload bytes a generic test admits (`ByteSet::ALL` when it does not look at byte 0).
fn first_bytes(k: &TestKind, negated: bool) -> ByteSet {
    match k {
        TestKind::Field(f, mask, cmp) if f.offset == 0 => {
            field_first_bytes(*f, *mask, cmp, negated)
        }
        TestKind::Prefix(l) | TestKind::At(0, l) if !negated => {
            l.first().map_or(ByteSet::ALL, |&b| ByteSet::only(b))
        }
        _ => ByteSet::ALL,
    }
}

/// First bytes of the values of a field at offset 0 that pass its comparison.
fn field_first_bytes(f: Field, mask: Option<u32>, cmp: &Cmp, negated: bool) -> ByteSet {
    let passes = |v: u32| compare(mask.map_or(v, |m| v & m), cmp) != negated;
    match (f.width, f.le) {
        (1, _) => ByteSet::from_fn(|b| passes(u32::from(b))),
        // Every value whose first byte is b: the high byte big-endian, the low one little-endian.
        (2, false) => ByteSet::from_fn(|b| (0u32..256).any(|o| passes(u32::from(b) << 8 | o))),
        (2, true) => ByteSet::from_fn(|b| (0u32..256).any(|o| passes(o << 8 | u32::from(b)))),
        (4, le) if !negated => word_first_bytes(le, mask, cmp),
        _ => ByteSet::ALL,
    }
}

/// For a 32-bit field compared for equality (or membership) with its first byte unmasked: the
/// first bytes of the values.
fn word_first_bytes(le: bool, mask: Option<u32>, cmp: &Cmp) -> ByteSet {
    let first = |v: u32| if le { v as u8 } else { (v >> 24) as u8 };
    if mask.is_some_and(|m| first(m) != 0xFF) {
        return ByteSet::ALL;
    }
    match cmp {
        Cmp::Op(super::parse::Op::Eq, n) => ByteSet::only(first(*n)),
        Cmp::Set(v) => ByteSet::from_fn(|b| v.iter().any(|&n| first(n) == b)),
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
