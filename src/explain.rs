//! `nfdpi explain`: an account of how the engine decided each selected flow of a capture, for
//! an operator to read in one screen. It owns the flow filter, the per-flow account and its text
//! and JSON renderings; it decides nothing itself.
//!
//! The capture goes through the same engine as `classify` ([`replay::trace_capture`]), so the
//! verdict, deciding packet and bytes shown are the ones `classify` reports. The packets of each
//! flow, up to its decision, are then walked a second time, apart from the engine: the
//! matcher's reference path (`matcher::inspect_every_rule`, every rule in precedence order,
//! against which the rule index is tested) gives the rule that matched and at which packet, the
//! budget gives the packet that cut it, and for a flow no rule named, the rules that came
//! closest and the first test each failed (`signature::explain`). The walk's own verdict and
//! deciding packet are printed beside the engine's; a test checks they agree on every flow of
//! the shared captures.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::engine::{EngineConfig, FlowRecord, PacketTrace};
use crate::flow::Decision;
use crate::packet::{Direction, Packet, TCP, UDP};
use crate::policy::Policy;
use crate::replay::{self, CaptureError, CaptureSummary, Traced};
use crate::signature::confirm;
use crate::signature::explain::{nearest_rules, Nearest};
use crate::signature::matcher::{self, Ctx, Outcome, Progress};
use crate::signature::{Label, SignatureSet};

/// Payload bytes shown per packet.
pub const HEAD_BYTES: usize = 16;
/// Packets kept per flow that nfdpi does not inspect (it never decides them).
const UNINSPECTED_PACKETS: usize = 32;
/// Packets kept per inspected flow before its decision; the budget decides long before.
const MAX_PACKETS: usize = 1 << 16;

/// Which flows to explain. A flow is shown when it passes every filter given; none given shows
/// every flow.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `udp 10.0.0.1:40000 203.0.113.9:51820`, either direction.
    pub flows: Vec<FlowSpec>,
    /// Flows the budget cut (no rule named them).
    pub cut: bool,
    /// Flows named this protocol (`Unknown` for none), case-insensitive.
    pub protocol: Option<String>,
}

/// One `--flow` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowSpec {
    pub proto: u8,
    pub a: SocketAddr,
    pub b: SocketAddr,
}

impl std::str::FromStr for FlowSpec {
    type Err = String;

    /// `udp 10.0.0.1:40000 203.0.113.9:51820` (IPv6 as `[2001:db8::1]:443`).
    fn from_str(s: &str) -> Result<Self, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        let [tr, a, b] = words.as_slice() else {
            return Err(format!(
                "expected `udp|tcp ADDR:PORT ADDR:PORT`, found `{s}`"
            ));
        };
        let proto = match *tr {
            "udp" => UDP,
            "tcp" => TCP,
            other => return Err(format!("expected `udp` or `tcp`, found `{other}`")),
        };
        let addr = |w: &str| {
            w.parse::<SocketAddr>()
                .map_err(|_| format!("expected ADDR:PORT (e.g. 10.0.0.1:40000), found `{w}`"))
        };
        Ok(FlowSpec {
            proto,
            a: addr(a)?,
            b: addr(b)?,
        })
    }
}

impl Filter {
    fn selects(&self, r: &FlowRecord) -> bool {
        let proto = match r.transport {
            "udp" => UDP,
            "tcp" => TCP,
            _ => 0,
        };
        let flow_ok = self.flows.is_empty()
            || self.flows.iter().any(|f| {
                f.proto == proto
                    && ((f.a == r.src && f.b == r.dst) || (f.a == r.dst && f.b == r.src))
            });
        let cut_ok = !self.cut || is_cut(r);
        let proto_ok = self
            .protocol
            .as_ref()
            .is_none_or(|p| p.eq_ignore_ascii_case(&r.protocol));
        flow_ok && cut_ok && proto_ok
    }
}

/// A flow the budget cut: dropped, and no rule named it.
fn is_cut(r: &FlowRecord) -> bool {
    r.verdict == "drop" && r.signature.is_none()
}

/// One packet of an account.
#[derive(Debug, Clone, Serialize)]
pub struct PacketRow {
    /// 1-based number in the flow, both directions counted.
    pub packet: u32,
    /// `>` client to server, `<` server to client.
    pub dir: &'static str,
    /// IP length, bytes (what the budget counts).
    pub size: u32,
    /// The flow's bytes including this packet.
    pub bytes: u64,
    pub payload_len: usize,
    /// The first payload bytes, hex.
    pub head: String,
    pub verdict: &'static str,
}

