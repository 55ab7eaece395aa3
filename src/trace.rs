//! The live cut-flow trace: one structured log line per cut flow (rate-limited, with a count of
//! the lines suppressed) and, with `--capture-unknown`, the flow's packets in rotating pcap
//! files ([`crate::capture`]).
//!
//! The engine hands each cut flow to a [`TraceSink`], which puts it on a bounded queue and
//! returns at once (a full queue drops the flow and counts it: the packet path never waits);
//! one thread of its own takes flows off the queue, writes the capture, then the log line. It
//! reads no clock: the rate limit runs on the flows' own decision times.

use std::fmt::Write as _;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use tracing::{info, warn};

use crate::capture::{CaptureConfig, CaptureWriter, Written};
use crate::engine::{CutFlow, CutSink, SignatureSet};
use crate::nfqueue::Companion;
use crate::stats::TraceStats;

/// Cut flows waiting for the trace thread, at most. With `--capture-unknown` each holds its
/// packets (up to the budget and one packet).
pub const QUEUE: usize = 1024;
/// Default `--cut-log-rate`: log lines per second (and burst).
pub const DEFAULT_LOG_RATE: u32 = 10;

/// The nearest rules of an unknown flow, for the log line's `nearest` field: given the set in
/// use and the cut flow (its first payload bytes each way, and its packets when they were
/// kept), a short description of each rule that came closest ([`nearest_from_first_bytes`]).
pub type NearestRules = fn(&SignatureSet, &CutFlow) -> Vec<String>;

/// The [`NearestRules`] the daemon uses: the three rules that came closest to naming the flow,
/// from the first payload bytes each way that every cut flow carries (at most 32 per
/// direction, so a rule that tests a datagram's length or later bytes shows that test failing;
/// `nfdpi explain` on the captured packets gives the full account).
pub fn nearest_from_first_bytes(set: &SignatureSet, f: &CutFlow) -> Vec<String> {
    use crate::packet::{Direction, Packet, TCP, UDP};
    use crate::signature::matcher::Ctx;
    let Some(t) = f.tapped.as_ref() else {
        return Vec::new();
    };
    let proto = if f.transport == "tcp" { TCP } else { UDP };
    let mut packets = Vec::with_capacity(2);
    for (i, (dir, (src, dst))) in [
        (Direction::ToServer, (f.client, f.server)),
        (Direction::ToClient, (f.server, f.client)),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(first) = t.first.get(i).filter(|b| b.seen) else {
            continue;
        };
        let payload = first.bytes();
        let header = if proto == TCP { 40 } else { 28 };
        let pkt = Packet {
            src: src.ip(),
            dst: dst.ip(),
            proto,
            sport: src.port(),
            dport: dst.port(),
            payload,
            ip_len: u32::try_from(payload.len() + header).unwrap_or(u32::MAX),
            frag: None,
        };
        let index = u32::try_from(packets.len()).unwrap_or(0);
        let ctx = Ctx {
            dir,
            index,
            index_in_dir: 0,
        };
        packets.push((pkt, ctx));
    }
    crate::signature::explain::nearest_rules(set, &packets, 3)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Where the trace thread finds the signature set in use.
pub type Signatures = Box<dyn Fn() -> Arc<SignatureSet> + Send>;

/// What the trace does.
#[derive(Clone, Debug)]
pub struct TraceConfig {
    /// Log lines per second, with a burst of as many (0: no log lines).
    pub log_rate: u32,
    /// Write cut flows' packets here.
    pub capture: Option<CaptureConfig>,
    pub nearest: Option<NearestRules>,
}

enum Msg {
    Cut(Box<CutFlow>),
    Stop,
}

/// The engine's side: hands cut flows to the trace thread without ever blocking.
pub struct TraceSink {
    tx: SyncSender<Msg>,
    stats: Arc<TraceStats>,
}

impl CutSink for TraceSink {
    fn cut(&self, flow: CutFlow) {
        match self.tx.try_send(Msg::Cut(Box::new(flow))) {
            Ok(()) => self.stats.cut_flows.fetch_add(1, Relaxed),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.stats.cut_flows_dropped.fetch_add(1, Relaxed)
            }
        };
    }
}

