//! Matching one packet against the compiled set. Pure: (set, packet view, context, progress) →
//! outcome. No allocation per packet, no access to the flow table.
//!
//! A packet meets only its candidate rules: those of its transport indexed under its source or
//! destination port, plus those indexed under its first payload byte. Candidates are tried in
//! precedence order (priority, specificity, file order); the first rule whose tests all hold
//! (and whose `repeat` count is reached) names the flow.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;

use super::parse::{Cidr, Cmp, Field, Op, Position, Side, StunMode, Test, TestKind, Transport};
use super::{CompiledRule, Label, SignatureSet};
use crate::packet::{Direction, Packet, TCP, UDP};

/// Rules that need several packets (`repeat`) can be under way at once in one flow.
const SLOTS: usize = 4;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    value: u32,
    /// Rule index + 1, times 2, plus the direction when the rule compares a value (0: empty).
    key: u16,
    count: u8,
}

/// Per-flow matching progress, kept in the flow's state between packets. Small and fixed-size
/// (36 bytes): the progress of up to four multi-packet rules, and a held provisional match.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    slots: [Slot; SLOTS],
    /// Index + 1 of the rule whose `hold` match waits for a better one (0: none).
    held: u16,
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
    if set.rules.is_empty() || ctx.index >= set.max_window {
        return Outcome::GaveUp;
    }
    let t = match pkt.proto {
        UDP => 0,
        TCP => 1,
        _ => return Outcome::GaveUp,
    };
    let Some(idx) = set.index.get(t) else {
        return Outcome::GaveUp;
    };
    let none: &[u16] = &[];
    let a = idx.by_port.get(&pkt.sport).map_or(none, Vec::as_slice);
    let b = if pkt.dport == pkt.sport {
        none
    } else {
        idx.by_port.get(&pkt.dport).map_or(none, Vec::as_slice)
    };
    let c = match pkt.payload.first() {
        Some(&x) => idx.by_byte.get(usize::from(x)).map_or(none, Vec::as_slice),
        None => idx.empty.as_slice(),
    };
    let (mut i, mut j, mut k) = (0usize, 0usize, 0usize);
    loop {
        let next = [a.get(i), b.get(j), c.get(k)]
            .into_iter()
            .flatten()
            .copied()
            .min();
        let Some(r) = next else { break };
        // Rules are tried in precedence order: once past a held match, none can outrank it.
        if progress.held != 0 && r >= progress.held - 1 {
            break;
        }
        if a.get(i) == Some(&r) {
            i += 1;
        }
        if b.get(j) == Some(&r) {
            j += 1;
        }
        if c.get(k) == Some(&r) {
            k += 1;
        }
        let Some(rule) = set.rules.get(usize::from(r)) else {
            continue;
        };
        if ctx.index >= rule.window || !rule.tests.iter().all(|t| holds(t, pkt, ctx)) {
            continue;
        }
        let complete = match rule.repeat {
            None => true,
            Some(rep) => count_repeat(progress, r, rep.count, rep.same, pkt.payload, ctx.dir),
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
    let dir_bit = if same.is_some() && dir == Direction::ToClient {
        1
    } else {
        0
    };
    let Some(key) = rule
        .checked_add(1)
        .and_then(|k| k.checked_mul(2))
        .map(|k| k | dir_bit)
    else {
        return false;
    };
    let slot = match p.slots.iter().position(|s| s.key == key) {
        Some(i) => p.slots.get_mut(i),
        None => p.slots.iter_mut().find(|s| s.key == 0).map(|s| {
            *s = Slot {
                key,
                count: 0,
                value: value.unwrap_or(0),
            };
            s
        }),
    };
    let Some(s) = slot else { return false };
    match value {
        Some(v) if s.count > 0 && s.value != v => {
            s.value = v;
            s.count = 1;
        }
        _ => s.count = s.count.saturating_add(1),
    }
    s.count >= need
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
    let proto = rule.transport.unwrap_or(UDP);
    rule.tests
        .iter()
        .filter(|t| is_payload_test(&t.kind))
        .all(|t| payload_test(&t.kind, payload, proto) != t.negated)
}

fn is_payload_test(k: &TestKind) -> bool {
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

fn holds(t: &Test, pkt: &Packet<'_>, ctx: &Ctx) -> bool {
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

fn in_cidr(a: IpAddr, n: &Cidr) -> bool {
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
    let b = p.get(at..at.checked_add(usize::from(f.width))?)?;
    Some(if f.le {
        b.iter().rev().fold(0u32, |acc, &x| acc << 8 | u32::from(x))
    } else {
        b.iter().fold(0u32, |acc, &x| acc << 8 | u32::from(x))
    })
}

fn be16(p: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *p.get(at)?,
        *p.get(at.checked_add(1)?)?,
    ]))
}