/// What the separate walk found: the rule that matched (and at which packet), or the packet the
/// budget cut the flow at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Walk {
    pub verdict: &'static str,
    pub decided_at_packet: Option<u32>,
    pub protocol: Option<String>,
    /// `file.sig:line` of the rule that matched.
    pub signature: Option<String>,
    pub rule: Option<String>,
    /// The packet the rule matched at (for a `hold` rule settled later: the packet that
    /// settled it).
    pub matched_at_packet: Option<u32>,
    /// For a rule with `confirm` whose flow waited for it: what later packets showed.
    pub confirmation: Option<Confirmation>,
}

/// How a flow named by a rule with `confirm` fared while it waited.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    /// The rule's statement, `confirm 4 by stun rtp`.
    pub wants: String,
    /// The packets that counted (1-based) and the kind of evidence each carried.
    pub evidence: Vec<Evidence>,
    /// `confirmed` (accepted at the last evidence packet), `cut` (the budget came first) or
    /// `waiting` (the flow ended first).
    pub state: &'static str,
}

/// One packet that counted toward a confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub packet: u32,
    /// `stun`, `turn`, `msturn`, `dtls`, `rtp`, `rtcp` or `self`.
    pub kind: &'static str,
}

impl Confirmation {
    /// `rtp at packets 3, 4, 5; stun at packet 7`, or `no packet`.
    fn summary(&self) -> String {
        let mut kinds: Vec<(&str, Vec<u32>)> = Vec::new();
        for e in &self.evidence {
            match kinds.iter_mut().find(|(k, _)| *k == e.kind) {
                Some((_, at)) => at.push(e.packet),
                None => kinds.push((e.kind, vec![e.packet])),
            }
        }
        if kinds.is_empty() {
            return "no packet".into();
        }
        let part = |(k, at): &(&str, Vec<u32>)| {
            let list: Vec<String> = at.iter().map(u32::to_string).collect();
            let s = if at.len() == 1 { "" } else { "s" };
            format!("{k} at packet{s} {}", list.join(", "))
        };
        kinds.iter().map(part).collect::<Vec<_>>().join("; ")
    }
}

/// The account of one flow.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub pcap: String,
    /// What the engine decided, as `classify` reports it.
    #[serde(flatten)]
    pub record: RecordView,
    /// The budget in force, IP bytes.
    pub budget: u64,
    /// No rule looks at a packet past this one (1-based).
    pub window: u32,
    pub packets: Vec<PacketRow>,
    /// The walk's own account; agrees with `record` (tested).
    pub walk: Walk,
    /// What confirmed the match of a rule with `confirm` (`rtp at packets 3, 4, 5, 6`); null
    /// when the rule has none, or the flow was not confirmed (`walk.confirmation` says why).
    pub confirmed_by: Option<String>,
    /// For a flow no rule named: the rules that came closest.
    pub nearest: Vec<Nearest>,
}

/// The fields of a flow record an account repeats.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub transport: &'static str,
    /// Endpoints as `classify` prints them.
    pub src: String,
    pub dst: String,
    pub protocol: String,
    pub signature: Option<String>,
    pub verdict: &'static str,
    pub decided_at_packet: Option<u32>,
    pub decided_at_bytes: Option<u64>,
    /// The name a rule with `confirm` gave a flow the budget cut before it was confirmed.
    pub unconfirmed: Option<String>,
    pub total_packets: u64,
    pub total_bytes: u64,
}

/// One packet kept for the walk, owned.
struct Kept {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    sport: u16,
    dport: u16,
    ip_len: u32,
    payload: Vec<u8>,
    ctx: Ctx,
    bytes: u64,
    verdict: &'static str,
}

impl Kept {
    fn packet(&self) -> Packet<'_> {
        Packet {
            src: self.src,
            dst: self.dst,
            proto: self.proto,
            sport: self.sport,
            dport: self.dport,
            payload: &self.payload,
            ip_len: self.ip_len,
            frag: None,
        }
    }
}

/// A tracked flow: (transport, client, server, first packet time).
type FlowId = (u8, SocketAddr, SocketAddr, u64);

