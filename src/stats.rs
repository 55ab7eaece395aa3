//! Counters shared by every thread: atomic, never locked, never logged per packet; and their
//! export. The `counters` log line, the daemon's `/metrics` endpoint and `classify
//! --metrics-file` all read these atomics: there is no second set of counters.
//!
//! The export ([`Scrape`], [`render`]) writes the Prometheus text format (version 0.0.4) with
//! the `prometheus-client` crate's encoder; names follow Prometheus' conventions (`nfdpi_`
//! prefix, `_total` on counters, base units in the name).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

macro_rules! counters {
    ($(#[$sdoc:meta])* $stats:ident, $snap:ident; $($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(#[$sdoc])*
        #[derive(Debug, Default)]
        pub struct $stats { $($(#[$doc])* pub $name: AtomicU64,)* }

        /// A plain copy of the counters at one moment.
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
        pub struct $snap { $(pub $name: u64,)* }

        impl $stats {
            pub fn snapshot(&self) -> $snap {
                $snap { $($name: self.$name.load(Relaxed),)* }
            }
        }

        impl $snap {
            /// The sum of two snapshots (shards of one capture).
            pub fn plus(&self, o: &$snap) -> $snap {
                $snap { $($name: self.$name + o.$name,)* }
            }

            /// (name, value) pairs, in declaration order.
            pub fn fields(&self) -> Vec<(&'static str, u64)> {
                vec![$((stringify!($name), self.$name),)*]
            }

            /// A snapshot whose every counter is `f(its name)`, in declaration order.
            pub fn from_fn(mut f: impl FnMut(&'static str) -> u64) -> $snap {
                $snap { $($name: f(stringify!($name)),)* }
            }
        }
    };
}

counters! {
    /// Engine counters. All monotonic.
    Stats, Snapshot;
    /// Packets handed to the engine.
    packets,
    /// Their IP bytes.
    bytes,
    /// Packets whose IP or UDP/TCP header could not be read (cut short, bad lengths, an IPv6
    /// extension chain running past the packet): they get the malformed verdict, drop by
    /// default.
    malformed,
    /// Frames that carry no IP (ARP, LLDP…).
    non_ip,
    /// IP packets that are neither UDP nor TCP (ICMP, ESP, GRE…): not tracked.
    other_ip,
    /// UDP/TCP packets of a transport nfdpi does not inspect (`--transport`): passed, counted in
    /// their flow, never decided.
    uninspected,
    /// IP fragments seen.
    fragments,
    /// Fragments whose first fragment never came (or the fragment table was full).
    fragments_orphaned,
    /// Flows created.
    flows_created,
    /// Flows that left the table (expired or at the end of a capture).
    flows_ended,
    /// New flows not tracked because the table was full (they got the overflow verdict).
    flows_refused,
    /// Flows identified by a signature (decided by the policy).
    flows_identified,
    /// Flows named by a rule with `confirm`, left pending until later packets confirm them.
    flows_named,
    /// Named flows that later packets confirmed (they are counted as identified too).
    flows_confirmed,
    /// Flows cut by the budget.
    flows_cut,
    /// Flows identified as a protocol the policy drops (cut by policy).
    flows_denied,
    /// Cut flows whose packets were not kept for the cut-flow trace because the pending-flow
    /// cap was reached (only with `--capture-unknown` or the cut-flow log on).
    tap_skipped,
    /// Accept verdicts.
    verdict_accept,
    /// Drop verdicts.
    verdict_drop,
}

counters! {
    /// Live daemon counters (the receive loops, signals, the kernel queue). All monotonic.
    /// (Packets received and verdicts sent are counted per queue: [`QueueStats`].)
    DaemonStats, DaemonSnapshot;
    /// Verdicts the kernel refused or that could not be sent.
    verdict_errors,
    /// Packets that came back to the queue already carrying nfdpi's decision bits: the ruleset
    /// does not obey the mark; they were verdicted from the mark without the engine.
    requeued_marked,
    /// Receive errors other than ENOBUFS (EINTR from shutdown is not counted).
    recv_errors,
    /// ENOBUFS: the socket buffer overflowed and the kernel dropped messages.
    enobufs,
    /// The engine panicked on a packet (it got the default verdict).
    engine_panics,
    /// Queue sockets reopened after a failure.
    reopens,
    /// Signature reloads that succeeded.
    reloads,
    /// Signature reloads refused (the old set stayed).
    reloads_failed,
}

counters! {
    /// Counters of the cut-flow trace: the log line per cut flow and the pcap capture. All
    /// monotonic.
    TraceStats, TraceSnapshot;
    /// Cut flows handed to the trace thread.
    cut_flows,
    /// Cut flows not handed over because the trace thread's queue was full (neither logged
    /// nor captured).
    cut_flows_dropped,
    /// Cut-flow log lines written.
    cut_logs,
    /// Cut flows not logged because of the rate limit.
    cut_logs_suppressed,
    /// Cut flows written to a capture file.
    capture_flows,
    /// Packets written to capture files.
    capture_packets,
    /// Bytes written to capture files (headers included).
    capture_bytes,
    /// Capture files opened.
    capture_files,
    /// Capture files removed to stay within the bounds (oldest first).
    capture_files_removed,
    /// Cut flows not captured: the file system had too little free space.
    capture_skipped_disk,
    /// Cut flows not captured: a write failed.
    capture_errors,
}

impl Stats {
    pub fn add(&self, c: &AtomicU64, n: u64) {
        c.fetch_add(n, Relaxed);
    }
}

/// Upper bounds of the processing-time histogram's buckets, nanoseconds: powers of two from
/// 256 ns to about 1 ms (the last bucket, +Inf, takes the rest).
const BUCKETS: usize = 13;

/// A histogram of durations: a fixed array of atomic bucket counters and a sum. Recording
/// takes two relaxed atomic additions, no lock and no allocation.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Non-cumulative counts; the last one is the +Inf bucket.
    buckets: [AtomicU64; BUCKETS + 1],
    sum_ns: AtomicU64,
}

impl Histogram {
    /// The bucket of a duration: the first whose bound (256 ns << i) it does not exceed.
    fn bucket(ns: u64) -> usize {
        if ns <= 256 {
            return 0;
        }
        let i = 64 - ((ns - 1) >> 8).leading_zeros() as usize;
        i.min(BUCKETS)
    }

    /// Count one duration of `ns` nanoseconds.
    pub fn record(&self, ns: u64) {
        if let Some(b) = self.buckets.get(Self::bucket(ns)) {
            b.fetch_add(1, Relaxed);
        }
        self.sum_ns.fetch_add(ns, Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            buckets: std::array::from_fn(|i| self.buckets.get(i).map_or(0, |b| b.load(Relaxed))),
            sum_ns: self.sum_ns.load(Relaxed),
        }
    }
}

/// A copy of a [`Histogram`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistogramSnapshot {
    pub buckets: [u64; BUCKETS + 1],
    pub sum_ns: u64,
}

impl HistogramSnapshot {
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }
}

/// One queue's counters, touched only by that queue's receive thread (so never contended).
#[derive(Debug, Default)]
pub struct QueueStats {
    /// Packets received from the queue.
    pub received: AtomicU64,
    /// NF_ACCEPT verdicts sent.
    pub accept: AtomicU64,
    /// NF_DROP verdicts sent.
    pub drop: AtomicU64,
    /// NF_REPEAT verdicts sent.
    pub repeat: AtomicU64,
    /// Time from receiving a packet to handing its verdict to the socket.
    pub processing: Histogram,
}

/// A copy of a [`QueueStats`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QueueSnapshot {
    pub received: u64,
    pub accept: u64,
    pub drop: u64,
    pub repeat: u64,
    pub processing: HistogramSnapshot,
}

impl QueueStats {
    pub fn snapshot(&self) -> QueueSnapshot {
        QueueSnapshot {
            received: self.received.load(Relaxed),
            accept: self.accept.load(Relaxed),
            drop: self.drop.load(Relaxed),
            repeat: self.repeat.load(Relaxed),
            processing: self.processing.snapshot(),
        }
    }

    /// Verdicts sent on this queue.
    pub fn verdicted(&self) -> u64 {
        self.accept.load(Relaxed) + self.drop.load(Relaxed) + self.repeat.load(Relaxed)
    }
}

/// Slots of the [`ProtocolTally`]: more than the protocols of any set (ids below this get a
/// slot of their own).
const TALLY_SLOTS: usize = 1024;

/// Flows decided, by protocol id and verdict: a fixed open-addressing table of atomics, so
/// counting takes no lock and no allocation. Ids are nDPI's (0 = Unknown); a set with more
/// than [`TALLY_SLOTS`] distinct ids decided would count the rest under id `u16::MAX` ("other").
#[derive(Debug)]
pub struct ProtocolTally {
    /// Id + 1 (0: free).
    keys: Box<[AtomicU32]>,
    /// [accept, drop] per slot.
    counts: Box<[[AtomicU64; 2]]>,
    other: [AtomicU64; 2],
}

impl Default for ProtocolTally {
    fn default() -> Self {
        ProtocolTally {
            keys: (0..TALLY_SLOTS).map(|_| AtomicU32::new(0)).collect(),
            counts: (0..TALLY_SLOTS).map(|_| Default::default()).collect(),
            other: Default::default(),
        }
    }
}

impl ProtocolTally {
    /// Count one flow of protocol `id` decided `accept` (true) or drop.
    pub fn add(&self, id: u16, accept: bool) {
        let v = usize::from(!accept);
        let key = u32::from(id) + 1;
        for probe in 0..TALLY_SLOTS {
            let i = (usize::from(id) + probe) % TALLY_SLOTS;
            let (Some(k), Some(c)) = (self.keys.get(i), self.counts.get(i)) else {
                break;
            };
            let found = match k.load(Relaxed) {
                0 => match k.compare_exchange(0, key, Relaxed, Relaxed) {
                    Ok(_) => true,
                    Err(now) => now == key,
                },
                now => now == key,
            };
            if found {
                if let Some(c) = c.get(v) {
                    c.fetch_add(1, Relaxed);
                }
                return;
            }
        }
        if let Some(c) = self.other.get(v) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// (id, accepted, dropped) for every id counted, by id; "other" as id `u16::MAX`.
    pub fn snapshot(&self) -> Vec<(u16, u64, u64)> {
        let mut out: Vec<(u16, u64, u64)> = self
            .keys
            .iter()
            .zip(self.counts.iter())
            .filter_map(|(k, [a, d])| {
                let id = u16::try_from(k.load(Relaxed).checked_sub(1)?).ok()?;
                Some((id, a.load(Relaxed), d.load(Relaxed)))
            })
            .collect();
        let [a, d] = &self.other;
        let (a, d) = (a.load(Relaxed), d.load(Relaxed));
        if a + d > 0 {
            out.push((u16::MAX, a, d));
        }
        out.sort_unstable();
        out
    }
}

/// One queue's line of the kernel's `/proc/net/netfilter/nfnetlink_queue`, for its current
/// socket (the kernel starts these at 0 when a socket binds the queue).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct KernelCounters {
    /// Packets waiting in the queue now.
    pub waiting: u64,
    /// Packets the kernel dropped because the queue was full (without fail-open).
    pub queue_dropped: u64,
    /// Packets the kernel dropped because the socket buffer was full (without fail-open).
    pub user_dropped: u64,
    /// Packet ids handed out.
    pub id_sequence: u64,
}

/// One queue, as exported.
#[derive(Debug, Default, Clone, Copy)]
pub struct QueueScrape {
    pub queue: u16,
    pub counters: QueueSnapshot,
    /// `None` when the kernel's file could not be read.
    pub kernel: Option<KernelCounters>,
    /// Fail-open passes counted from packet-id gaps, over every socket of this queue so far.
    pub fail_open_passes: u64,
}

/// What only the live daemon has.
#[derive(Debug, Default, Clone)]
pub struct DaemonScrape {
    pub stats: DaemonSnapshot,
    pub queues: Vec<QueueScrape>,
    /// Protocols the loaded signature set can name.
    pub protocols_loaded: u64,
}

/// Everything one export writes, copied at one moment (so encoding needs no lock).
#[derive(Debug, Default, Clone)]
pub struct Scrape {
    pub engine: Snapshot,
    /// (protocol name, `accept`|`drop`) → flows decided.
    pub decided: BTreeMap<(String, &'static str), u64>,
    /// Flows in the table now, and its cap.
    pub flows_tracked: u64,
    pub flows_max: u64,
    pub daemon: Option<DaemonScrape>,
    /// The cut-flow trace, when it runs.
    pub trace: Option<TraceSnapshot>,
}

impl Scrape {
    /// Add another engine's figures (`classify` over several captures).
    pub fn add_engine(
        &mut self,
        engine: &Snapshot,
        decided: &BTreeMap<(String, &'static str), u64>,
    ) {
        self.engine = self.engine.plus(engine);
        for (k, v) in decided {
            *self.decided.entry(k.clone()).or_default() += v;
        }
    }
}

/// `Scrape` in the Prometheus text format, version 0.0.4 (content type [`CONTENT_TYPE`]).
pub fn render(scrape: &Scrape) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(scrape.clone()));
    let mut out = String::with_capacity(8192);
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
    out
}

/// The HTTP content type of [`render`]'s output.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

type Labels = Vec<(&'static str, String)>;

/// Writes families into a descriptor encoder.
struct Out<'a>(DescriptorEncoder<'a>);

impl Out<'_> {
    fn counter(&mut self, name: &str, help: &str, v: u64) -> fmt::Result {
        let c = ConstCounter::new(v);
        c.encode(
            self.0
                .encode_descriptor(name, help, None, c.metric_type())?,
        )
    }

    fn counters(&mut self, name: &str, help: &str, rows: Vec<(Labels, u64)>) -> fmt::Result {
        let mut m = self
            .0
            .encode_descriptor(name, help, None, MetricType::Counter)?;
        for (labels, v) in &rows {
            ConstCounter::new(*v).encode(m.encode_family(labels)?)?;
        }
        Ok(())
    }

    fn gauge(&mut self, name: &str, help: &str, v: u64) -> fmt::Result {
        let g = ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));
        g.encode(
            self.0
                .encode_descriptor(name, help, None, g.metric_type())?,
        )
    }

    fn gauges(&mut self, name: &str, help: &str, rows: Vec<(Labels, u64)>) -> fmt::Result {
        let mut m = self
            .0
            .encode_descriptor(name, help, None, MetricType::Gauge)?;
        for (labels, v) in &rows {
            let g = ConstGauge::new(i64::try_from(*v).unwrap_or(i64::MAX));
            g.encode(m.encode_family(labels)?)?;
        }
        Ok(())
    }

    fn histograms(
        &mut self,
        name: &str,
        help: &str,
        rows: Vec<(Labels, HistogramSnapshot)>,
    ) -> fmt::Result {
        let mut m = self
            .0
            .encode_descriptor(name, help, None, MetricType::Histogram)?;
        for (labels, h) in &rows {
            let buckets: Vec<(f64, u64)> = h
                .buckets
                .iter()
                .take(BUCKETS)
                .enumerate()
                .map(|(i, &n)| ((256u64 << i) as f64 / 1e9, n))
                .collect();
            m.encode_family(labels)?.encode_histogram::<NoLabelSet>(
                h.sum_ns as f64 / 1e9,
                h.count(),
                &buckets,
                None,
            )?;
        }
        Ok(())
    }
}