fn be32(p: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(be16(p, at)?) << 16 | u32::from(be16(p, at.checked_add(2)?)?))
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
        TestKind::Stun(mode, attrs) => stun(p, proto, *mode, attrs, &[]),
        TestKind::StunRealm(r) => stun(p, proto, StunMode::Any, &[], r),
        TestKind::Rtp(pt) => rtp(p, *pt),
        TestKind::Rtcp => rtcp(p),
        TestKind::Dtls => dtls(p),
        TestKind::Quic(versions) => quic(p, versions),
        TestKind::Host(h) => host(p, proto, h.as_bytes()),
        _ => false,
    }
}

/// The STUN message types of RFC 3489 ("classic" STUN, without the magic cookie).
const CLASSIC_TYPES: [u16; 16] = [
    0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112, 0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0114,
    0x0115, 0x0006, 0x0106, 0x0116,
];
const MAGIC_COOKIE: u32 = 0x2112_A442;

/// A STUN message: RFC 4571 framing over TCP and Microsoft's 0xFF10 multiplexed-TURN wrapper
/// are peeled first; then the header must be valid (type, length + 20 = payload length, cookie or
/// a classic type with an exact attribute walk); then, if `attrs` is not empty, one of those
/// attribute types must appear in a safe walk of the attribute list.
fn stun(p: &[u8], proto: u8, mode: StunMode, attrs: &[u16], realm: &[u8]) -> bool {
    let mut body = p;
    if proto == TCP {
        if let Some(l) = be16(p, 0) {
            if usize::from(l) + 2 == p.len() {
                body = p.get(2..).unwrap_or(&[]);
            }
        }
    }
    if body.len() >= 32
        && be16(body, 0) == Some(0xFF10)
        && be16(body, 2).is_some_and(|l| usize::from(l) + 4 == body.len())
    {
        body = body.get(12..).unwrap_or(&[]);
    }
    if body.len() < 20 {
        return false;
    }
    let (Some(ty), Some(len), Some(cookie)) = (be16(body, 0), be16(body, 2), be32(body, 4)) else {
        return false;
    };
    if ty == 0 || usize::from(len) + 20 != body.len() {
        return false;
    }
    let has_cookie = cookie == MAGIC_COOKIE;
    if has_cookie {
        if ty & 0x3EEF > 0x000B && !(0x0800..=0x0802).contains(&ty) {
            return false;
        }
    } else if mode == StunMode::Cookie || proto == TCP || !CLASSIC_TYPES.contains(&ty) {
        return false;
    }
    // Walk the attributes: 4-byte type/length header, value padded to a multiple of 4.
    let mut at = 20usize;
    let mut found = attrs.is_empty();
    let mut realm_found = realm.is_empty();
    while at < body.len() {
        let (Some(t), Some(l)) = (be16(body, at), be16(body, at + 2)) else {
            return false;
        };
        if attrs.contains(&t) {
            found = true;
        }
        if t == 0x0014 && !realm.is_empty() {
            let value = body.get(at + 4..at + 4 + usize::from(l)).unwrap_or(&[]);
            realm_found |= value
                .windows(realm.len())
                .any(|w| w.eq_ignore_ascii_case(realm));
        }
        at = at + 4 + usize::from(l).div_ceil(4) * 4;
    }
    // Classic STUN has no cookie to vouch for it: the walk must end exactly at the end.
    if !has_cookie && at != body.len() {
        return false;
    }
    found && realm_found
}