/// Settings of one `explain` run.
pub struct Explainer<'a> {
    pub cfg: &'a EngineConfig,
    pub sigs: Arc<SignatureSet>,
    pub filter: &'a Filter,
    /// Nearest rules listed for a flow no rule named.
    pub nearest: usize,
}

impl Explainer<'_> {
    /// Explain the selected flows of one capture, handing each account to `sink` as its flow
    /// ends (in `classify`'s order).
    pub fn capture(
        &self,
        path: &Path,
        pcap: &str,
        sink: &mut dyn FnMut(Account),
    ) -> Result<CaptureSummary, CaptureError> {
        let mut kept: HashMap<FlowId, (bool, Vec<Kept>)> = HashMap::new();
        let policy = &self.cfg.policy;
        replay::trace_capture(path, self.cfg, Arc::clone(&self.sigs), &mut |ev| match ev {
            Traced::Packet(t) => keep(&mut kept, policy, &t),
            Traced::Record(r) => {
                let id = (proto_of(r.transport), r.src, r.dst, r.first_seen);
                let (_, packets) = kept.remove(&id).unwrap_or_default();
                if self.filter.selects(&r) {
                    sink(self.account(pcap, &r, &packets));
                }
            }
        })
    }

    fn account(&self, pcap: &str, r: &FlowRecord, packets: &[Kept]) -> Account {
        let policy = &self.cfg.policy;
        let inspects = policy.transports.inspects(proto_of(r.transport));
        let walk = walk(&self.sigs, policy, inspects, packets);
        let nearest = if inspects && walk.signature.is_none() {
            let views: Vec<(Packet<'_>, Ctx)> =
                packets.iter().map(|k| (k.packet(), k.ctx)).collect();
            nearest_rules(&self.sigs, &views, self.nearest)
        } else {
            Vec::new()
        };
        let confirmed_by = walk
            .confirmation
            .as_ref()
            .filter(|c| c.state == "confirmed")
            .map(Confirmation::summary);
        Account {
            pcap: pcap.to_string(),
            record: RecordView {
                transport: r.transport,
                src: crate::report::endpoint(r.src),
                dst: crate::report::endpoint(r.dst),
                protocol: r.protocol.clone(),
                signature: r.signature.clone(),
                verdict: r.verdict,
                decided_at_packet: r.decided_at_packet,
                decided_at_bytes: r.decided_at_bytes,
                unconfirmed: r.unconfirmed.clone(),
                total_packets: r.packets,
                total_bytes: r.bytes,
            },
            budget: policy.budget,
            window: self.sigs.max_window(),
            packets: packets.iter().map(row).collect(),
            walk,
            confirmed_by,
            nearest,
        }
    }
}

fn proto_of(transport: &str) -> u8 {
    match transport {
        "udp" => UDP,
        "tcp" => TCP,
        _ => 0,
    }
}

/// Keep one traced packet of its flow, up to and including the packet that decided it.
fn keep(kept: &mut HashMap<FlowId, (bool, Vec<Kept>)>, policy: &Policy, t: &PacketTrace<'_>) {
    let p = &t.packet;
    let id = (p.proto, t.client, t.server, t.first_seen);
    let (done, packets) = kept.entry(id).or_default();
    let cap = if policy.transports.inspects(p.proto) {
        MAX_PACKETS
    } else {
        UNINSPECTED_PACKETS
    };
    if *done || packets.len() >= cap {
        return;
    }
    *done = t.verdict.decided;
    packets.push(Kept {
        src: p.src,
        dst: p.dst,
        proto: p.proto,
        sport: p.sport,
        dport: p.dport,
        ip_len: p.ip_len,
        payload: p.payload.to_vec(),
        ctx: t.ctx,
        bytes: t.bytes,
        verdict: match t.verdict.verdict {
            crate::policy::Verdict::Accept => "accept",
            crate::policy::Verdict::Drop => "drop",
        },
    });
}

fn row(k: &Kept) -> PacketRow {
    PacketRow {
        packet: k.ctx.index.saturating_add(1),
        dir: match k.ctx.dir {
            Direction::ToServer => ">",
            Direction::ToClient => "<",
        },
        size: k.ip_len,
        bytes: k.bytes,
        payload_len: k.payload.len(),
        head: k
            .payload
            .iter()
            .take(HEAD_BYTES)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
        verdict: k.verdict,
    }
}