fn label(k: &'static str, v: impl ToString) -> Labels {
    vec![(k, v.to_string())]
}

impl Collector for Scrape {
    fn encode(&self, encoder: DescriptorEncoder) -> fmt::Result {
        let mut out = Out(encoder);
        out.gauges(
            "nfdpi_build_info",
            "The nfdpi version that exports these metrics (always 1).",
            vec![(label("version", env!("CARGO_PKG_VERSION")), 1)],
        )?;
        encode_engine(&mut out, self)?;
        if let Some(d) = &self.daemon {
            encode_daemon(&mut out, d)?;
            encode_kernel(&mut out, &d.queues)?;
        }
        if let Some(t) = &self.trace {
            encode_trace(&mut out, t)?;
        }
        Ok(())
    }
}

fn encode_engine(out: &mut Out<'_>, s: &Scrape) -> fmt::Result {
    let e = &s.engine;
    out.counter(
        "nfdpi_engine_packets",
        "Packets handed to the engine.",
        e.packets,
    )?;
    out.counter(
        "nfdpi_engine_bytes",
        "IP bytes of the packets handed to the engine.",
        e.bytes,
    )?;
    out.counters(
        "nfdpi_engine_verdicts",
        "Packets by the verdict the engine gave them (what happens to the packet).",
        vec![
            (label("verdict", "accept"), e.verdict_accept),
            (label("verdict", "drop"), e.verdict_drop),
        ],
    )?;
    out.counters(
        "nfdpi_packets_not_inspected",
        "Packets the engine did not match, by reason: malformed (headers that cannot be read), \
         not_ip, other_transport (neither UDP nor TCP), uninspected_transport (a transport \
         --transport leaves out).",
        vec![
            (label("reason", "malformed"), e.malformed),
            (label("reason", "not_ip"), e.non_ip),
            (label("reason", "other_transport"), e.other_ip),
            (label("reason", "uninspected_transport"), e.uninspected),
        ],
    )?;
    out.counter("nfdpi_fragments", "IP fragments seen.", e.fragments)?;
    out.counter(
        "nfdpi_fragments_orphaned",
        "IP fragments whose first fragment never came (or the fragment table was full).",
        e.fragments_orphaned,
    )?;
    encode_flows(out, s)
}