/// The trace thread's handle: started once the daemon has dropped its privileges (so the
/// files it creates belong to the final user), stopped after the receive threads.
pub struct Tracer {
    cfg: TraceConfig,
    tx: SyncSender<Msg>,
    rx: Option<Receiver<Msg>>,
    stats: Arc<TraceStats>,
    signatures: Option<Signatures>,
    thread: Option<JoinHandle<()>>,
}

impl Tracer {
    /// A tracer, its counters, and the sink the engine hands cut flows to.
    pub fn new(cfg: TraceConfig) -> (Tracer, Arc<TraceSink>) {
        let (tx, rx) = sync_channel(QUEUE);
        let stats = Arc::new(TraceStats::default());
        let sink = Arc::new(TraceSink {
            tx: tx.clone(),
            stats: Arc::clone(&stats),
        });
        let t = Tracer {
            cfg,
            tx,
            rx: Some(rx),
            stats,
            signatures: None,
            thread: None,
        };
        (t, sink)
    }

    pub fn stats(&self) -> Arc<TraceStats> {
        Arc::clone(&self.stats)
    }

    /// Where the nearest-rules function finds the signature set in use.
    pub fn set_signatures(&mut self, f: Signatures) {
        self.signatures = Some(f);
    }
}

impl Companion for Tracer {
    fn start(&mut self) -> Result<(), String> {
        let capture = match &self.cfg.capture {
            Some(c) => Some(
                CaptureWriter::open(c.clone())
                    .map_err(|e| format!("--capture-unknown {}: {e}", c.dir.display()))?,
            ),
            None => None,
        };
        let Some(rx) = self.rx.take() else {
            return Ok(());
        };
        let mut w = Worker {
            rate: Limiter::new(self.cfg.log_rate),
            capture,
            nearest: self.cfg.nearest.zip(self.signatures.take()),
            stats: Arc::clone(&self.stats),
            suppressed: 0,
        };
        let h = std::thread::Builder::new()
            .name("nfdpi-trace".into())
            .spawn(move || w.run(rx))
            .map_err(|e| format!("cannot start the trace thread: {e}"))?;
        self.thread = Some(h);
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(h) = self.thread.take() {
            let _ = self.tx.send(Msg::Stop);
            let _ = h.join();
        }
    }
}

/// A token bucket on the flows' decision times: `rate` lines per second, burst `rate`.
struct Limiter {
    rate: u32,
    /// Tokens, in billionths of a line.
    tokens: u64,
    last: u64,
}

const NS: u64 = 1_000_000_000;

impl Limiter {
    fn new(rate: u32) -> Limiter {
        Limiter {
            rate,
            tokens: u64::from(rate) * NS,
            last: 0,
        }
    }

    /// May a line for a flow cut at `at` (nanoseconds) be written?
    fn allow(&mut self, at: u64) -> bool {
        if self.rate == 0 {
            return false;
        }
        let cap = u64::from(self.rate) * NS;
        let gained = at
            .saturating_sub(self.last)
            .saturating_mul(u64::from(self.rate));
        self.tokens = self.tokens.saturating_add(gained).min(cap);
        self.last = self.last.max(at);
        if self.tokens >= NS {
            self.tokens -= NS;
            true
        } else {
            false
        }
    }
}

struct Worker {
    rate: Limiter,
    capture: Option<CaptureWriter>,
    nearest: Option<(NearestRules, Signatures)>,
    stats: Arc<TraceStats>,
    /// Lines suppressed since the last one written.
    suppressed: u64,
}

impl Worker {
    fn run(&mut self, rx: Receiver<Msg>) {
        while let Ok(Msg::Cut(flow)) = rx.recv() {
            let file = self.capture(&flow);
            if self.rate.allow(flow.at) {
                self.log(&flow, &file);
            } else if self.rate.rate > 0 {
                self.suppressed += 1;
                self.stats.cut_logs_suppressed.fetch_add(1, Relaxed);
            }
        }
        if self.suppressed > 0 {
            info!(
                suppressed = self.suppressed,
                "cut flows not logged since the last line (rate limit)"
            );
        }
    }

