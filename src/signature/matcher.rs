//! Matching one packet against the compiled set. Pure: (set, packet view, context, progress) →
//! outcome. No allocation per packet, no access to the flow table.
//!
//! A packet meets only its candidate rules (`index`: by transport, port, address, first
//! payload byte, payload shape). Candidates are tried in precedence order (priority,
//! specificity, file order); the first rule whose tests all hold (and whose `repeat` count is
//! reached) names the flow. [`inspect_every_rule`] tries every rule instead: the slow, obvious
//! reference the index is tested against.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;

use super::parse::{Cidr, Cmp, Echo, Field, Op, Position, Side, Test, TestKind, Transport};
use super::{CompiledRule, Label, SignatureSet};
use crate::packet::{Direction, Packet, TCP, UDP};

/// Slots for rules that need several packets (`repeat`, `echo`), per flow.
const SLOTS: usize = 4;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    value: u32,
    /// Rule index + 1, times 2, plus the direction when the rule compares a value (0: empty).
    key: u16,
    count: u8,
}

/// Per-flow matching progress, kept in the flow's state between packets. Small and fixed-size
/// (36 bytes): four slots for the rules that need several packets (a `repeat` rule takes one,
/// or one per direction with `same`; an `echo` rule one per direction), and a held provisional
/// match. When the slots are full, a rule that outranks the lowest-ranked rule under way takes
/// its slot, so the rules that would win are the ones that progress.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    slots: [Slot; SLOTS],
    /// Index + 1 of the rule whose `hold` match waits for a better one (0: none).
    held: u16,
}

impl Progress {
    /// Slot `i`'s value and count. Once a rule with `confirm` names the flow, matching stops and
    /// the cleared slots keep its confirmation (`confirm`).
    pub(crate) fn cell(&mut self, i: usize) -> Option<(&mut u32, &mut u8)> {
        self.slots.get_mut(i).map(|s| (&mut s.value, &mut s.count))
    }
}

/// Where a packet stands in its flow.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub dir: Direction,
    /// 0-based number of this packet in the flow, both directions counted.
    pub index: u32,
    /// 0-based number of this packet among the flow's packets in the same direction.
    pub index_in_dir: u32,
}

/// What the matcher says after one packet.
#[derive(Debug, Clone)]
pub enum Outcome<'s> {
    /// Nothing yet; later packets may still match.
    Undecided,
    /// A rule matched: the flow is identified.
    Matched(&'s Arc<Label>),
    /// No rule can match this flow any more; stop calling for it.
    GaveUp,
}

/// Inspect one packet of a flow.
pub fn inspect<'s>(
    set: &'s SignatureSet,
    pkt: &Packet<'_>,
    ctx: &Ctx,
    progress: &mut Progress,
) -> Outcome<'s> {
    match set.index.candidates(pkt) {
        Some(c) => run(set, pkt, ctx, progress, c, true),
        None => Outcome::GaveUp,
    }
}

/// [`inspect`] without the index, the prefilter and the gates: every rule's tests are tried, as
/// written, in precedence order. The reference the indexed matcher is checked against; too
/// slow for traffic.
#[doc(hidden)]
pub fn inspect_every_rule<'s>(
    set: &'s SignatureSet,
    pkt: &Packet<'_>,
    ctx: &Ctx,
    progress: &mut Progress,
) -> Outcome<'s> {
    if !matches!(pkt.proto, UDP | TCP) {
        return Outcome::GaveUp;
    }
    let n = u16::try_from(set.rules.len()).unwrap_or(u16::MAX);
    run(set, pkt, ctx, progress, 0..n, false)
}