fn encode_flows(out: &mut Out<'_>, s: &Scrape) -> fmt::Result {
    let e = &s.engine;
    out.counter("nfdpi_flows_created", "Flows created.", e.flows_created)?;
    out.counter(
        "nfdpi_flows_ended",
        "Flows that left the table (idle timeout, or the end of a capture).",
        e.flows_ended,
    )?;
    out.counter(
        "nfdpi_flows_refused",
        "New flows not tracked because the flow table was full; their packets got the \
         --on-overflow verdict.",
        e.flows_refused,
    )?;
    out.counter(
        "nfdpi_flows_identified",
        "Flows a signature named.",
        e.flows_identified,
    )?;
    out.counter(
        "nfdpi_flows_named",
        "Flows a rule with `confirm` named, left pending until later packets confirm them.",
        e.flows_named,
    )?;
    out.counter(
        "nfdpi_flows_confirmed",
        "Named flows that later packets confirmed (counted as identified too).",
        e.flows_confirmed,
    )?;
    out.counters(
        "nfdpi_flows_cut",
        "Flows decided drop, by reason: budget (still unidentified past --budget), policy \
         (identified as a protocol --allow/--deny drops).",
        vec![
            (label("reason", "budget"), e.flows_cut),
            (label("reason", "policy"), e.flows_denied),
        ],
    )?;
    let decided = s
        .decided
        .iter()
        .map(|((p, v), n)| {
            (
                vec![("protocol", p.clone()), ("verdict", v.to_string())],
                *n,
            )
        })
        .collect();
    out.counters(
        "nfdpi_flows_decided",
        "Flows decided, by protocol (Unknown for a budget cut) and verdict.",
        decided,
    )?;
    out.counter(
        "nfdpi_tap_skipped_flows",
        "Cut flows whose packets were not kept for the cut-flow log or capture because \
         the pending-flow cap was reached.",
        e.tap_skipped,
    )?;
    out.gauge(
        "nfdpi_flows_tracked",
        "Flows in the flow table now.",
        s.flows_tracked,
    )?;
    out.gauge(
        "nfdpi_flows_tracked_max",
        "The flow table's cap (--max-flows).",
        s.flows_max,
    )
}

