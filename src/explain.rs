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
    /// What confirmed the match, once a confirmation step exists (none yet: always null).
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
                total_packets: r.packets,
                total_bytes: r.bytes,
            },
            budget: policy.budget,
            window: self.sigs.max_window(),
            packets: packets.iter().map(row).collect(),
            walk,
            confirmed_by: None,
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

/// The walk: the flow's packets through the matcher's reference path and the budget, as the
/// engine steps them (`engine::Engine::step`), apart from the engine.
fn walk(set: &SignatureSet, policy: &Policy, inspects: bool, packets: &[Kept]) -> Walk {
    if !inspects {
        return Walk {
            verdict: "uninspected",
            ..Walk::default()
        };
    }
    let mut progress = Progress::default();
    let mut matching = true;
    for k in packets {
        let n = k.ctx.index.saturating_add(1);
        if matching {
            match matcher::inspect_every_rule(set, &k.packet(), &k.ctx, &mut progress) {
                Outcome::Matched(l) => return named(set, policy, l, n, Some(n)),
                Outcome::GaveUp => matching = false,
                Outcome::Undecided => {}
            }
        }
        if policy.over_budget(k.bytes) {
            return match matcher::settle(set, &progress) {
                Some(l) => named(set, policy, l, n, Some(n)),
                None => Walk {
                    verdict: "drop",
                    decided_at_packet: Some(n),
                    ..Walk::default()
                },
            };
        }
    }
    // Ended undecided: a held match still names it (its verdict stays pending).
    match matcher::settle(set, &progress) {
        Some(l) => named(set, policy, l, 0, None),
        None => Walk {
            verdict: "pending",
            ..Walk::default()
        },
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
            let by = a.confirmed_by.as_deref().unwrap_or("no confirmation step");
            let _ = writeln!(out, "  confirmed by: {by}");
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

fn verdict_line(a: &Account) -> String {
    let r = &a.record;
    match (r.verdict, r.decided_at_packet, r.decided_at_bytes) {
        ("drop", Some(n), Some(b)) if is_cut_view(r) => format!(
            "drop (cut: no rule named it within the budget of {} bytes) at packet {n}, {b} bytes",
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