/// The walk: the flow's packets through the matcher's reference path, the confirmation and
/// the budget, as the engine steps them (`engine::Engine::step`), apart from the engine.
fn walk(set: &SignatureSet, policy: &Policy, inspects: bool, packets: &[Kept]) -> Walk {
    if !inspects {
        return Walk {
            verdict: "uninspected",
            ..Walk::default()
        };
    }
    let mut progress = Progress::default();
    let mut matching = true;
    let mut waiting: Option<Waiting> = None;
    for k in packets {
        let n = k.ctx.index.saturating_add(1);
        let pkt = k.packet();
        if matching {
            match matcher::inspect_every_rule(set, &pkt, &k.ctx, &mut progress) {
                Outcome::Matched(l) => match Waiting::new(policy, l, n) {
                    Some(w) => {
                        (waiting, matching) = (Some(w), false);
                        progress = Progress::default();
                        if let Some(spec) = &l.confirm {
                            confirm::start(spec, pkt.payload, &mut progress);
                        }
                    }
                    None => return named(set, policy, l, n, Some(n)),
                },
                Outcome::GaveUp => matching = false,
                Outcome::Undecided => {}
            }
        } else if let Some(w) = &mut waiting {
            if w.step(&pkt, k.ctx.dir, n, &mut progress) {
                return w.done(set, policy, "confirmed", Some(n));
            }
        }
        if policy.over_budget(k.bytes) {
            if waiting.is_none() {
                if let Some(l) = matcher::settle(set, &progress) {
                    waiting = Waiting::new(policy, l, n);
                    if waiting.is_none() {
                        return named(set, policy, l, n, Some(n));
                    }
                }
            }
            return match &mut waiting {
                Some(w) => w.done(set, policy, "cut", Some(n)),
                None => Walk {
                    verdict: "drop",
                    decided_at_packet: Some(n),
                    ..Walk::default()
                },
            };
        }
    }
    // Ended undecided: a name still waiting for its confirmation, or a held match, names it
    // (its verdict stays pending).
    if let Some(w) = &mut waiting {
        return w.done(set, policy, "waiting", None);
    }
    match matcher::settle(set, &progress) {
        Some(l) => match Waiting::new(policy, l, 0) {
            Some(mut w) => Walk {
                matched_at_packet: None,
                ..w.done(set, policy, "waiting", None)
            },
            None => named(set, policy, l, 0, None),
        },
        None => Walk {
            verdict: "pending",
            ..Walk::default()
        },
    }
}

/// A flow named by a rule with `confirm` that the policy would accept, waiting (as in
/// `engine::Engine::name`).
struct Waiting<'s> {
    label: &'s Arc<Label>,
    matched_at: u32,
    evidence: Vec<Evidence>,
}

impl<'s> Waiting<'s> {
    fn new(policy: &Policy, label: &'s Arc<Label>, n: u32) -> Option<Self> {
        let accepts = matches!(policy.on_identified(label), Decision::Accept(_));
        (label.confirm.is_some() && accepts).then(|| Waiting {
            label,
            matched_at: n,
            evidence: Vec::new(),
        })
    }

    /// Count packet `n`; true once the flow is confirmed.
    fn step(&mut self, pkt: &Packet<'_>, dir: Direction, n: u32, p: &mut Progress) -> bool {
        let Some(spec) = &self.label.confirm else {
            return false;
        };
        if let Some(kind) = confirm::observe(spec, pkt.payload, pkt.proto, dir, p) {
            self.evidence.push(Evidence {
                packet: n,
                kind: kind.name(),
            });
        }
        confirm::confirmed(spec, p)
    }

    /// The walk's result: accepted when `state` is `confirmed`, cut at the budget, or still
    /// pending when the flow ended.
    fn done(
        &mut self,
        set: &SignatureSet,
        policy: &Policy,
        state: &'static str,
        at: Option<u32>,
    ) -> Walk {
        let mut w = named(set, policy, self.label, self.matched_at, at);
        w.matched_at_packet = Some(self.matched_at);
        if state == "cut" {
            w.verdict = "drop";
        }
        w.confirmation = Some(Confirmation {
            wants: self
                .label
                .confirm
                .as_ref()
                .map_or_else(String::new, |c| c.confirm.to_string()),
            evidence: std::mem::take(&mut self.evidence),
            state,
        });
        w
    }
}