fn per_queue(d: &[QueueScrape], f: impl Fn(&QueueScrape) -> u64) -> Vec<(Labels, u64)> {
    d.iter().map(|q| (label("queue", q.queue), f(q))).collect()
}

fn encode_daemon(out: &mut Out<'_>, d: &DaemonScrape) -> fmt::Result {
    let s = &d.stats;
    let q = &d.queues;
    out.counters(
        "nfdpi_queue_packets",
        "Packets received from each NFQUEUE queue.",
        per_queue(q, |q| q.counters.received),
    )?;
    let mut rows = Vec::new();
    for q in q {
        for (v, n) in [
            ("accept", q.counters.accept),
            ("drop", q.counters.drop),
            ("repeat", q.counters.repeat),
        ] {
            rows.push((
                vec![("queue", q.queue.to_string()), ("verdict", v.to_string())],
                n,
            ));
        }
    }
    out.counters(
        "nfdpi_verdicts",
        "Verdicts sent to the kernel, by queue and verdict (NF_ACCEPT, NF_DROP, NF_REPEAT: a \
         decided packet handed back with its mark).",
        rows,
    )?;
    out.histograms(
        "nfdpi_packet_processing_seconds",
        "Time from a packet's arrival in the daemon to its verdict being handed to the socket, \
         per queue.",
        q.iter()
            .map(|q| (label("queue", q.queue), q.counters.processing))
            .collect(),
    )?;
    out.counters(
        "nfdpi_netlink_errors",
        "Netlink errors by kind: receive (survived; 3 in a row reopen the socket), enobufs \
         (the socket buffer overflowed), verdict (a verdict the kernel refused).",
        vec![
            (label("kind", "receive"), s.recv_errors),
            (label("kind", "enobufs"), s.enobufs),
            (label("kind", "verdict"), s.verdict_errors),
        ],
    )?;
    out.counter(
        "nfdpi_socket_reopens",
        "Queue sockets closed and bound again after a failure.",
        s.reopens,
    )?;
    out.counter(
        "nfdpi_requeued_marked_packets",
        "Packets that came back to the queue carrying nfdpi's decision (the ruleset does not \
         obey the mark); verdicted from the mark.",
        s.requeued_marked,
    )?;
    out.counter(
        "nfdpi_engine_panics",
        "Packets on which the engine panicked (a bug); they were accepted.",
        s.engine_panics,
    )?;
    out.counters(
        "nfdpi_reloads",
        "Signature reloads (SIGHUP) by outcome: ok, or refused (the old set stayed).",
        vec![
            (label("outcome", "ok"), s.reloads),
            (label("outcome", "refused"), s.reloads_failed),
        ],
    )?;
    out.gauge(
        "nfdpi_signature_protocols",
        "Protocols the loaded signature set can name.",
        d.protocols_loaded,
    )
}