    /// Write the flow's packets; the file name, or "" when they were not written.
    fn capture(&mut self, flow: &CutFlow) -> String {
        let Some(w) = self.capture.as_mut() else {
            return String::new();
        };
        let s = &self.stats;
        match w.write(flow) {
            Ok(Written::To {
                file,
                packets,
                bytes,
                opened,
                removed,
            }) => {
                s.capture_flows.fetch_add(1, Relaxed);
                s.capture_packets.fetch_add(packets, Relaxed);
                s.capture_bytes.fetch_add(bytes, Relaxed);
                s.capture_files.fetch_add(u64::from(opened), Relaxed);
                s.capture_files_removed.fetch_add(removed, Relaxed);
                file
            }
            Ok(Written::NoSpace) => {
                s.capture_skipped_disk.fetch_add(1, Relaxed);
                String::new()
            }
            Ok(Written::TooLarge | Written::Nothing) => String::new(),
            Err(e) => {
                s.capture_errors.fetch_add(1, Relaxed);
                warn!(error = %e, "cannot write a cut flow to the capture directory");
                String::new()
            }
        }
    }

    fn log(&mut self, f: &CutFlow, capture: &str) {
        let first = |i: usize| {
            f.tapped
                .as_ref()
                .and_then(|t| t.first.get(i))
                .map_or_else(String::new, |b| hex(b.bytes()))
        };
        let nearest = match &self.nearest {
            Some((rules, sigs)) => rules(&sigs(), f).join("; "),
            None => String::new(),
        };
        let label = f.label.as_deref();
        info!(
            flow = %format_args!("{} {} -> {}", f.transport, f.client, f.server),
            reason = f.reason,
            protocol = label.map_or("Unknown", |l| l.protocol.as_str()),
            unconfirmed = f.unconfirmed.as_deref().map_or("", |l| l.protocol.as_str()),
            signature = label
                .or(f.unconfirmed.as_deref())
                .map_or("", |l| l.location.as_str()),
            packets_to_server = f.packets[0],
            packets_to_client = f.packets[1],
            bytes_to_server = f.bytes[0],
            bytes_to_client = f.bytes[1],
            decided_at_packet = f.decided_at_packet,
            first_payload_to_server = %first(0),
            first_payload_to_client = %first(1),
            nearest = %nearest,
            capture,
            suppressed = self.suppressed,
            "flow cut"
        );
        self.stats.cut_logs.fetch_add(1, Relaxed);
        self.suppressed = 0;
    }
}

/// Lower-case hex, two digits a byte.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_allows_a_burst_then_the_rate() {
        let mut l = Limiter::new(2);
        let t0 = 1_000 * NS;
        assert!(l.allow(t0));
        assert!(l.allow(t0));
        assert!(!l.allow(t0), "burst of 2 spent");
        assert!(!l.allow(t0 + NS / 4));
        assert!(l.allow(t0 + NS / 2), "one line per half second");
        assert!(!l.allow(t0 + NS / 2));
        // A long pause refills to the burst, not beyond.
        assert!(l.allow(t0 + 100 * NS) && l.allow(t0 + 100 * NS));
        assert!(!l.allow(t0 + 100 * NS));
        let mut off = Limiter::new(0);
        assert!(!off.allow(t0));
    }

    #[test]
    fn hex_is_two_digits_a_byte() {
        assert_eq!(hex(&[0, 0x0f, 0xa5]), "000fa5");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let (t, sink) = Tracer::new(TraceConfig {
            log_rate: 0,
            capture: None,
            nearest: None,
        });
        let flow = CutFlow {
            transport: "udp",
            client: "10.0.0.1:1".parse().unwrap(),
            server: "10.0.0.2:2".parse().unwrap(),
            reason: "budget",
            label: None,
            unconfirmed: None,
            packets: [1, 0],
            bytes: [100, 0],
            decided_at_packet: 1,
            first_seen: 0,
            at: 0,
            tapped: None,
        };
        for _ in 0..QUEUE + 5 {
            sink.cut(flow.clone());
        }
        let s = t.stats().snapshot();
        assert_eq!((s.cut_flows, s.cut_flows_dropped), (QUEUE as u64, 5));
    }
}