/// Try `candidates` (ascending rule numbers) on one packet; `gated`: through the prefilter and
/// each rule's gate and the tests it leaves, else through the rule's tests as written.
fn run<'s>(
    set: &'s SignatureSet,
    pkt: &Packet<'_>,
    ctx: &Ctx,
    progress: &mut Progress,
    candidates: impl Iterator<Item = u16>,
    gated: bool,
) -> Outcome<'s> {
    if set.rules.is_empty() || ctx.index >= set.max_window {
        return Outcome::GaveUp;
    }
    let head = super::gate::head(pkt.payload);
    let bits = if gated {
        set.prefilter.bits(pkt.payload.len(), head)
    } else {
        None
    };
    for r in candidates {
        if bits.as_ref().is_some_and(|b| !super::prefilter::has(b, r)) {
            continue;
        }
        // Rules are tried in precedence order: once past a held match, none can outrank it.
        if progress.held != 0 && r >= progress.held - 1 {
            break;
        }
        let Some(rule) = set.rules.get(usize::from(r)) else {
            continue;
        };
        if ctx.index >= rule.window {
            continue;
        }
        let passes = if gated {
            rule.gate.admits(pkt.payload, head) && rule.left.iter().all(|t| holds(t, pkt, ctx))
        } else {
            rule.tests.iter().all(|t| holds(t, pkt, ctx))
        };
        if !passes {
            continue;
        }
        let complete = match (rule.repeat, rule.echo) {
            (Some(rep), _) => count_repeat(progress, r, rep.count, rep.same, pkt.payload, ctx.dir),
            (None, Some(echo)) => check_echo(progress, r, echo, pkt.payload, ctx.dir),
            (None, None) => true,
        };
        if !complete {
            continue;
        }
        if !rule.hold {
            return Outcome::Matched(&rule.label);
        }
        // A provisional match: kept while later packets may still match a rule that outranks it.
        progress.held = r.saturating_add(1);
    }
    let next = ctx.index.saturating_add(1);
    if progress.held != 0 {
        // Final once no rule that outranks it looks at later packets.
        let horizon = set
            .horizon
            .get(usize::from(progress.held - 1))
            .copied()
            .unwrap_or(0);
        if next >= horizon {
            if let Some(label) = settle(set, progress) {
                return Outcome::Matched(label);
            }
        }
    }
    if next >= set.max_window {
        Outcome::GaveUp
    } else {
        Outcome::Undecided
    }
}

/// A rule's slot key: its index + 1, times 2, plus 1 for the server's direction when `per_dir`.
fn slot_key(rule: u16, dir: Direction, per_dir: bool) -> Option<u16> {
    let bit = u16::from(per_dir && dir == Direction::ToClient);
    Some(rule.checked_add(1)?.checked_mul(2)? | bit)
}

/// The slot of `key`, or one given to it (zeroed): a free one, else the one of the rule of
/// lowest precedence when `key`'s rule outranks it (keys grow as precedence falls); `None` when
/// every slot belongs to a rule that outranks it.
fn slot(p: &mut Progress, key: u16) -> Option<&mut Slot> {
    let lowest = || {
        let (i, s) = p.slots.iter().enumerate().max_by_key(|(_, s)| s.key >> 1)?;
        (s.key >> 1 > key >> 1).then_some(i)
    };
    let i = p
        .slots
        .iter()
        .position(|s| s.key == key)
        .or_else(|| p.slots.iter().position(|s| s.key == 0))
        .or_else(lowest)?;
    let s = p.slots.get_mut(i)?;
    if s.key != key {
        *s = Slot {
            key,
            count: 0,
            value: 0,
        };
    }
    Some(s)
}

/// Count one more packet for a `repeat` rule; true when the count is reached.
fn count_repeat(
    p: &mut Progress,
    rule: u16,
    need: u8,
    same: Option<Field>,
    payload: &[u8],
    dir: Direction,
) -> bool {
    let value = match same {
        Some(f) => match read(payload, f) {
            Some(v) => Some(v),
            None => return false,
        },
        None => None,
    };
    let Some(s) = slot_key(rule, dir, same.is_some()).and_then(|k| slot(p, k)) else {
        return false;
    };
    match value {
        Some(v) if s.count > 0 && s.value != v => {
            s.value = v;
            s.count = 1;
        }
        Some(v) if s.count == 0 => {
            s.value = v;
            s.count = 1;
        }
        _ => s.count = s.count.saturating_add(1),
    }
    s.count >= need
}