fn encode_kernel(out: &mut Out<'_>, q: &[QueueScrape]) -> fmt::Result {
    let kernel = |f: fn(&KernelCounters) -> u64| -> Vec<(Labels, u64)> {
        q.iter()
            .filter_map(|q| Some((label("queue", q.queue), f(q.kernel.as_ref()?))))
            .collect()
    };
    out.gauges(
        "nfdpi_kernel_queue_waiting_packets",
        "Packets waiting in the kernel queue now (/proc/net/netfilter/nfnetlink_queue).",
        kernel(|k| k.waiting),
    )?;
    out.counters(
        "nfdpi_kernel_queue_dropped_packets",
        "Packets the kernel dropped because the queue was full (--fail-open false; with \
         fail-open they pass uncounted). Kernel counter of the current socket: it restarts \
         at 0 when the socket is reopened. Exact.",
        kernel(|k| k.queue_dropped),
    )?;
    out.counters(
        "nfdpi_kernel_user_dropped_packets",
        "Packets the kernel dropped because the socket buffer was full (--fail-open false). \
         Kernel counter of the current socket (restarts at 0 when it is reopened). Exact.",
        kernel(|k| k.user_dropped),
    )?;
    out.counters(
        "nfdpi_kernel_packet_ids",
        "Packet ids the kernel handed out on the queue's current socket (restarts at 0 when \
         it is reopened).",
        kernel(|k| k.id_sequence),
    )?;
    out.counters(
        "nfdpi_fail_open_passes",
        "Packets fail-open passed uninspected because the socket buffer was full, from \
         packet-id gaps over every socket of the queue: exact when nothing is in flight, \
         short (never over) while packets flow. Passes of a full queue get no packet id and \
         are not counted (avoided by the default --queue-maxlen; see docs/live.md).",
        per_queue(q, |q| q.fail_open_passes),
    )
}

