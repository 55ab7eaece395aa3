//! Why the rules of a set did not name a flow: for each test that fails on a packet, the byte it
//! failed at, what it wanted and what the packet holds; for a flow, the rules that came closest.
//! Used by `nfdpi explain` and by the daemon's cut-flow log ([`nearest_rules`]).
//!
//! This is a separate, slower walk that allocates; the matcher's path never calls it. It reads
//! the same compiled rules and decides whether a test holds with the matcher's own function, so
//! a test it reports as failed is one the matcher found failed. Each protocol helper explains
//! its own tests (`proto::Check::miss`).
//!
//! **Closest** is defined on single packets: a rule's score on a packet is the number of its
//! tests that hold there (every test counts one, whatever its kind); its score on a flow is its
//! best packet's (the earliest among equals) within the rule's window. Rules rank by that score
//! (higher first), then by fewer failing tests, then by precedence (the order the matcher tries
//! them). A rule of the other transport, or with no packet of the flow in its window, is not
//! ranked; nor is a rule none of whose tests holds on any packet. A rule whose tests all hold
//! on a packet but which still did not match waits for more (`repeat`, `echo`): its "failed
//! test" is that requirement.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::matcher::{self, Ctx};
use super::parse::{Cmp, Field, Op, Test, TestKind};
use super::{CompiledRule, Label, SignatureSet};
use crate::packet::{Direction, Packet, TCP, UDP};
use crate::proto::Miss;

/// Payload bytes a "found" shows at most.
const SHOW_BYTES: usize = 16;

/// Why a rule did not name a flow: the first of its tests that failed on its best packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMiss {
    /// 1-based packet number in the flow (both directions counted, as `decided_at_packet`).
    pub packet: u32,
    /// The test as the set's printer writes it (`stun attr 0x8054`, `u8@0 in {0x0, 0x1}`), or
    /// the rule's `repeat` / `echo` line.
    pub test: String,
    /// Payload byte the failure is at, when it has one.
    pub byte: Option<usize>,
    pub want: String,
    pub found: String,
}

impl fmt::Display for RuleMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "packet {}", self.packet)?;
        if let Some(b) = self.byte {
            write!(f, " byte {b}")?;
        }
        write!(
            f,
            ": `{}`: want {}, found {}",
            self.test, self.want, self.found
        )
    }
}

/// A rule that came close to naming a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nearest {
    /// The protocol the rule names.
    pub protocol: String,
    /// Where the rule is written: `skype_teams.sig:18`.
    pub location: String,
    /// The rule's name (empty for an nDPI custom line).
    pub rule: String,
    /// Tests that held on the rule's best packet, and the rule's number of tests.
    pub passed: u32,
    pub tests: u32,
    pub miss: RuleMiss,
}

impl fmt::Display for Nearest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if !self.rule.is_empty() {
            write!(f, " {}", self.rule)?;
        }
        write!(
            f,
            " ({}, {}/{} tests): {}",
            self.protocol, self.passed, self.tests, self.miss
        )
    }
}