/// RTP: version 2, payload type (byte 1 & 0x7F) 0–34 or 96–127 (or the given range), length at
/// least 12 + 4 per CSRC.
fn rtp(p: &[u8], pt: Option<(u8, u8)>) -> bool {
    let (Some(&b0), Some(&b1)) = (p.first(), p.get(1)) else {
        return false;
    };
    if b0 >> 6 != 2 {
        return false;
    }
    let t = b1 & 0x7F;
    let ok = match pt {
        Some((a, b)) => (a..=b).contains(&t),
        None => t <= 34 || (96..=127).contains(&t),
    };
    ok && p.len() >= 12 + 4 * usize::from(b0 & 0x0F)
}

/// RTCP: version 2, packet type 192–213 (as nDPI counts it: byte 1), length field fits.
fn rtcp(p: &[u8]) -> bool {
    let (Some(&b0), Some(&b1), Some(l)) = (p.first(), p.get(1), be16(p, 2)) else {
        return false;
    };
    b0 >> 6 == 2 && (192..=213).contains(&b1) && (usize::from(l) + 1) * 4 <= p.len()
}

/// A DTLS record header: content type 20–23, version FEFF/FEFD/FEFC/0100, non-zero length that
/// fits in the payload.
fn dtls(p: &[u8]) -> bool {
    let (Some(&ct), Some(v), Some(l)) = (p.first(), be16(p, 1), be16(p, 11)) else {
        return false;
    };
    p.len() > 13
        && (0x14..=0x17).contains(&ct)
        && matches!(v, 0xFEFF | 0xFEFD | 0xFEFC | 0x0100)
        && l != 0
        && usize::from(l) + 13 <= p.len()
}

/// A QUIC long header: form and fixed bits set, a non-zero version (one of `versions` when
/// given), connection-id lengths ≤ 20 that fit.
fn quic(p: &[u8], versions: &[u32]) -> bool {
    let (Some(&b0), Some(v), Some(&dcil)) = (p.first(), be32(p, 1), p.get(5)) else {
        return false;
    };
    if b0 & 0xC0 != 0xC0 || v == 0 || dcil > 20 {
        return false;
    }
    let Some(&scil) = p.get(6 + usize::from(dcil)) else {
        return false;
    };
    if scil > 20 || p.len() < 7 + usize::from(dcil) + usize::from(scil) {
        return false;
    }
    versions.is_empty() || versions.contains(&v)
}

/// The name asked in a DNS question, or the server name of a TLS ClientHello, matches `h`: equal,
/// or a subdomain of it; a pattern ending in `.` (`skype.`) matches that label anywhere.
fn host(p: &[u8], proto: u8, h: &[u8]) -> bool {
    let mut buf = [0u8; 256];
    if let Some(n) = tls_sni(p, &mut buf) {
        return host_matches(n, h);
    }
    let dns = if proto == TCP && be16(p, 0).is_some_and(|l| usize::from(l) + 2 == p.len()) {
        p.get(2..).unwrap_or(&[])
    } else {
        p
    };
    dns_qname(dns, &mut buf).is_some_and(|n| host_matches(n, h))
}

pub(crate) fn host_matches(n: &[u8], h: &[u8]) -> bool {
    if h.is_empty() {
        return false;
    }
    if n == h {
        return true;
    }
    if n.len() > h.len() && n.ends_with(h) && n.get(n.len() - h.len() - 1) == Some(&b'.') {
        return true;
    }
    if h.ends_with(b".") {
        if n.starts_with(h) {
            return true;
        }
        return n
            .windows(h.len() + 1)
            .any(|w| w.first() == Some(&b'.') && w.get(1..) == Some(h));
    }
    false
}