fn named(set: &SignatureSet, policy: &Policy, l: &Arc<Label>, n: u32, at: Option<u32>) -> Walk {
    let verdict = match (at, policy.on_identified(l)) {
        (None, _) => "pending",
        (Some(_), Decision::Drop(_)) => "drop",
        (Some(_), _) => "accept",
    };
    Walk {
        verdict,
        decided_at_packet: at,
        protocol: Some(l.protocol.clone()),
        signature: Some(l.location.clone()),
        rule: crate::signature::explain::rule_name(set, l).map(str::to_string),
        matched_at_packet: at.map(|_| n),
        confirmation: None,
    }
}

/// The account as text: a header, one line per packet, then the rule that matched or the
/// nearest rules.
pub fn render_text(a: &Account, out: &mut String) {
    let r = &a.record;
    let _ = writeln!(out, "{} {} > {}  ({})", r.transport, r.src, r.dst, a.pcap);
    let _ = writeln!(out, "  verdict: {}", verdict_line(a));
    if !a.packets.is_empty() {
        let _ = writeln!(
            out,
            "  {:>5}  {:>3}  {:>5}  {:>15}  payload",
            "pkt", "dir", "size", "bytes/budget"
        );
    }
    packet_rows(a, out);
    match (&a.walk.signature, a.walk.matched_at_packet) {
        (Some(sig), at) => {
            let rule = a.walk.rule.as_deref().unwrap_or("");
            let at = at.map_or_else(
                || "(a held match no other rule overrode before the flow ended)".to_string(),
                |n| format!("at packet {n}"),
            );
            let proto = a.walk.protocol.as_deref().unwrap_or("");
            let _ = writeln!(out, "  matched: {sig} {rule} ({proto}) {at}");
            let _ = writeln!(out, "  confirmed by: {}", confirmed_line(a));
        }
        (None, _) if !a.nearest.is_empty() => {
            let _ = writeln!(out, "  nearest rules:");
            for n in &a.nearest {
                let _ = writeln!(out, "    {n}");
            }
        }
        (None, _) => {}
    }
    out.push('\n');
}

/// One line per packet the rules look at, the packets past that summed up, and the deciding
/// packet.
fn packet_rows(a: &Account, out: &mut String) {
    let line = |p: &PacketRow, out: &mut String| {
        let used = format!("{}/{}", p.bytes, a.budget);
        let _ = writeln!(
            out,
            "  {:>5}  {:>3}  {:>5}  {:>15}  [{}] {}",
            p.packet, p.dir, p.size, used, p.payload_len, p.head
        );
    };
    let (seen, past): (Vec<&PacketRow>, Vec<&PacketRow>) =
        a.packets.iter().partition(|p| p.packet <= a.window);
    seen.iter().for_each(|p| line(p, out));
    if let Some((last, middle)) = past.split_last() {
        if let (Some(first), Some(end)) = (middle.first(), middle.last()) {
            let _ = writeln!(
                out,
                "  {:>5}  packets {}-{} ({} bytes): past packet {}, which no rule looks beyond",
                "…",
                first.packet,
                end.packet,
                end.bytes.saturating_sub(first.bytes) + u64::from(first.size),
                a.window
            );
        }
        line(last, out);
    }
    let shown = a.packets.len() as u64;
    if a.record.total_packets > shown {
        let _ = writeln!(
            out,
            "  {:>5}  {} later packet(s) after the decision",
            "…",
            a.record.total_packets - shown
        );
    }
}

/// What confirmed the match, or why nothing did.
fn confirmed_line(a: &Account) -> String {
    let Some(c) = &a.walk.confirmation else {
        return "no confirmation step (the rule has no `confirm`, or the policy drops its \
                protocol)"
            .into();
    };
    let got = c.evidence.len();
    match c.state {
        "confirmed" => format!("{} ({})", c.summary(), c.wants),
        "cut" => format!(
            "not confirmed: {got} packet(s) of evidence ({}) when the budget cut the flow \
             ({})",
            c.summary(),
            c.wants
        ),
        _ => format!(
            "not yet: {got} packet(s) of evidence ({}) when the flow ended ({})",
            c.summary(),
            c.wants
        ),
    }
}