/// The `limit` rules of `set` that came closest to naming the flow whose packets (each with its
/// place in the flow, as the matcher was given it) are `packets`, closest first (see the module
/// documentation for the order). Allocates; for logs and `explain`, never per packet.
///
/// The daemon's cut-flow log calls it with the packets it kept of the flow (the first one is
/// enough for a useful answer):
///
/// ```
/// use nfdpi::packet::{Direction, Packet, UDP};
/// use nfdpi::signature::{explain::nearest_rules, matcher::Ctx, SignatureSet};
///
/// let set = SignatureSet::from_sources(&[(
///     "x.sig",
///     "protocol X id 1 category Custom\n  rule magic\n    transport udp\n    u16@0 == 0xabcd\n",
/// )])
/// .unwrap();
/// let pkt = Packet {
///     src: "10.0.0.1".parse().unwrap(),
///     dst: "10.0.0.2".parse().unwrap(),
///     proto: UDP,
///     sport: 40000,
///     dport: 9000,
///     payload: &[0xab, 0x00, 0x01],
///     ip_len: 31,
///     frag: None,
/// };
/// let ctx = Ctx { dir: Direction::ToServer, index: 0, index_in_dir: 0 };
/// let near = nearest_rules(&set, &[(pkt, ctx)], 3);
/// assert_eq!(
///     near[0].to_string(),
///     "x.sig:2 magic (X, 1/2 tests): packet 1 byte 0: `u16@0 == 0xabcd`: want 0xabcd, found 0xab00"
/// );
/// ```
pub fn nearest_rules(
    set: &SignatureSet,
    packets: &[(Packet<'_>, Ctx)],
    limit: usize,
) -> Vec<Nearest> {
    let mut scored: Vec<(Score, usize)> = set
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((score(set, r, packets)?, i)))
        .collect();
    scored.sort_by_key(|(s, i)| (std::cmp::Reverse(s.passed), s.failed, *i));
    scored
        .into_iter()
        .take(limit)
        .filter_map(|(s, i)| {
            let rule = set.rules.get(i)?;
            let (pkt, ctx) = packets.get(s.packet)?;
            Some(Nearest {
                protocol: rule.label.protocol.clone(),
                location: rule.label.location.clone(),
                rule: rule.name.clone(),
                passed: s.passed,
                tests: u32::try_from(rule.tests.len()).unwrap_or(u32::MAX),
                miss: rule_miss(rule, pkt, ctx, s.all_held),
            })
        })
        .collect()
}

/// The name of the rule whose match carries `label` (each rule has a label of its own).
pub fn rule_name<'s>(set: &'s SignatureSet, label: &Arc<Label>) -> Option<&'s str> {
    set.rules
        .iter()
        .find(|r| Arc::ptr_eq(&r.label, label))
        .map(|r| r.name.as_str())
}

/// A rule's best packet.
#[derive(Debug, Clone, Copy)]
struct Score {
    passed: u32,
    failed: u32,
    /// Index into the flow's packets.
    packet: usize,
    /// Packets on which every test held (for `repeat` and `echo`).
    all_held: u32,
}