/// An `echo` rule on a packet whose tests hold: true when its reply field equals the request
/// field recorded from the other direction; otherwise its own request field is recorded (the
/// latest of its direction).
fn check_echo(p: &mut Progress, rule: u16, echo: Echo, payload: &[u8], dir: Direction) -> bool {
    let other = match dir {
        Direction::ToServer => Direction::ToClient,
        Direction::ToClient => Direction::ToServer,
    };
    let theirs = slot_key(rule, other, true);
    let recorded = p
        .slots
        .iter()
        .find(|s| Some(s.key) == theirs && s.count > 0)
        .map(|s| s.value);
    if let (Some(want), Some(got)) = (recorded, read(payload, echo.reply)) {
        if want == got {
            return true;
        }
    }
    let Some(v) = read(payload, echo.request) else {
        return false;
    };
    if let Some(s) = slot_key(rule, dir, true).and_then(|k| slot(p, k)) {
        s.value = v;
        s.count = 1;
    }
    false
}

/// A provisional identification the matcher holds in `progress`: the match of a `hold` rule
/// that no deciding rule has overridden yet. The engine asks when a flow is about to be cut by
/// its budget and when it ends undecided, so a held match is never lost.
pub fn settle<'s>(set: &'s SignatureSet, progress: &Progress) -> Option<&'s Arc<Label>> {
    let i = usize::from(progress.held.checked_sub(1)?);
    set.rules.get(i).map(|r| &r.label)
}

/// Whether a rule's payload tests hold on a payload alone (address, port, position and
/// `repeat` are not checked). Used to run the examples carried in the files.
pub(crate) fn payload_tests_hold(rule: &CompiledRule, payload: &[u8]) -> bool {
    tests_hold(&rule.tests, payload, rule.transport.unwrap_or(UDP))
}

/// Whether the payload tests among `tests` hold on a payload of transport `proto` (the others
/// are not checked).
pub(crate) fn tests_hold(tests: &[Test], payload: &[u8], proto: u8) -> bool {
    tests
        .iter()
        .filter(|t| is_payload_test(&t.kind))
        .all(|t| payload_test(&t.kind, payload, proto) != t.negated)
}

pub(crate) fn is_payload_test(k: &TestKind) -> bool {
    !matches!(
        k,
        TestKind::Transport(_)
            | TestKind::Port(..)
            | TestKind::Ip(..)
            | TestKind::Packet(_)
            | TestKind::Direction(_)
            | TestKind::BothDirections
    )
}

/// Whether one test holds on a packet at its place in the flow.
pub(crate) fn holds(t: &Test, pkt: &Packet<'_>, ctx: &Ctx) -> bool {
    let (client, server, cport, sport) = match ctx.dir {
        Direction::ToServer => (pkt.src, pkt.dst, pkt.sport, pkt.dport),
        Direction::ToClient => (pkt.dst, pkt.src, pkt.dport, pkt.sport),
    };
    let r = match &t.kind {
        TestKind::Transport(Transport::Udp) => pkt.proto == UDP,
        TestKind::Transport(Transport::Tcp) => pkt.proto == TCP,
        TestKind::Port(side, ranges) => {
            let inr = |p: u16| ranges.iter().any(|&(a, b)| (a..=b).contains(&p));
            match side {
                Side::Either => inr(cport) || inr(sport),
                Side::Server => inr(sport),
                Side::Client => inr(cport),
            }
        }
        TestKind::Ip(side, nets) => {
            let inn = |a: IpAddr| nets.iter().any(|n| in_cidr(a, n));
            match side {
                Side::Either => inn(client) || inn(server),
                Side::Server => inn(server),
                Side::Client => inn(client),
            }
        }
        TestKind::Packet(Position::First) => ctx.index == 0,
        TestKind::Packet(Position::FirstToServer) => {
            ctx.dir == Direction::ToServer && ctx.index_in_dir == 0
        }
        TestKind::Packet(Position::FirstToClient) => {
            ctx.dir == Direction::ToClient && ctx.index_in_dir == 0
        }
        TestKind::Packet(Position::Within(n)) => ctx.index < *n,
        TestKind::Direction(Side::Client) => ctx.dir == Direction::ToClient,
        TestKind::Direction(_) => ctx.dir == Direction::ToServer,
        // Packets of the other direction came before this one.
        TestKind::BothDirections => ctx.index > ctx.index_in_dir,
        k => payload_test(k, pkt.payload, pkt.proto),
    };
    r != t.negated
}