fn verdict_line(a: &Account) -> String {
    let r = &a.record;
    match (r.verdict, r.decided_at_packet, r.decided_at_bytes) {
        ("drop", Some(n), Some(b)) if is_cut_view(r) => format!(
            "drop (cut: no rule named it within the budget of {} bytes) at packet {n}, {b} bytes",
            a.budget
        ),
        ("drop", Some(n), Some(b)) if r.unconfirmed.is_some() => format!(
            "drop (cut: named {} but not confirmed within the budget of {} bytes) at packet \
             {n}, {b} bytes",
            r.unconfirmed.as_deref().unwrap_or(""),
            a.budget
        ),
        (v, Some(n), Some(b)) => format!("{v} ({}) at packet {n}, {b} bytes", r.protocol),
        ("uninspected", ..) => "uninspected (a transport nfdpi was not told to inspect)".into(),
        (v, ..) => format!(
            "{v} (ended undecided after {} packets, {} bytes; {})",
            r.total_packets, r.total_bytes, r.protocol
        ),
    }
}

fn is_cut_view(r: &RecordView) -> bool {
    r.verdict == "drop" && r.signature.is_none()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A rule naming a call on its first packet and asking for two RTP packets continuing a
    /// stream; the flow's packets (all to the server, `size` IP bytes each).
    fn confirming(payloads: &[Vec<u8>], size: u32) -> Walk {
        let src = "protocol Call id 38 category VoIP\n  rule hello\n    u32@0 == 0xa5a5a5a5\n    confirm 2 by rtp\n";
        let set = SignatureSet::from_sources(&[("t.sig", src)]).unwrap();
        let packets: Vec<Kept> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| Kept {
                src: "10.0.0.1".parse().unwrap(),
                dst: "10.0.0.2".parse().unwrap(),
                proto: UDP,
                sport: 4000,
                dport: 5000,
                ip_len: size,
                payload: p.clone(),
                ctx: Ctx {
                    dir: Direction::ToServer,
                    index: i as u32,
                    index_in_dir: i as u32,
                },
                bytes: u64::from(size) * (i as u64 + 1),
                verdict: "accept",
            })
            .collect();
        walk(&set, &Policy::default(), true, &packets)
    }

    /// RTP, payload type 0, SSRC `ssrc`.
    fn rtp(ssrc: u32) -> Vec<u8> {
        let mut p = vec![0x80, 0, 0, 1, 0, 0, 0, 0];
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend_from_slice(&[0xD5; 40]);
        p
    }

    #[test]
    fn the_walk_counts_the_packets_that_confirm_a_named_flow() {
        let hello = vec![0xA5; 20];
        let w = confirming(&[hello, rtp(7), rtp(9), rtp(9), rtp(9)], 100);
        // Packet 2 opens SSRC 7's stream, 3 opens SSRC 9's, 4 and 5 continue it.
        assert_eq!((w.verdict, w.decided_at_packet), ("accept", Some(5)));
        assert_eq!(w.matched_at_packet, Some(1));
        let c = w.confirmation.unwrap();
        assert_eq!(
            (c.state, c.wants.as_str()),
            ("confirmed", "confirm 2 by rtp")
        );
        assert_eq!(c.summary(), "rtp at packets 4, 5");
    }

    #[test]
    fn the_walk_cuts_a_named_flow_the_budget_reaches_first() {
        let hello = vec![0xA5; 20];
        // A new SSRC each time: no stream continues; the fourth packet passes the budget.
        let w = confirming(&[hello, rtp(1), rtp(2), rtp(3), rtp(4)], 3000);
        assert_eq!((w.verdict, w.decided_at_packet), ("drop", Some(4)));
        assert_eq!(w.signature.as_deref(), Some("t.sig:2"));
        let c = w.confirmation.unwrap();
        assert_eq!((c.state, c.evidence.len()), ("cut", 0));
        assert_eq!(c.summary(), "no packet");
        // Ended before the budget: still waiting, pending.
        let w = confirming(&[vec![0xA5; 20], rtp(1), rtp(1)], 100);
        assert_eq!((w.verdict, w.decided_at_packet), ("pending", None));
        assert_eq!(w.confirmation.unwrap().state, "waiting");
    }

    #[test]
    fn flow_specs() {
        let f: FlowSpec = "udp 10.0.0.1:40000 [2001:db8::1]:443".parse().unwrap();
        assert_eq!(f.proto, UDP);
        assert_eq!(f.b, "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(
            "icmp 1.2.3.4:1 1.2.3.4:2".parse::<FlowSpec>().unwrap_err(),
            "expected `udp` or `tcp`, found `icmp`"
        );
        assert!("udp 1.2.3.4 5.6.7.8:9".parse::<FlowSpec>().is_err());
    }
}