fn score(set: &SignatureSet, rule: &CompiledRule, packets: &[(Packet<'_>, Ctx)]) -> Option<Score> {
    let window = rule.window.min(set.max_window);
    let mut best: Option<Score> = None;
    let mut all_held = 0;
    for (i, (pkt, ctx)) in packets.iter().enumerate() {
        if ctx.index >= window || rule.transport.is_some_and(|t| t != pkt.proto) {
            continue;
        }
        let passed = rule
            .tests
            .iter()
            .filter(|t| matcher::holds(t, pkt, ctx))
            .count();
        let passed = u32::try_from(passed).unwrap_or(u32::MAX);
        let failed = u32::try_from(rule.tests.len()).unwrap_or(u32::MAX) - passed;
        all_held += u32::from(failed == 0);
        if best.is_none_or(|b| passed > b.passed) {
            best = Some(Score {
                passed,
                failed,
                packet: i,
                all_held: 0,
            });
        }
    }
    best.filter(|b| b.passed > 0)
        .map(|b| Score { all_held, ..b })
}

/// The first failing test of `rule` on one packet, or the requirement its tests did not meet.
fn rule_miss(rule: &CompiledRule, pkt: &Packet<'_>, ctx: &Ctx, all_held: u32) -> RuleMiss {
    let packet = ctx.index.saturating_add(1);
    if let Some((t, m)) = rule
        .tests
        .iter()
        .find_map(|t| Some((t, test_miss(t, pkt, ctx)?)))
    {
        return RuleMiss {
            packet,
            test: t.to_string(),
            byte: m.offset,
            want: m.want,
            found: m.found,
        };
    }
    let (test, want, found) = match (rule.repeat, rule.echo) {
        (Some(r), _) => {
            let same = r.same.map(|f| format!(" same {f}")).unwrap_or_default();
            (
                format!("repeat {}{same}", r.count),
                format!(
                    "{} packets{}",
                    r.count,
                    if same.is_empty() {
                        ""
                    } else {
                        " with the same value"
                    }
                ),
                format!("{all_held} packet(s) that pass the tests"),
            )
        }
        (None, Some(e)) => (
            format!("echo {} as {}", e.request, e.reply),
            "a reply carrying the request's value from the other direction".to_string(),
            "none".to_string(),
        ),
        (None, None) => (
            "(all tests)".to_string(),
            "no rule that outranks it to match first".to_string(),
            "every test held".to_string(),
        ),
    };
    RuleMiss {
        packet,
        test,
        byte: None,
        want,
        found,
    }
}

/// Why `t` fails on a packet, or `None` when it holds (as the matcher decides).
pub fn test_miss(t: &Test, pkt: &Packet<'_>, ctx: &Ctx) -> Option<Miss> {
    if matcher::holds(t, pkt, ctx) {
        return None;
    }
    if t.negated {
        let what = Test {
            negated: false,
            kind: t.kind.clone(),
        };
        return Some(Miss::new(None, format!("not `{what}`"), "it holds"));
    }
    Some(match &t.kind {
        TestKind::Field(f, mask, c) => field_miss(pkt.payload, *f, *mask, c),
        TestKind::Len(c) => Miss::new(None, format!("len {c}"), pkt.payload.len().to_string()),
        TestKind::LenField(o, f, add) => len_field_miss(pkt.payload, *o, *f, *add),
        TestKind::At(off, lit) => literal_miss(pkt.payload, usize::from(*off), lit),
        TestKind::Prefix(lit) => literal_miss(pkt.payload, 0, lit),
        TestKind::Contains(lit) => Miss::new(
            None,
            format!("{} somewhere", hex(lit)),
            format!("not in {} bytes", pkt.payload.len()),
        ),
        TestKind::Proto(p) => p.check().miss(pkt.payload, pkt.proto),
        k => Miss::new(None, t.to_string(), place(k, pkt, ctx)),
    })
}

/// What a packet's place in its flow is, in the terms of a test that reads it (`port`, `ip`,
/// `packet`, `direction`, `transport`).
fn place(kind: &TestKind, pkt: &Packet<'_>, ctx: &Ctx) -> String {
    let (c, s, cp, sp) = match ctx.dir {
        Direction::ToServer => (pkt.src, pkt.dst, pkt.sport, pkt.dport),
        Direction::ToClient => (pkt.dst, pkt.src, pkt.dport, pkt.sport),
    };
    let dir = match ctx.dir {
        Direction::ToServer => "to-server",
        Direction::ToClient => "to-client",
    };
    match kind {
        TestKind::Port(..) => format!("client port {cp}, server port {sp}"),
        TestKind::Ip(..) => format!("client {c}, server {s}"),
        TestKind::Direction(_) => dir.to_string(),
        TestKind::Transport(_) => match pkt.proto {
            UDP => "udp".into(),
            TCP => "tcp".into(),
            n => format!("IP protocol {n}"),
        },
        _ => format!(
            "packet {} ({dir}, number {} of its direction)",
            ctx.index.saturating_add(1),
            ctx.index_in_dir.saturating_add(1)
        ),
    }
}

/// Where a field starts in the payload (a negative offset counts from the end).
fn field_at(p: &[u8], f: Field) -> Option<usize> {
    if f.offset < 0 {
        p.len()
            .checked_sub(usize::try_from(f.offset.unsigned_abs()).ok()?)
    } else {
        usize::try_from(f.offset).ok()
    }
}

fn short(p: &[u8], f: Field) -> Miss {
    Miss::new(
        field_at(p, f),
        format!("{} byte(s) for {f}", f.width),
        format!("a payload of {} bytes", p.len()),
    )
}

fn field_miss(p: &[u8], f: Field, mask: Option<u32>, c: &Cmp) -> Miss {
    let Some(v) = matcher::read(p, f) else {
        return short(p, f);
    };
    let digits = usize::from(f.width) * 2;
    let x = |n: u32| format!("0x{n:0digits$x}");
    let want = match c {
        Cmp::Op(Op::Eq, n) => x(*n),
        Cmp::Op(o, n) => format!("{o} {}", x(*n)),
        Cmp::Range(a, b) => format!("{}..{}", x(*a), x(*b)),
        Cmp::Set(s) => s.iter().map(|n| x(*n)).collect::<Vec<_>>().join("|"),
    };
    match mask {
        Some(m) => Miss::new(
            field_at(p, f),
            format!("{} under mask {}", want, x(m)),
            format!("{} (masked {})", x(v), x(v & m)),
        ),
        None => Miss::new(field_at(p, f), want, x(v)),
    }
}

fn len_field_miss(p: &[u8], o: Op, f: Field, add: i32) -> Miss {
    let Some(v) = matcher::read(p, f) else {
        return short(p, f);
    };
    let target = i64::from(v) + i64::from(add);
    Miss::new(
        field_at(p, f),
        format!("a payload length {o} {target} ({f} = {v:#x})"),
        format!("{} bytes", p.len()),
    )
}

/// The first byte at which `lit` differs from the payload at `off`.
fn literal_miss(p: &[u8], off: usize, lit: &[u8]) -> Miss {
    let rest = p.get(off..).unwrap_or(&[]);
    let i = lit
        .iter()
        .zip(rest)
        .position(|(a, b)| a != b)
        .unwrap_or(rest.len().min(lit.len()));
    let want = lit.get(i..).unwrap_or(&[]);
    match rest.get(i) {
        Some(b) => Miss::new(Some(off + i), hex(want), format!("0x{b:02x}")),
        None => Miss::new(
            Some(off + i),
            hex(want),
            format!("the end of a {}-byte payload", p.len()),
        ),
    }
}

/// Bytes as `0x` and hex digits, at most [`SHOW_BYTES`] of them.
fn hex(b: &[u8]) -> String {
    let shown: String = b
        .iter()
        .take(SHOW_BYTES)
        .map(|x| format!("{x:02x}"))
        .collect();
    let more = if b.len() > SHOW_BYTES { "…" } else { "" };
    format!("0x{shown}{more}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn set(src: &str) -> SignatureSet {
        SignatureSet::from_sources(&[("t.sig", src)]).unwrap_or_else(|e| panic!("{}", e[0]))
    }

    fn flow<'a>(payloads: &[&'a [u8]]) -> Vec<(Packet<'a>, Ctx)> {
        payloads
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let pkt = Packet {
                    src: "10.0.0.1".parse().unwrap(),
                    dst: "10.0.0.2".parse().unwrap(),
                    proto: UDP,
                    sport: 1000,
                    dport: 2000,
                    payload: p,
                    ip_len: 28 + p.len() as u32,
                    frag: None,
                };
                let i = i as u32;
                (
                    pkt,
                    Ctx {
                        dir: Direction::ToServer,
                        index: i,
                        index_in_dir: i,
                    },
                )
            })
            .collect()
    }

    /// Rules rank by tests passed on their best packet, then fewer failing, then precedence;
    /// each names the first test that failed there, at its byte.
    #[test]
    fn the_rule_with_most_tests_passed_ranks_first() {
        let s = set("protocol A id 1 category Custom\n  rule a\n    u8@0 == 1\n    u8@1 == 2\n    u8@2 == 3\n\
                     protocol B id 2 category Custom\n  rule b\n    u8@0 == 9\n    len == 3\n\
                     protocol C id 3 category Custom\n  rule c\n    prefix \"zz\"\n");
        let near = nearest_rules(&s, &flow(&[&[7, 7, 7], &[1, 2, 4]]), 5);
        let got: Vec<String> = near.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            vec![
                "t.sig:2 a (A, 2/3 tests): packet 2 byte 2: `u8@2 == 0x3`: want 0x03, found 0x04",
                "t.sig:7 b (B, 1/2 tests): packet 1 byte 0: `u8@0 == 0x9`: want 0x09, found 0x07",
            ]
        );
    }

    #[test]
    fn repeat_names_the_count_it_missed_and_literals_their_first_byte() {
        let s = set("protocol R id 1 category Custom\n  rule r\n    u8@0 == 0x80\n    repeat 3\n\
                     protocol P id 2 category Custom\n  rule p\n    u8@0 == 0x80\n    at 1 \"ab\"\n");
        let near = nearest_rules(&s, &flow(&[&[0x80, b'a', b'x'], &[0x80]]), 2);
        assert_eq!(near[0].miss.test, "repeat 3");
        assert_eq!(near[0].miss.found, "2 packet(s) that pass the tests");
        assert_eq!(
            near[1].miss.to_string(),
            "packet 1 byte 2: `at 1 \"ab\"`: want 0x62, found 0x78"
        );
    }
}
