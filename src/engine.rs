//! The engine: `process(packet bytes, now) -> PacketVerdict`, the one entry both the live daemon
//! and offline replay call. It parses, keys, tracks, matches and applies the policy; it never
//! fails and never panics on packet bytes. It owns no sockets, files or threads.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::flow::frag::{FragId, FragTable};
use crate::flow::key::Side;
use crate::flow::table::Access;
pub use crate::flow::tap::{FirstBytes, TapConfig, Tapped};
use crate::flow::tap::{Tap, TapPacket};
use crate::flow::{Decision, DecisionReason, FlowKey, FlowState, FlowTable, TableConfig};
use crate::packet::{Direction, Packet, ParseError};
use crate::signature::confirm;
use crate::signature::matcher::{self, Ctx, Outcome};
pub use crate::signature::{Label, SignatureSet};
use crate::stats::{ProtocolTally, Stats};

pub use crate::packet::LinkType;
pub use crate::policy::{MarkLayout, Policy, Verdict};

/// What the engine says about one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketVerdict {
    pub verdict: Verdict,
    /// nfdpi's mark bits for this packet (0 while the flow is pending).
    pub mark: u32,
    /// True when the packet's flow is decided (accept or drop for good).
    pub decided: bool,
}

/// The engine's configuration.
#[derive(Clone, Debug, Default)]
pub struct EngineConfig {
    pub table: TableConfig,
    pub policy: Policy,
    /// Classify the flows inside GRE, VXLAN, GTP-U and CAPWAP tunnels instead of the tunnel
    /// (offline, as nDPI reports them). Off for the live daemon: conntrack marks the outer
    /// connection, and cutting one inner flow must not cut the whole tunnel.
    pub decapsulate: bool,
}

/// A finished flow, as reported.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRecord {
    /// `udp` or `tcp`.
    pub transport: &'static str,
    /// The client: the endpoint that sent the first packet.
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// nDPI's protocol name, or `Unknown`.
    pub protocol: String,
    /// Numeric protocol id (0 when unknown).
    pub protocol_id: u16,
    /// Where the matching rule is written, e.g. `skype.sig:12`.
    pub signature: Option<String>,
    /// `accept`, `drop`, `pending` (ended before any decision) or `uninspected` (a transport
    /// nfdpi was not told to inspect: it passes, as it does live where the ruleset does not queue
    /// it).
    pub verdict: &'static str,
    pub decided_at_packet: Option<u32>,
    pub decided_at_bytes: Option<u64>,
    /// The packet that confirmed the name given by a rule with `confirm` (1-based).
    pub confirmed_at_packet: Option<u32>,
    /// The name a rule with `confirm` gave the flow, when the budget cut the flow before
    /// later packets confirmed it (`protocol` is then `Unknown`; `signature` names the rule).
    pub unconfirmed: Option<String>,
    pub packets: u64,
    pub bytes: u64,
    pub dropped_packets: u64,
    /// Nanoseconds since the epoch.
    pub first_seen: u64,
    pub last_seen: u64,
}

impl FlowRecord {
    fn new(key: &FlowKey, st: &FlowState, inspected: bool) -> Self {
        let transport = transport_name(key.proto());
        let (verdict, decided) = match st.decision {
            Decision::Pending if !inspected => ("uninspected", false),
            Decision::Pending => ("pending", false),
            Decision::Accept(_) => ("accept", true),
            Decision::Drop(_) => ("drop", true),
        };
        let named = identified(st);
        FlowRecord {
            transport,
            src: key.endpoint(st.client),
            dst: key.endpoint(st.client.other()),
            protocol: named.map_or_else(|| "Unknown".to_string(), |l| l.protocol.clone()),
            protocol_id: named.map_or(0, |l| l.id),
            signature: st.label.as_ref().map(|l| l.location.clone()),
            verdict,
            decided_at_packet: decided.then_some(st.decided_at_packet),
            decided_at_bytes: decided.then_some(u64::from(st.decided_at_bytes)),
            confirmed_at_packet: match (st.decision, named) {
                (Decision::Accept(_), Some(l)) if l.confirm.is_some() => Some(st.decided_at_packet),
                _ => None,
            },
            unconfirmed: named
                .is_none()
                .then(|| st.label.as_ref().map(|l| l.protocol.clone()))
                .flatten(),
            packets: u64::from(st.total_packets()),
            bytes: st.total_bytes(),
            dropped_packets: u64::from(st.dropped_packets),
            first_seen: st.first_seen,
            last_seen: st.last_seen,
        }
    }
}

/// `udp`, `tcp` or `other`.
fn transport_name(proto: u8) -> &'static str {
    match proto {
        crate::packet::UDP => "udp",
        crate::packet::TCP => "tcp",
        _ => "other",
    }
}

/// A flow the engine just decided to drop, as handed to a [`CutSink`].
#[derive(Clone, Debug)]
pub struct CutFlow {
    /// `udp` or `tcp`.
    pub transport: &'static str,
    /// The endpoint that sent the first packet, and the other.
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// `budget`, or `policy` (identified as a protocol the policy drops).
    pub reason: &'static str,
    /// The protocol the flow was named, when it was named but not accepted.
    pub label: Option<Arc<Label>>,
    /// The name a rule with `confirm` gave the flow, when the budget cut it before later
    /// packets confirmed it (`label` is then `None`).
    pub unconfirmed: Option<Arc<Label>>,
    /// Packets and IP bytes client→server and server→client, the deciding packet included.
    pub packets: [u32; 2],
    pub bytes: [u64; 2],
    /// 1-based number of the packet that decided the flow.
    pub decided_at_packet: u32,
    /// Times of the first packet and of the deciding one, nanoseconds since the epoch.
    pub first_seen: u64,
    pub at: u64,
    /// What the tap kept of the flow (`None` when it is off or was full).
    pub tapped: Option<Tapped>,
}