pub(crate) fn in_cidr(a: IpAddr, n: &Cidr) -> bool {
    match (a, n.addr) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let m = u32::MAX.checked_shl(32 - u32::from(n.len)).unwrap_or(0);
            u32::from(a) & m == u32::from(b) & m
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let m = u128::MAX.checked_shl(128 - u32::from(n.len)).unwrap_or(0);
            u128::from(a) & m == u128::from(b) & m
        }
        _ => false,
    }
}

/// Read a field (a negative offset counts from the payload's end); `None` when the payload is
/// too short.
pub(crate) fn read(p: &[u8], f: Field) -> Option<u32> {
    let at = if f.offset < 0 {
        p.len()
            .checked_sub(usize::try_from(f.offset.unsigned_abs()).ok()?)?
    } else {
        usize::try_from(f.offset).ok()?
    };
    let b = p.get(at..)?;
    match (f.width, f.le) {
        (1, _) => b.first().map(|&x| u32::from(x)),
        (2, false) => Some(u32::from(u16::from_be_bytes(*b.first_chunk()?))),
        (2, true) => Some(u32::from(u16::from_le_bytes(*b.first_chunk()?))),
        (4, false) => Some(u32::from_be_bytes(*b.first_chunk()?)),
        (4, true) => Some(u32::from_le_bytes(*b.first_chunk()?)),
        (w, le) => {
            let b = b.get(..usize::from(w))?;
            Some(if le {
                b.iter().rev().fold(0u32, |acc, &x| acc << 8 | u32::from(x))
            } else {
                b.iter().fold(0u32, |acc, &x| acc << 8 | u32::from(x))
            })
        }
    }
}

fn op(o: Op, a: i64, b: i64) -> bool {
    match o {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
    }
}

/// Compare a number: `== 5`, `in 1..9` (inclusive), `in {1, 2}`.
pub(crate) fn compare(v: u32, c: &Cmp) -> bool {
    match c {
        Cmp::Op(o, n) => op(*o, i64::from(v), i64::from(*n)),
        Cmp::Range(a, b) => (*a..=*b).contains(&v),
        Cmp::Set(s) => s.contains(&v),
    }
}

fn payload_test(k: &TestKind, p: &[u8], proto: u8) -> bool {
    match k {
        TestKind::Field(f, mask, c) => {
            read(p, *f).is_some_and(|v| compare(mask.map_or(v, |m| v & m), c))
        }
        TestKind::Len(c) => compare(u32::try_from(p.len()).unwrap_or(u32::MAX), c),
        TestKind::LenField(o, f, add) => read(p, *f).is_some_and(|v| {
            op(
                *o,
                i64::try_from(p.len()).unwrap_or(i64::MAX),
                i64::from(v) + i64::from(*add),
            )
        }),
        TestKind::At(off, lit) => {
            let at = usize::from(*off);
            p.get(at..).is_some_and(|rest| rest.starts_with(lit))
        }
        TestKind::Prefix(lit) => p.starts_with(lit),
        TestKind::Contains(lit) => {
            // memchr's substring search, not a compare at every offset: on an unknown flow's
            // payload this test runs on each of its first packets.
            !lit.is_empty() && memchr::memmem::find(p, lit).is_some()
        }
        TestKind::Proto(t) => t.check().holds(p, proto),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// `contains` finds a literal wherever it sits (start, end, overlapping a near miss),
        /// exactly as a compare at every offset would, and never an empty one.
        #[test]
        fn contains_is_a_substring_search(
            hay in proptest::collection::vec(0u8..4, 0..64),
            lit in proptest::collection::vec(0u8..4, 0..6),
        ) {
            let naive = !lit.is_empty() && hay.windows(lit.len()).any(|w| w == lit.as_slice());
            proptest::prop_assert_eq!(payload_test(&TestKind::Contains(lit), &hay, UDP), naive);
        }
    }

    #[test]
    fn negative_offsets_count_from_the_end() {
        let f = |offset| Field {
            width: 1,
            offset,
            le: false,
        };
        assert_eq!(read(&[2, 7, 3], f(-1)), Some(3));
        assert_eq!(read(&[2, 7, 3], f(-3)), Some(2));
        assert_eq!(read(&[2, 7, 3], f(-4)), None);
        assert_eq!(
            read(
                &[1, 2],
                Field {
                    width: 2,
                    offset: -2,
                    le: true
                }
            ),
            Some(0x0201)
        );
    }
}