fn encode_trace(out: &mut Out<'_>, t: &TraceSnapshot) -> fmt::Result {
    out.counter(
        "nfdpi_cut_flows_traced",
        "Cut flows handed to the trace thread (log line and capture).",
        t.cut_flows,
    )?;
    out.counter(
        "nfdpi_cut_flows_trace_dropped",
        "Cut flows neither logged nor captured because the trace thread's queue was full.",
        t.cut_flows_dropped,
    )?;
    out.counters(
        "nfdpi_cut_flow_logs",
        "Cut flows by what the log did with them: written, or suppressed (rate limit).",
        vec![
            (label("outcome", "written"), t.cut_logs),
            (label("outcome", "suppressed"), t.cut_logs_suppressed),
        ],
    )?;
    out.counter(
        "nfdpi_capture_flows",
        "Cut flows written to capture files (--capture-unknown).",
        t.capture_flows,
    )?;
    out.counters(
        "nfdpi_capture_skipped_flows",
        "Cut flows not captured, by reason: disk (too little free space), error (a write \
         failed).",
        vec![
            (label("reason", "disk"), t.capture_skipped_disk),
            (label("reason", "error"), t.capture_errors),
        ],
    )?;
    out.counter(
        "nfdpi_capture_packets",
        "Packets written to capture files.",
        t.capture_packets,
    )?;
    out.counter(
        "nfdpi_capture_written_bytes",
        "Bytes written to capture files, headers included.",
        t.capture_bytes,
    )?;
    out.counters(
        "nfdpi_capture_files",
        "Capture files by event: opened, or removed (oldest first, to stay within \
         --capture-max-files and --capture-max-bytes).",
        vec![
            (label("event", "opened"), t.capture_files),
            (label("event", "removed"), t.capture_files_removed),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_powers_of_two_from_256ns() {
        assert_eq!(Histogram::bucket(0), 0);
        assert_eq!(Histogram::bucket(256), 0);
        assert_eq!(Histogram::bucket(257), 1);
        assert_eq!(Histogram::bucket(512), 1);
        assert_eq!(Histogram::bucket(513), 2);
        assert_eq!(Histogram::bucket(256 << 12), 12);
        assert_eq!(Histogram::bucket((256 << 12) + 1), BUCKETS);
        assert_eq!(Histogram::bucket(u64::MAX), BUCKETS);
        let h = Histogram::default();
        for ns in [100, 300, 300, 5_000_000] {
            h.record(ns);
        }
        let s = h.snapshot();
        assert_eq!((s.count(), s.sum_ns), (4, 5_000_700));
        assert_eq!((s.buckets[0], s.buckets[1], s.buckets[BUCKETS]), (1, 2, 1));
    }

    #[test]
    fn the_tally_counts_each_protocol_and_spills_into_other() {
        let t = ProtocolTally::default();
        t.add(38, true);
        t.add(38, true);
        t.add(0, false);
        t.add(38 + TALLY_SLOTS as u16, false); // same home slot: probes on
        assert_eq!(
            t.snapshot(),
            vec![(0, 0, 1), (38, 2, 0), (38 + TALLY_SLOTS as u16, 0, 1)]
        );
        let full = ProtocolTally::default();
        for id in 0..TALLY_SLOTS as u16 + 2 {
            full.add(id, true);
        }
        let s = full.snapshot();
        assert_eq!(s.len(), TALLY_SLOTS + 1);
        assert_eq!(s.last(), Some(&(u16::MAX, 2, 0)));
    }

    /// Every counter of the engine, the daemon and the trace is exported, so that the log line
    /// and the metrics never drift apart: each counter gets a distinct value, and every value
    /// shows up in the exposition.
    #[test]
    fn every_counter_is_exported() {
        let mut n = 1_000_000u64;
        let mut names = Vec::new();
        let mut next = |name: &'static str| {
            n += 1;
            names.push((name, n));
            n
        };
        let scrape = Scrape {
            engine: Snapshot::from_fn(&mut next),
            daemon: Some(DaemonScrape {
                stats: DaemonSnapshot::from_fn(&mut next),
                queues: vec![QueueScrape {
                    queue: 3,
                    kernel: Some(KernelCounters::default()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            trace: Some(TraceSnapshot::from_fn(&mut next)),
            ..Default::default()
        };
        let text = render(&scrape);
        for (name, k) in names {
            assert!(
                text.contains(&format!(" {k}\n")),
                "{name} is not exported:\n{text}"
            );
        }
    }

    #[test]
    fn the_exposition_reads_like_prometheus_text() {
        let mut scrape = Scrape::default();
        scrape.engine.flows_cut = 7;
        scrape
            .decided
            .insert(("Skype_TeamsCall".into(), "accept"), 2);
        scrape.daemon = Some(DaemonScrape {
            queues: vec![QueueScrape {
                queue: 0,
                ..Default::default()
            }],
            ..Default::default()
        });
        let text = render(&scrape);
        assert!(
            text.contains("# TYPE nfdpi_flows_cut_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("nfdpi_flows_cut_total{reason=\"budget\"} 7\n"),
            "{text}"
        );
        assert!(text.contains(
            "nfdpi_flows_decided_total{protocol=\"Skype_TeamsCall\",verdict=\"accept\"} 2\n"
        ));
        assert!(
            text.contains("nfdpi_packet_processing_seconds_bucket{queue=\"0\",le=\"+Inf\"} 0\n"),
            "{text}"
        );
        assert!(
            !text.contains("nfdpi_capture"),
            "no trace, no trace families"
        );
    }
}