/// Where cut flows go (the daemon's cut-flow log and capture). Called while the flow's table
/// entry is held, so it must return at once: hand the flow over, never block or write.
pub trait CutSink: Send + Sync {
    fn cut(&self, flow: CutFlow);
}

/// One packet as [`Engine::trace`] saw it, read back from its flow's state after processing.
#[derive(Clone, Debug)]
pub struct PacketTrace<'a> {
    /// The packet the engine classified (the inner one of a decapsulated tunnel).
    pub packet: Packet<'a>,
    /// The flow's client (the first packet's sender) and server.
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// Direction and 0-based position in the flow, as the matcher was given them.
    pub ctx: Ctx,
    /// The flow's IP bytes, both directions, including this packet: what the budget counts.
    pub bytes: u64,
    /// The flow's first packet time (tells a flow from a later one on the same 5-tuple).
    pub first_seen: u64,
    pub verdict: PacketVerdict,
}

/// The flow's protocol: its label, unless the budget cut it before its name was confirmed.
fn identified(st: &FlowState) -> Option<&Arc<Label>> {
    match st.decision {
        Decision::Drop(DecisionReason::Budget) => None,
        _ => st.label.as_ref(),
    }
}

/// The classifier. Shared by reference between threads.
pub struct Engine {
    table: FlowTable,
    frags: FragTable,
    sigs: ArcSwap<SignatureSet>,
    policy: ArcSwap<Policy>,
    stats: Stats,
    /// Flows decided, by protocol id and verdict.
    decided: ProtocolTally,
    decapsulate: bool,
    tap: Option<Tap>,
    sink: Option<Arc<dyn CutSink>>,
}

/// One packet arriving at its flow.
struct Arrival<'p, 'a> {
    key: FlowKey,
    ip_len: u32,
    now: u64,
    /// `None` for a non-first fragment (bytes count, nothing to match).
    pkt: Option<&'p Packet<'a>>,
    /// The whole packet, IP header first (live only).
    raw: Option<&'p [u8]>,
}

impl Engine {
    pub fn new(cfg: EngineConfig, sigs: Arc<SignatureSet>) -> Self {
        Engine {
            table: FlowTable::new(cfg.table),
            frags: FragTable::default(),
            sigs: ArcSwap::new(sigs),
            policy: ArcSwap::from_pointee(cfg.policy),
            stats: Stats::default(),
            decided: ProtocolTally::default(),
            decapsulate: cfg.decapsulate,
            tap: None,
            sink: None,
        }
    }

    /// Hand every cut flow to `sink`, with what `tap` keeps of pending flows.
    pub fn with_cut_sink(mut self, sink: Arc<dyn CutSink>, tap: TapConfig) -> Self {
        self.sink = Some(sink);
        self.tap = Some(Tap::new(tap));
        self
    }

    /// Flows decided so far, by (protocol name, `accept`|`drop`); `Unknown` for flows cut
    /// unidentified. Ids the loaded set no longer names (after a reload) show as `id N`.
    pub fn decided_by_protocol(&self) -> BTreeMap<(String, &'static str), u64> {
        let sigs = self.sigs.load();
        let mut out = BTreeMap::new();
        for (id, acc, drp) in self.decided.snapshot() {
            let name = match sigs.labels.iter().find(|l| l.id == id) {
                Some(l) => l.protocol.clone(),
                None if id == 0 => "Unknown".to_string(),
                None if id == u16::MAX => "other".to_string(),
                None => format!("id {id}"),
            };
            for (verdict, n) in [("accept", acc), ("drop", drp)] {
                if n > 0 {
                    *out.entry((name.clone(), verdict)).or_default() += n;
                }
            }
        }
        out
    }

    /// The flow table's cap.
    pub fn max_flows(&self) -> usize {
        self.table.config().max_flows
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The policy in use.
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.load_full()
    }

    /// Replace the policy whole (a reload). Decided flows keep their decision; flows decided
    /// from now on get the new policy.
    pub fn swap_policy(&self, policy: Arc<Policy>) {
        self.policy.store(policy);
    }

    /// Flows tracked now.
    pub fn flows(&self) -> usize {
        self.table.len()
    }

    /// The signature set in use.
    pub fn signatures(&self) -> Arc<SignatureSet> {
        self.sigs.load_full()
    }

    /// Replace the signature set whole. Flows keep their state and decisions; undecided flows
    /// continue matching against the new set from their next packet.
    pub fn swap_signatures(&self, sigs: Arc<SignatureSet>) {
        self.sigs.store(sigs);
    }

    /// Classify one captured frame starting with `link`'s header, seen at `now` (nanoseconds
    /// since the epoch).
    pub fn process(&self, link: LinkType, data: &[u8], now: u64) -> PacketVerdict {
        self.process_parsed(Packet::from_link(link, data), None, now)
    }

    /// Classify one packet that starts with its IP header (as NFQUEUE delivers it).
    pub fn process_ip(&self, data: &[u8], now: u64) -> PacketVerdict {
        self.process_parsed(Packet::from_ip(data), Some(data), now)
    }

    fn process_parsed(
        &self,
        parsed: Result<Packet<'_>, ParseError>,
        raw: Option<&[u8]>,
        now: u64,
    ) -> PacketVerdict {
        let s = &self.stats;
        s.packets.fetch_add(1, Relaxed);
        let pkt = match parsed {
            Ok(p) => p,
            Err(ParseError::NotIp) => {
                s.non_ip.fetch_add(1, Relaxed);
                return self.count(self.undecided(self.policy.load().on_unparsed));
            }
            Err(ParseError::Malformed) => {
                s.malformed.fetch_add(1, Relaxed);
                return self.count(self.undecided(self.policy.load().on_malformed));
            }
        };
        let pkt = self.inner(pkt);
        s.bytes.fetch_add(u64::from(pkt.ip_len), Relaxed);
        if pkt.proto != crate::packet::UDP && pkt.proto != crate::packet::TCP {
            s.other_ip.fetch_add(1, Relaxed);
            return self.count(self.undecided(self.policy.load().on_unparsed));
        }
        if !self.policy.load().transports.inspects(pkt.proto) {
            return self.count(self.uninspected(&pkt, now));
        }
        let v = match pkt.frag {
            Some(f) => {
                s.fragments.fetch_add(1, Relaxed);
                let id = FragId {
                    src: pkt.src,
                    dst: pkt.dst,
                    proto: pkt.proto,
                    id: f.id,
                };
                if f.offset == 0 {
                    self.first_fragment(&pkt, raw, id, now)
                } else {
                    self.later_fragment(&pkt, raw, id, now)
                }
            }
            None => {
                let (key, side) = FlowKey::of(&pkt);
                let a = Arrival {
                    key,
                    ip_len: pkt.ip_len,
                    now,
                    pkt: Some(&pkt),
                    raw,
                };
                self.on_flow(key, side, now, |st, dir| self.step(st, dir, &a))
            }
        };
        self.count(v)
    }