/// The first question's name of a DNS message, lower-cased and dotted, into `buf`.
fn dns_qname<'b>(p: &[u8], buf: &'b mut [u8; 256]) -> Option<&'b [u8]> {
    let qd = be16(p, 4)?;
    let flags = be16(p, 2)?;
    if qd == 0 || qd > 16 || flags & 0x7800 != 0 {
        return None;
    }
    let mut at = 12usize;
    let mut n = 0usize;
    loop {
        let l = usize::from(*p.get(at)?);
        if l == 0 {
            break;
        }
        if l > 63 {
            return None;
        }
        let label = p.get(at + 1..at + 1 + l)?;
        if n > 0 {
            *buf.get_mut(n)? = b'.';
            n += 1;
        }
        for &c in label {
            *buf.get_mut(n)? = c.to_ascii_lowercase();
            n += 1;
        }
        at += 1 + l;
    }
    // Type and class follow the name.
    p.get(at + 1..at + 5)?;
    if n == 0 {
        return None;
    }
    buf.get(..n)
}

/// The server name of a TLS ClientHello, lower-cased, into `buf`.
fn tls_sni<'b>(p: &[u8], buf: &'b mut [u8; 256]) -> Option<&'b [u8]> {
    if *p.first()? != 0x16 || *p.get(1)? != 3 || *p.get(5)? != 1 {
        return None;
    }
    // Record header 5, handshake header 4, version 2, random 32.
    let mut at = 5 + 4 + 2 + 32;
    at += 1 + usize::from(*p.get(at)?);
    at += 2 + usize::from(be16(p, at)?);
    at += 1 + usize::from(*p.get(at)?);
    let ext_end = at + 2 + usize::from(be16(p, at)?);
    at += 2;
    while at + 4 <= ext_end {
        let t = be16(p, at)?;
        let l = usize::from(be16(p, at + 2)?);
        if t == 0 {
            // server_name list: length 2, type 1 (0 = host name), length 2, name.
            let nl = usize::from(be16(p, at + 7)?);
            let name = p.get(at + 9..at + 9 + nl)?;
            let out = buf.get_mut(..nl)?;
            for (o, c) in out.iter_mut().zip(name) {
                *o = c.to_ascii_lowercase();
            }
            return buf.get(..nl);
        }
        at += 4 + l;
    }
    None
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

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// teams.pcap, 192.168.1.6:50016 -> 52.114.250.123:3478: an Allocate request with MS-TURN's
    /// 0x8006 and 0x8055 attributes.
    const TEAMS_ALLOCATE: &str = "000300302112a442b2343f6e67f41d58acba639f000f000472c64bc68037000400000002800800040000000680060004000000010010000400002ee08055000400020002";
    /// teams.pcap, 192.168.1.6:50016 -> 52.114.252.8:3479: a Binding response in Microsoft's
    /// 0xFF10 multiplexed-TURN wrapper, with 0x8070.
    const TEAMS_WRAPPED: &str = "ff100060deaa296708f708fc010100442112a44281275a7e28b364d88f3d14f980700004000000070020000800012c851560584a8037000400000002803600040000000100080014998b53fec81f7d913f18f8cc4c645293987537ed802800043ea7ac36";
    /// adult_content.pcap, 192.168.1.199:42759 -> 31.220.27.69:80: a bare Binding request.
    const STUN_BINDING: &str = "000100002112a4424133516369344e75724f4b41";
    /// KakaoTalk_talk.pcap, 10.24.82.188:25223 -> 10.188.1.1:53: an A query for mqtt.facebook.com.
    const DNS_QUERY: &str =
        "629801000001000000000000046d7174740866616365626f6f6b03636f6d0000010001";
    /// KakaoTalk_talk.pcap, 10.24.82.188:11320 -> 1.201.1.174:23044: RTP, payload type 108.
    const RTP: &str = "80ec4eb28b399cda0b865519fec5f690bfe83d83771c1276a357519b33c32925654ad82efb080889c03a096248060aa5ae4b61d6324c0679";
    /// anyconnect-vpn.pcap, 10.0.0.227:54107 -> 8.37.102.91:443: a DTLS 1.0 (0x0100) ClientHello.
    const DTLS: &str = "160100000000000000000000560100004a000000000000004a0100ed89c4699ea16489a68421ebd0951f08172d595bf2c2507bd49467c65ee6238a209bb071c8a80440614f8347a2ce2efe01540c7af53be22e1eac07398729e026ef00000200390100";
    /// quic_crypto_aes_auth_size.pcap, 134.53.36.43:34917 -> 142.104.38.30:443: the first 64
    /// bytes of a QUIC v1 Initial.
    const QUIC_V1: &str = "c100000001086a39e7bd7a5940690040a4b5f8df1fbc4cbf20e913e28c9da2bb40bf6100ee9311d5be7ba8450dfc258b83022c89a26bb10e211473b7978bbb5460";

    #[test]
    fn stun_header_attributes_and_the_ms_wrapper() {
        let ms = [0x8054, 0x8095, 0x8006, 0x8070, 0x8055];
        assert!(stun(&hex(TEAMS_ALLOCATE), UDP, StunMode::Cookie, &ms, &[]));
        assert!(stun(
            &hex(TEAMS_WRAPPED),
            UDP,
            StunMode::Any,
            &[0x8070],
            &[]
        ));
        assert!(!stun(
            &hex(TEAMS_WRAPPED),
            UDP,
            StunMode::Any,
            &[0x8054],
            &[]
        ));
        assert!(stun(&hex(STUN_BINDING), UDP, StunMode::Any, &[], &[]));
        assert!(!stun(&hex(STUN_BINDING), UDP, StunMode::Any, &ms, &[]));
        assert!(!stun(&hex(DNS_QUERY), UDP, StunMode::Any, &[], &[]));
        // Over TCP, with RFC 4571 framing.
        let mut framed = vec![0, 20];
        framed.extend(hex(STUN_BINDING));
        assert!(stun(&framed, TCP, StunMode::Cookie, &[], &[]));
    }

    #[test]
    fn classic_stun_needs_an_exact_attribute_walk() {
        // A cookie-less Binding request (0x0001) with one 4-byte attribute: RFC 3489 form.
        let mut classic = vec![0x00, 0x01, 0x00, 0x08];
        classic.extend_from_slice(&[0x11; 16]);
        classic.extend_from_slice(&[0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0]);
        assert!(stun(&classic, UDP, StunMode::Any, &[], &[]));
        assert!(!stun(&classic, UDP, StunMode::Cookie, &[], &[]));
        // The attribute claims more than the message holds.
        classic[11 + 12] = 0x08;
        assert!(!stun(&classic, UDP, StunMode::Any, &[], &[]));
    }

    #[test]
    fn rtp_dtls_quic_on_real_bytes() {
        assert!(rtp(&hex(RTP), None));
        assert!(!rtp(&hex(RTP), Some((0, 34))));
        assert!(!rtcp(&hex(RTP)));
        assert!(!rtp(&hex(DNS_QUERY), None));
        assert!(dtls(&hex(DTLS)));
        assert!(!dtls(&hex(STUN_BINDING)));
        assert!(quic(&hex(QUIC_V1), &[1]));
        assert!(!quic(&hex(QUIC_V1), &[0x6b33_43cf]));
        assert!(!quic(&hex(RTP), &[]));
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

    #[test]
    fn dns_question_names() {
        let mut buf = [0u8; 256];
        assert_eq!(
            dns_qname(&hex(DNS_QUERY), &mut buf),
            Some(&b"mqtt.facebook.com"[..])
        );
        assert!(dns_qname(&hex(RTP), &mut buf).is_none());
    }

    #[test]
    fn every_prefix_of_real_payloads_is_safe() {
        for h in [
            TEAMS_ALLOCATE,
            TEAMS_WRAPPED,
            STUN_BINDING,
            DNS_QUERY,
            RTP,
            DTLS,
            QUIC_V1,
        ] {
            let p = hex(h);
            for n in 0..p.len() {
                let q = &p[..n];
                let mut buf = [0u8; 256];
                let _ = (
                    stun(q, UDP, StunMode::Any, &[0x8054], &[]),
                    stun(q, TCP, StunMode::Any, &[], &[]),
                );
                let _ = (
                    rtp(q, None),
                    rtcp(q),
                    dtls(q),
                    quic(q, &[]),
                    dns_qname(q, &mut buf),
                );
                let _ = tls_sni(q, &mut buf);
            }
        }
    }
}