    /// The packet the engine classifies: the innermost of at most two tunnel layers (e.g. GRE
    /// inside GTP-U) when decapsulating, else the packet itself.
    fn inner<'a>(&self, pkt: Packet<'a>) -> Packet<'a> {
        let mut pkt = pkt;
        for _ in 0..2 {
            match pkt.tunnel_inner() {
                Some(inner) if self.decapsulate => pkt = inner,
                _ => break,
            }
        }
        pkt
    }

    /// [`Engine::process`], then what the flow's state says about the packet (offline `explain`
    /// only: it parses the frame a second time). `None` for a packet that belongs to no
    /// tracked flow: not UDP or TCP, a non-first fragment, refused by a full table.
    pub fn trace<'a>(
        &self,
        link: LinkType,
        data: &'a [u8],
        now: u64,
    ) -> (PacketVerdict, Option<PacketTrace<'a>>) {
        let verdict = self.process(link, data, now);
        let Ok(pkt) = Packet::from_link(link, data) else {
            return (verdict, None);
        };
        let pkt = self.inner(pkt);
        let first = pkt.frag.is_none_or(|f| f.offset == 0);
        if !first || !matches!(pkt.proto, crate::packet::UDP | crate::packet::TCP) {
            return (verdict, None);
        }
        let (key, side) = FlowKey::of(&pkt);
        let trace = self.table.with_existing(&key, |st| {
            let dir = st.direction(side);
            PacketTrace {
                packet: pkt,
                client: key.endpoint(st.client),
                server: key.endpoint(st.client.other()),
                ctx: Ctx {
                    dir,
                    index: st.total_packets().saturating_sub(1),
                    index_in_dir: st.packets[dir as usize].saturating_sub(1),
                },
                bytes: st.total_bytes(),
                first_seen: st.first_seen,
                verdict,
            }
        });
        (verdict, trace)
    }

    /// A packet of a transport nfdpi does not inspect: it passes; its flow is tracked for the
    /// report (counted, never matched, budgeted or decided). A non-first fragment carries no
    /// ports, so it is only counted.
    fn uninspected(&self, pkt: &Packet<'_>, now: u64) -> PacketVerdict {
        self.stats.uninspected.fetch_add(1, Relaxed);
        if pkt.frag.is_some_and(|f| f.offset != 0) {
            return self.undecided(Verdict::Accept);
        }
        let (key, side) = FlowKey::of(pkt);
        self.on_flow(key, side, now, |st, dir| {
            st.count(dir, pkt.ip_len, now);
            self.undecided(Verdict::Accept)
        })
    }

    fn first_fragment(
        &self,
        pkt: &Packet<'_>,
        raw: Option<&[u8]>,
        id: FragId,
        now: u64,
    ) -> PacketVerdict {
        let (key, side) = FlowKey::of(pkt);
        let Some(frag) = pkt.frag else {
            return self.undecided(Verdict::Accept);
        };
        let waiting = self.frags.first(id, &frag, (key, side), now);
        self.on_flow(key, side, now, |st, dir| {
            // Fragments that overtook their first one count now, before this packet.
            if waiting.packets > 0 {
                let i = dir as usize;
                st.packets[i] = st.packets[i].saturating_add(waiting.packets);
                st.bytes = st.bytes.saturating_add(waiting.bytes);
                if dir == Direction::ToClient {
                    let b = u32::try_from(waiting.bytes).unwrap_or(u32::MAX);
                    st.bytes_to_client = st.bytes_to_client.saturating_add(b);
                }
                st.first_seen = st.first_seen.min(waiting.first_seen);
            }
            let a = Arrival {
                key,
                ip_len: pkt.ip_len,
                now,
                pkt: Some(pkt),
                raw,
            };
            self.step(st, dir, &a)
        })
    }

    fn later_fragment(
        &self,
        pkt: &Packet<'_>,
        raw: Option<&[u8]>,
        id: FragId,
        now: u64,
    ) -> PacketVerdict {
        let Some(frag) = pkt.frag else {
            return self.undecided(Verdict::Accept);
        };
        match self.frags.later(id, &frag, pkt.ip_len, now) {
            Ok(Some((key, side))) => self
                .table
                .with_existing(&key, |st| {
                    let dir = st.direction(side);
                    let a = Arrival {
                        key,
                        ip_len: pkt.ip_len,
                        now,
                        pkt: None,
                        raw,
                    };
                    self.step(st, dir, &a)
                })
                .unwrap_or_else(|| self.undecided(Verdict::Accept)),
            // Kept until its first fragment arrives; it passes meanwhile, as the flow would.
            Ok(None) => self.undecided(Verdict::Accept),
            Err(()) => {
                self.stats.fragments_orphaned.fetch_add(1, Relaxed);
                self.undecided(self.policy.load().on_overflow)
            }
        }
    }

    fn on_flow(
        &self,
        key: FlowKey,
        side: Side,
        now: u64,
        f: impl FnOnce(&mut FlowState, Direction) -> PacketVerdict,
    ) -> PacketVerdict {
        let access = self.table.with_flow(key, side, now, |st| {
            let dir = st.direction(side);
            f(st, dir)
        });
        match access {
            Access::Done { result, new } => {
                if new {
                    self.stats.flows_created.fetch_add(1, Relaxed);
                }
                result
            }
            Access::Refused => {
                self.stats.flows_refused.fetch_add(1, Relaxed);
                self.undecided(self.policy.load().on_overflow)
            }
        }
    }

    /// One packet of a tracked flow: count it, match it while the flow is undecided, apply the
    /// budget, and give the packet its flow's verdict.
    fn step(&self, st: &mut FlowState, dir: Direction, a: &Arrival<'_, '_>) -> PacketVerdict {
        let ctx = Ctx {
            dir,
            index: st.total_packets(),
            index_in_dir: st.packets[dir as usize],
        };
        st.count(dir, a.ip_len, a.now);
        let policy = self.policy.load();
        if st.decision == Decision::Pending {
            self.tap_packet(st, &ctx, a);
            match (st.matching, a.pkt) {
                (true, Some(pkt)) => {
                    let sigs = self.sigs.load();
                    match matcher::inspect(&sigs, pkt, &ctx, &mut st.progress) {
                        Outcome::Matched(label) => self.name(st, label, &policy, Some(pkt.payload)),
                        Outcome::GaveUp => st.matching = false,
                        Outcome::Undecided => {}
                    }
                }
                (false, Some(pkt)) => self.confirm(st, pkt, dir, &policy),
                (_, None) => {}
            }
            if st.decision == Decision::Pending && policy.over_budget(st.total_bytes()) {
                self.on_budget(st, &policy);
            }
            if st.decision != Decision::Pending {
                self.decided(st, a);
            }
        }
        let verdict = policy.verdict(st.decision);
        if verdict == Verdict::Drop {
            st.dropped_packets = st.dropped_packets.saturating_add(1);
        }
        let id = identified(st).map_or(0, |l| l.id);
        PacketVerdict {
            verdict,
            mark: policy.marks.mark(st.decision, id),
            decided: st.decision != Decision::Pending,
        }
    }

    /// A rule named the flow: decided at once, unless the rule asks for confirmation and the
    /// policy would accept the flow (a drop never waits: it only takes away).
    /// `naming` is the payload of the packet on which the match was made (for a held match,
    /// the packet at which it settled: `tag` is refused with `hold`), none when a held match
    /// settles at the budget.
    fn name(&self, st: &mut FlowState, label: &Arc<Label>, policy: &Policy, naming: Option<&[u8]>) {
        let waits =
            label.confirm.is_some() && matches!(policy.on_identified(label), Decision::Accept(_));
        if waits {
            st.label = Some(Arc::clone(label));
            st.matching = false;
            st.progress = matcher::Progress::default();
            if let (Some(spec), Some(payload)) = (&label.confirm, naming) {
                confirm::start(spec, payload, &mut st.progress);
            }
            self.stats.flows_named.fetch_add(1, Relaxed);
        } else {
            self.identify(st, label, policy);
        }
    }

    /// A later packet of a flow named by a rule with `confirm`.
    fn confirm(&self, st: &mut FlowState, pkt: &Packet<'_>, dir: Direction, policy: &Policy) {
        let Some(label) = st.label.clone() else {
            return;
        };
        let Some(spec) = &label.confirm else {
            return;
        };
        if confirm::step(spec, pkt.payload, pkt.proto, dir, &mut st.progress) {
            self.identify(st, &label, policy);
            self.stats.flows_confirmed.fetch_add(1, Relaxed);
        }
    }

    /// A pending flow went past its budget: a held match names it (and decides it, unless it
    /// needs a confirmation it cannot get any more); otherwise it is cut.
    fn on_budget(&self, st: &mut FlowState, policy: &Policy) {
        if st.label.is_none() {
            let sigs = self.sigs.load();
            if let Some(label) = matcher::settle(&sigs, &st.progress) {
                self.name(st, label, policy, None);
            }
        }
        if st.decision == Decision::Pending {
            st.decide(Decision::Drop(DecisionReason::Budget));
        }
    }

    fn identify(&self, st: &mut FlowState, label: &Arc<Label>, policy: &Policy) {
        st.decide(policy.on_identified(label));
        st.label = Some(Arc::clone(label));
        self.stats.flows_identified.fetch_add(1, Relaxed);
    }

    /// Hand a pending flow's packet to the tap, when it is on.
    fn tap_packet(&self, st: &FlowState, ctx: &Ctx, a: &Arrival<'_, '_>) {
        if let Some(tap) = &self.tap {
            let p = TapPacket {
                dir: ctx.dir,
                index: ctx.index,
                index_in_dir: ctx.index_in_dir,
                payload: a.pkt.map_or(&[], |p| p.payload),
                raw: a.raw,
                now: a.now,
                first_seen: st.first_seen,
            };
            tap.record(&a.key, &p);
        }
    }

    /// The packet just counted decided its flow: count the decision, and hand a cut flow to
    /// the sink (a flow accepted leaves the tap).
    fn decided(&self, st: &FlowState, a: &Arrival<'_, '_>) {
        let id = identified(st).map_or(0, |l| l.id);
        let reason = match st.decision {
            Decision::Drop(r) => r,
            _ => {
                self.decided.add(id, true);
                if let Some(tap) = &self.tap {
                    tap.forget(&a.key, st.first_seen);
                }
                return;
            }
        };
        self.decided.add(id, false);
        let counter = match reason {
            DecisionReason::Budget => &self.stats.flows_cut,
            DecisionReason::Identified => &self.stats.flows_denied,
        };
        counter.fetch_add(1, Relaxed);
        if let Some(sink) = &self.sink {
            sink.cut(self.cut_flow(st, a, reason));
        }
    }

    fn cut_flow(&self, st: &FlowState, a: &Arrival<'_, '_>, reason: DecisionReason) -> CutFlow {
        let tapped = self
            .tap
            .as_ref()
            .and_then(|t| t.take(&a.key, st.first_seen));
        if self.tap.is_some() && tapped.is_none() {
            self.stats.tap_skipped.fetch_add(1, Relaxed);
        }
        CutFlow {
            transport: transport_name(a.key.proto()),
            client: a.key.endpoint(st.client),
            server: a.key.endpoint(st.client.other()),
            reason: reason.cut_reason(),
            label: identified(st).cloned(),
            unconfirmed: st.label.clone().filter(|_| identified(st).is_none()),
            packets: st.packets,
            bytes: st.bytes_each_way(),
            decided_at_packet: st.decided_at_packet,
            first_seen: st.first_seen,
            at: a.now,
            tapped,
        }
    }

    fn undecided(&self, verdict: Verdict) -> PacketVerdict {
        PacketVerdict {
            verdict,
            mark: 0,
            decided: false,
        }
    }

    fn count(&self, v: PacketVerdict) -> PacketVerdict {
        let c = if v.verdict == Verdict::Accept {
            &self.stats.verdict_accept
        } else {
            &self.stats.verdict_drop
        };
        c.fetch_add(1, Relaxed);
        v
    }

    /// Expire flows idle at `now` and append their records, oldest first.
    pub fn sweep(&self, now: u64, out: &mut Vec<FlowRecord>) {
        let lost = self.frags.sweep(now);
        self.stats
            .fragments_orphaned
            .fetch_add(u64::from(lost.packets), Relaxed);
        let mut flows = Vec::new();
        self.table.sweep(now, &mut flows);
        self.records(flows, out);
    }

    /// End every flow (end of input) and append their records, oldest first.
    pub fn drain(&self, out: &mut Vec<FlowRecord>) {
        // Fragments still waiting for their first one will never find it.
        let lost = self.frags.sweep(u64::MAX);
        self.stats
            .fragments_orphaned
            .fetch_add(u64::from(lost.packets), Relaxed);
        let mut flows = Vec::new();
        self.table.drain(&mut flows);
        self.records(flows, out);
    }

    fn records(&self, flows: Vec<(FlowKey, FlowState)>, out: &mut Vec<FlowRecord>) {
        self.stats
            .flows_ended
            .fetch_add(flows.len() as u64, Relaxed);
        let sigs = self.sigs.load();
        out.extend(flows.into_iter().map(|(k, mut st)| {
            if let (Some(tap), Decision::Pending) = (&self.tap, st.decision) {
                tap.forget(&k, st.first_seen);
            }
            // A flow that ended while the matcher held a provisional match is named by it (its
            // verdict stays pending: no packet was decided by it).
            if st.label.is_none() && st.decision == Decision::Pending {
                st.label = matcher::settle(&sigs, &st.progress).cloned();
            }
            let inspected = self.policy.load().transports.inspects(k.proto());
            FlowRecord::new(&k, &st, inspected)
        }));
    }

    /// Visit the records of every flow tracked now, without ending them (for counters).
    pub fn for_each_flow(&self, mut f: impl FnMut(FlowRecord)) {
        let t = self.policy.load().transports;
        self.table
            .for_each(|k, st| f(FlowRecord::new(k, st, t.inspects(k.proto()))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;
    use proptest::prelude::*;

    /// An IPv4/UDP packet (no link header) whose IP length is exactly `ip_len`.
    fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, ip_len: usize) -> Vec<u8> {
        let payload = vec![0xA5u8; ip_len - 28];
        let mut out = Vec::new();
        PacketBuilder::ipv4(src, dst, 64)
            .udp(sport, dport)
            .write(&mut out, &payload)
            .unwrap();
        assert_eq!(out.len(), ip_len);
        out
    }

    fn engine() -> Engine {
        Engine::new(EngineConfig::default(), Arc::new(SignatureSet::empty()))
    }

    #[test]
    fn budget_exactly_at_10240_passes_one_byte_over_is_cut() {
        let e = engine();
        let a = udp([10, 0, 0, 1], 4000, [10, 0, 0, 2], 5000, 1024);
        for i in 0..10 {
            let v = e.process_ip(&a, i);
            assert_eq!(
                v.verdict,
                Verdict::Accept,
                "packet {i}: 1024 bytes each, {} so far",
                (i + 1) * 1024
            );
            assert!(!v.decided);
        }
        // 10 × 1024 = 10240: exactly the budget. A 29-byte reply takes the flow over it.
        let reply = udp([10, 0, 0, 2], 5000, [10, 0, 0, 1], 4000, 29);
        let v = e.process_ip(&reply, 10);
        assert_eq!(v.verdict, Verdict::Drop);
        assert!(v.decided);
        assert_eq!(v.mark, MarkLayout::default().drop);
        // From then on every packet of the flow is dropped, both ways.
        assert_eq!(e.process_ip(&a, 11).verdict, Verdict::Drop);
        let mut out = Vec::new();
        e.drain(&mut out);
        assert_eq!(out.len(), 1, "both directions are one flow");
        let r = &out[0];
        assert_eq!(
            (r.verdict, r.decided_at_packet, r.decided_at_bytes),
            ("drop", Some(11), Some(10269))
        );
        assert_eq!(
            (r.packets, r.bytes, r.dropped_packets),
            (12, 10269 + 1024, 2)
        );
        assert_eq!(
            r.src.to_string(),
            "10.0.0.1:4000",
            "the client is the first sender"
        );
        assert_eq!(e.stats().snapshot().flows_cut, 1);
    }

    #[test]
    fn a_flow_at_exactly_the_budget_stays_pending() {
        let e = engine();
        let a = udp([10, 0, 0, 1], 4000, [10, 0, 0, 2], 5000, 1024);
        for i in 0..10 {
            e.process_ip(&a, i);
        }
        let mut out = Vec::new();
        e.drain(&mut out);
        assert_eq!(
            (out[0].verdict, out[0].decided_at_packet),
            ("pending", None)
        );
    }

    #[test]
    fn full_table_fails_open_and_counts() {
        let cfg = EngineConfig {
            table: TableConfig {
                max_flows: 2,
                ..Default::default()
            },
            ..Default::default()
        };
        let e = Engine::new(cfg, Arc::new(SignatureSet::empty()));
        for port in 1..=5u16 {
            assert_eq!(
                e.process_ip(&udp([10, 0, 0, 1], port, [10, 0, 0, 2], 53, 100), 0)
                    .verdict,
                Verdict::Accept
            );
        }
        let s = e.stats().snapshot();
        assert_eq!((s.flows_created, s.flows_refused), (2, 3));
        assert_eq!(e.flows(), 2);
    }

    #[test]
    fn expired_flows_are_reported_by_the_sweep() {
        let e = engine();
        e.process_ip(&udp([10, 0, 0, 1], 1, [10, 0, 0, 2], 53, 100), 0);
        e.process_ip(
            &udp([10, 0, 0, 1], 2, [10, 0, 0, 2], 53, 100),
            100 * crate::flow::table::NS,
        );
        let mut out = Vec::new();
        e.sweep(121 * crate::flow::table::NS, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].src.port(), 1);
        assert_eq!(e.flows(), 1);
    }

    #[test]
    fn a_swapped_policy_decides_later_flows_and_decided_flows_keep_their_verdict() {
        let src = "protocol G id 9 category Game\n  rule g\n    u8@0 == 0xa5\n    len >= 4\n";
        let sigs = SignatureSet::from_sources(&[("t.sig", src)]).unwrap();
        let e = Engine::new(EngineConfig::default(), Arc::new(sigs));
        let first = udp([10, 0, 0, 1], 1000, [10, 0, 0, 2], 2000, 100);
        // The default policy drops an identified protocol of a category it does not list.
        assert_eq!(e.process_ip(&first, 0).verdict, Verdict::Drop);
        e.swap_policy(Arc::new(Policy {
            unlisted: Verdict::Accept,
            ..Policy::default()
        }));
        assert_eq!(e.policy().unlisted, Verdict::Accept);
        assert_eq!(
            e.process_ip(&first, 1).verdict,
            Verdict::Drop,
            "decided before"
        );
        let second = udp([10, 0, 0, 1], 1001, [10, 0, 0, 2], 2000, 100);
        assert_eq!(e.process_ip(&second, 2).verdict, Verdict::Accept);
    }

    #[test]
    fn non_udp_tcp_gets_the_unparsed_verdict_and_malformed_the_malformed_one() {
        let e = engine();
        let mut icmp = Vec::new();
        PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 64)
            .icmpv4_echo_request(1, 1)
            .write(&mut icmp, b"x")
            .unwrap();
        assert_eq!(e.process_ip(&icmp, 0).verdict, Verdict::Accept);
        assert_eq!(e.process_ip(&[0x45, 0, 0], 0).verdict, Verdict::Drop);
        // A UDP header cut short: no flow could hold it to a budget.
        let cut = udp([10, 0, 0, 1], 4000, [10, 0, 0, 2], 5000, 100);
        assert_eq!(e.process_ip(&cut[..24], 0).verdict, Verdict::Drop);
        let s = e.stats().snapshot();
        assert_eq!((s.other_ip, s.malformed, s.flows_created), (1, 2, 0));
        assert_eq!((s.verdict_accept, s.verdict_drop), (1, 2));
        // The operator may choose to let them pass.
        let open = Engine::new(
            EngineConfig {
                policy: Policy {
                    on_malformed: Verdict::Accept,
                    ..Policy::default()
                },
                ..Default::default()
            },
            Arc::new(SignatureSet::empty()),
        );
        assert_eq!(open.process_ip(&cut[..24], 0).verdict, Verdict::Accept);
        assert_eq!(open.stats().snapshot().malformed, 1);
    }

    /// An IPv6/UDP packet (no link header) of exactly `ip_len` bytes, with `ext` between the
    /// IPv6 and the UDP header: (type, header bytes), each header's next-header byte filled in
    /// here.
    fn udp6_behind(ext: &[(u8, Vec<u8>)], ip_len: usize) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, 0, 0, 64];
        p[6] = ext.first().map_or(17, |e| e.0);
        p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8].repeat(4));
        p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb9].repeat(4));
        for (i, (_, h)) in ext.iter().enumerate() {
            let at = p.len();
            p.extend_from_slice(h);
            p[at] = ext.get(i + 1).map_or(17, |e| e.0);
        }
        let udp_len = ip_len - p.len();
        p.extend_from_slice(&4000u16.to_be_bytes());
        p.extend_from_slice(&5000u16.to_be_bytes());
        p.extend_from_slice(&(udp_len as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0]);
        p.resize(ip_len, 0xA5);
        let plen = (ip_len - 40) as u16;
        p[4..6].copy_from_slice(&plen.to_be_bytes());
        p
    }

    /// Ten packets of 1,024 bytes fill the budget; the eleventh is cut, and the flow is UDP.
    fn assert_budgeted(packet: &[u8]) {
        assert_eq!(packet.len(), 1024);
        let e = engine();
        for i in 0..10 {
            assert_eq!(
                e.process_ip(packet, i).verdict,
                Verdict::Accept,
                "packet {i}"
            );
        }
        let v = e.process_ip(packet, 10);
        assert_eq!((v.verdict, v.decided), (Verdict::Drop, true));
        let s = e.stats().snapshot();
        assert_eq!((s.flows_created, s.flows_cut, s.other_ip), (1, 1, 0));
        let mut out = Vec::new();
        e.drain(&mut out);
        assert_eq!((out[0].transport, out[0].src.port()), ("udp", 4000));
    }

    /// ip6tables `-p udp` queues UDP behind a Hop-by-Hop header that is not first (the kernel's
    /// `ipv6_find_hdr` skips one wherever it stands): it gets its flow and its budget.
    #[test]
    fn udp_behind_a_misplaced_hop_by_hop_header_gets_a_flow_and_a_budget() {
        let dest = (60, vec![0, 0, 1, 4, 0, 0, 0, 0]);
        let hbh = (0, vec![0, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_budgeted(&udp6_behind(&[dest, hbh], 1024));
    }

    /// An Authentication header's length counts 4-byte units beyond the first 8: length 0 is
    /// an 8-byte header, which the kernel skips.
    #[test]
    fn udp_behind_an_ah_header_of_length_0_gets_a_flow_and_a_budget() {
        let ah = (51, vec![0, 0, 0, 0, 0, 0, 0, 1]);
        assert_budgeted(&udp6_behind(&[ah], 1024));
        let ah_long = (51, vec![0, 1, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9]);
        assert_budgeted(&udp6_behind(&[ah_long.clone(), ah_long], 1024));
    }

    /// Collects the cut flows it is handed.
    #[derive(Default)]
    struct Collect(std::sync::Mutex<Vec<CutFlow>>);

    impl CutSink for Collect {
        fn cut(&self, flow: CutFlow) {
            self.0.lock().unwrap().push(flow);
        }
    }

    fn traced(packets: bool, max_flows: usize) -> (Engine, Arc<Collect>) {
        let sink = Arc::new(Collect::default());
        let tap = TapConfig { packets, max_flows };
        (engine().with_cut_sink(sink.clone(), tap), sink)
    }

    #[test]
    fn a_cut_flow_reaches_the_sink_with_its_counts_first_bytes_and_packets() {
        let (e, sink) = traced(true, 10);
        let a = udp([10, 0, 0, 1], 4000, [10, 0, 0, 2], 5000, 1024);
        let reply = udp([10, 0, 0, 2], 5000, [10, 0, 0, 1], 4000, 100);
        e.process_ip(&a, 1);
        e.process_ip(&reply, 2);
        for i in 0..9 {
            e.process_ip(&a, 3 + i);
        }
        e.process_ip(&a, 50); // after the cut: not kept, not handed over again
        let cut = sink.0.lock().unwrap().clone();
        assert_eq!(cut.len(), 1);
        let f = &cut[0];
        assert_eq!((f.reason, f.transport), ("budget", "udp"));
        assert_eq!(f.client.to_string(), "10.0.0.1:4000");
        assert_eq!((f.packets, f.bytes), ([10, 1], [10 * 1024, 100]));
        assert_eq!((f.decided_at_packet, f.first_seen, f.at), (11, 1, 11));
        let t = f.tapped.as_ref().expect("kept");
        assert_eq!(t.first[0].bytes(), &[0xA5; 32][..]);
        assert_eq!(t.first[1].bytes(), &[0xA5; 32][..]);
        let kept: Vec<usize> = t.packets().map(|(_, p)| p.len()).collect();
        assert_eq!(kept.len(), 11, "up to the packet that crossed the budget");
        assert_eq!((kept[0], kept[1]), (1024, 100));
        let s = e.stats().snapshot();
        assert_eq!((s.flows_cut, s.flows_denied, s.tap_skipped), (1, 0, 0));
        let d = e.decided_by_protocol();
        assert_eq!(d.get(&("Unknown".to_string(), "drop")), Some(&1));
    }

    #[test]
    fn the_tap_cap_skips_and_counts_and_ended_flows_leave_it() {
        let (e, sink) = traced(false, 1);
        let small = |port| udp([10, 0, 0, 1], port, [10, 0, 0, 2], 53, 100);
        e.process_ip(&small(1), 0); // kept
        let big = udp([10, 0, 0, 1], 2, [10, 0, 0, 2], 53, 6000);
        e.process_ip(&big, 0); // over the cap: not kept
        e.process_ip(&big, 1); // cut
        let cut = sink.0.lock().unwrap().clone();
        assert_eq!(cut.len(), 1);
        assert!(cut[0].tapped.is_none());
        assert_eq!(e.stats().snapshot().tap_skipped, 1);
        let mut out = Vec::new();
        e.drain(&mut out);
        assert_eq!(
            e.tap.as_ref().map(|t| t.len()),
            Some(0),
            "ended flows leave the tap"
        );
    }

    /// A flow identified as a protocol the policy drops is cut by policy: counted apart from
    /// budget cuts, tallied under its protocol, and handed to the sink with its name.
    #[test]
    fn a_denied_protocol_is_cut_by_policy_and_tallied_by_name() {
        let src = "protocol Blocked id 77 category Custom\n  rule a\n    broad\n    port 9\n\nprotocol Fine id 78 category Custom\n  rule b\n    broad\n    port 10\n";
        let sigs = Arc::new(SignatureSet::from_sources(&[("t.sig", src)]).expect("set"));
        let cfg = EngineConfig {
            policy: Policy {
                deny: vec!["Blocked".into()],
                allow: vec!["Fine".into()],
                ..Policy::default()
            },
            ..Default::default()
        };
        let sink = Arc::new(Collect::default());
        let tap = TapConfig {
            packets: false,
            max_flows: 10,
        };
        let e = Engine::new(cfg, sigs).with_cut_sink(sink.clone(), tap);
        assert_eq!(
            e.process_ip(&udp([10, 0, 0, 1], 1, [10, 0, 0, 2], 9, 60), 0)
                .verdict,
            Verdict::Drop
        );
        e.process_ip(&udp([10, 0, 0, 1], 2, [10, 0, 0, 2], 10, 60), 0);
        let cut = sink.0.lock().unwrap().clone();
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].reason, "policy");
        assert_eq!(
            cut[0].label.as_ref().map(|l| l.protocol.as_str()),
            Some("Blocked")
        );
        let s = e.stats().snapshot();
        assert_eq!((s.flows_cut, s.flows_denied, s.flows_identified), (0, 1, 2));
        let d = e.decided_by_protocol();
        assert_eq!(d.get(&("Blocked".to_string(), "drop")), Some(&1));
        assert_eq!(d.get(&("Fine".to_string(), "accept")), Some(&1));
        assert_eq!(d.len(), 2);
        assert_eq!(
            e.tap.as_ref().map(|t| t.len()),
            Some(0),
            "accepted flows leave the tap"
        );
    }

    /// A rule that names a call from its first packet and asks for four RTP packets that
    /// continue one stream before the flow is accepted.
    fn confirming_engine(policy: Policy) -> Engine {
        let src = "protocol Call id 38 category VoIP\n  rule hello\n    u32@0 == 0xa5a5a5a5\n    confirm 4 by rtp\n";
        let sigs = SignatureSet::from_sources(&[("t.sig", src)]).unwrap();
        Engine::new(
            EngineConfig {
                policy,
                ..EngineConfig::default()
            },
            Arc::new(sigs),
        )
    }

    /// An IPv4/UDP packet 10.0.0.1:4000 -> 10.0.0.2:5000 carrying `payload`.
    fn udp_with(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(4000, 5000)
            .write(&mut out, payload)
            .unwrap();
        out
    }

    /// RTP, payload type 0, sequence `seq`, SSRC 0x01020304, 160 bytes of audio.
    fn rtp(seq: u16) -> Vec<u8> {
        let mut p = vec![0x80, 0x00];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 0, 1, 2, 3, 4]);
        p.extend_from_slice(&[0xD5; 160]);
        p
    }

    #[test]
    fn a_named_flow_is_accepted_only_once_confirmed() {
        let e = confirming_engine(Policy::default());
        let hello = udp_with(&[0xA5; 100]);
        let v = e.process_ip(&hello, 0);
        assert_eq!((v.verdict, v.decided, v.mark), (Verdict::Accept, false, 0));
        // The first RTP packet opens the stream; four more continue it.
        for seq in 0..4 {
            assert!(!e.process_ip(&udp_with(&rtp(seq)), 1).decided, "rtp {seq}");
        }
        let v = e.process_ip(&udp_with(&rtp(4)), 2);
        assert!(v.decided);
        assert_eq!(v.mark, 0x0026_0001);
        let mut out = Vec::new();
        e.drain(&mut out);
        let r = &out[0];
        assert_eq!(
            (r.protocol.as_str(), r.verdict, r.decided_at_packet),
            ("Call", "accept", Some(6))
        );
        assert_eq!(
            (r.confirmed_at_packet, r.unconfirmed.as_deref()),
            (Some(6), None)
        );
        let s = e.stats().snapshot();
        assert_eq!(
            (s.flows_named, s.flows_confirmed, s.flows_identified),
            (1, 1, 1)
        );
    }

    #[test]
    fn a_named_flow_that_never_confirms_is_cut_at_the_budget_and_reported_unconfirmed() {
        let sink = Arc::new(Collect::default());
        let tap = TapConfig {
            packets: false,
            max_flows: 10,
        };
        let e = confirming_engine(Policy::default()).with_cut_sink(sink.clone(), tap);
        e.process_ip(&udp_with(&[0xA5; 100]), 0);
        // The same "RTP" start, but a new SSRC every packet: no stream continues.
        let mut t = 1;
        let v = loop {
            let mut p = rtp(t as u16);
            p[8..12].copy_from_slice(&(t as u32).to_be_bytes());
            let v = e.process_ip(&udp_with(&p), t);
            if v.decided {
                break v;
            }
            t += 1;
        };
        assert_eq!(
            (v.verdict, v.mark),
            (Verdict::Drop, MarkLayout::default().drop)
        );
        let mut out = Vec::new();
        e.drain(&mut out);
        let r = &out[0];
        assert_eq!((r.protocol.as_str(), r.verdict), ("Unknown", "drop"));
        assert_eq!(r.unconfirmed.as_deref(), Some("Call"));
        assert_eq!(r.confirmed_at_packet, None);
        assert!(r.decided_at_bytes.unwrap() > crate::policy::DEFAULT_BUDGET);
        assert_eq!(e.stats().snapshot().flows_cut, 1);
        // The cut-flow sink gets it as a budget cut, unnamed, with the name it waited under;
        // the tally counts it Unknown.
        let cut = sink.0.lock().unwrap();
        assert_eq!((cut.len(), cut[0].reason), (1, "budget"));
        assert!(cut[0].label.is_none());
        assert_eq!(cut[0].unconfirmed.as_ref().map(|l| l.id), Some(38));
        let by = e.decided_by_protocol();
        assert_eq!(by.get(&("Unknown".to_string(), "drop")), Some(&1), "{by:?}");
    }

    #[test]
    fn a_named_flow_the_policy_drops_is_dropped_without_waiting() {
        let e = confirming_engine(Policy {
            deny: vec!["Call".into()],
            ..Policy::default()
        });
        let v = e.process_ip(&udp_with(&[0xA5; 100]), 0);
        assert_eq!((v.verdict, v.decided), (Verdict::Drop, true));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200), link in 0usize..LinkType::ALL.len()) {
            // With no signatures, one packet is dropped only when it is malformed or when the
            // length its IP header claims (the wire length of a cut capture) is past the budget.
            let dropped_for_cause = |e: &Engine| {
                let s = e.stats().snapshot();
                s.malformed + s.flows_cut == 1
            };
            let e = engine();
            let v = e.process(LinkType::ALL[link], &data, 0);
            prop_assert_eq!(v.verdict == Verdict::Drop, dropped_for_cause(&e));
            let e = engine();
            let v = e.process_ip(&data, 1);
            prop_assert_eq!(v.verdict == Verdict::Drop, dropped_for_cause(&e));
        }

        #[test]
        fn mutated_udp_packets_never_panic(flip in proptest::collection::vec((0usize..60, any::<u8>()), 1..8), cut in 0usize..60) {
            let e = engine();
            let mut p = udp([10, 0, 0, 1], 4000, [10, 0, 0, 2], 3478, 60);
            for (i, b) in flip { p[i] = b; }
            p.truncate(60 - cut.min(59));
            let _ = e.process_ip(&p, 0);
        }
    }
}
