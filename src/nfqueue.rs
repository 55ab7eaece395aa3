//! The live packet source and sink: one receive loop per NFQUEUE queue, the clock, exactly one
//! verdict for every packet id, fail-open and queue length, signals, privileges and counters.
//! It does not parse packets or decide anything: every packet goes to
//! [`Engine::process_ip`], and the engine's answer is turned into an NFQUEUE verdict and mark.
//!
//! This is the only file that reads the clock (`Instant::now`, `SystemTime::now`).
//!
//! Threads: the caller's thread handles signals (`sigtimedwait`) and logs counters; one thread
//! per queue receives and verdicts; one sweeper expires idle flows on a timer. Shutdown wakes
//! the receive threads out of their blocking `recv()` with SIGUSR2 (installed without
//! SA_RESTART), because the `nfq` crate gives no access to its socket.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::thread::JoinHandleExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nfq::{Message, Queue, Verdict as NfVerdict};
use tracing::{debug, error, info, warn};

use crate::engine::{Engine, MarkLayout, PacketVerdict, Policy, SignatureSet, Verdict};
use crate::stats::{
    DaemonScrape, DaemonSnapshot, DaemonStats, KernelCounters, QueueScrape, QueueStats, Scrape,
    TraceStats,
};

/// Where the kernel reports its per-queue counters.
pub const PROC_QUEUES: &str = "/proc/net/netfilter/nfnetlink_queue";
/// Time between sweeps of idle flows.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Shortest wait before reopening a broken queue socket; doubles per failure up to
/// [`REOPEN_MAX_DELAY`].
pub const REOPEN_MIN_DELAY: Duration = Duration::from_secs(1);
/// Longest wait between reopen attempts.
pub const REOPEN_MAX_DELAY: Duration = Duration::from_secs(30);
/// Consecutive receive (or verdict) errors after which a socket counts as broken.
const BROKEN_AFTER: u32 = 3;
/// At shutdown, packets already received are verdicted for at most this long.
const DRAIN_FOR: Duration = Duration::from_secs(1);
/// Linux `CAP_NET_ADMIN`.
const CAP_NET_ADMIN: u32 = 12;

/// How decided packets are handed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerdictMode {
    /// Decided packets: NF_REPEAT with the mark merged in, so the ruleset saves it to the
    /// connection; pending packets: NF_ACCEPT.
    Repeat,
    /// NF_ACCEPT or NF_DROP with the mark.
    Accept,
}

/// The daemon's configuration (the engine has its own).
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Queue numbers; one receive thread each.
    pub queues: Vec<u16>,
    pub verdict: VerdictMode,
    /// Let the kernel accept packets when a queue is full.
    pub fail_open: bool,
    /// Kernel queue length, packets.
    pub queue_maxlen: u32,
    /// Receive buffer of each queue socket, bytes (0 = the kernel default).
    pub socket_buffer: usize,
    /// Time between counter lines.
    pub stats_interval: Duration,
    /// Switch to this user after binding, keeping only CAP_NET_ADMIN.
    pub user: Option<String>,
    /// The mark layout (the same as the engine's policy).
    pub marks: MarkLayout,
}

/// Loads and validates a new signature set and policy together (SIGHUP). Errors are rendered
/// messages; on error nothing changes.
pub type Reload = Box<dyn Fn() -> Result<(Arc<SignatureSet>, Arc<Policy>), Vec<String>> + Send>;

/// A service that runs beside the receive loops (the cut-flow trace): started once the
/// privileges are dropped, so that its threads and files belong to the final user, and stopped
/// after the receive threads. A start error stops the daemon with exit code 2.
pub trait Companion: Send {
    fn start(&mut self) -> Result<(), String>;
    fn stop(&mut self);
}

/// What runs beside the receive loops besides the engine.
#[derive(Default)]
pub struct Extras {
    /// The metrics endpoint's socket, bound at start-up (`--metrics`).
    pub metrics: Option<std::net::TcpListener>,
    pub companions: Vec<Box<dyn Companion>>,
    /// The cut-flow trace's counters, for the metrics.
    pub trace_stats: Option<Arc<TraceStats>>,
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "binding NFQUEUE {queue} needs CAP_NET_ADMIN, which this process lacks ({source}); run it as \
         root, with `setcap cap_net_admin+ep`, or from the systemd unit (AmbientCapabilities=CAP_NET_ADMIN); as a non-root user it may also \
         mean that another process holds the queue"
    )]
    Permission { queue: u16, source: io::Error },
    #[error("NFQUEUE {queue} is already bound by another socket ({source}); stop that process or pick other queues")]
    Busy { queue: u16, source: io::Error },
    #[error("cannot open or bind NFQUEUE {queue}: {source}")]
    Bind { queue: u16, source: io::Error },
    #[error("cannot switch to user `{user}`: {reason}")]
    User { user: String, reason: String },
    #[error("cannot start: {0}")]
    Setup(String),
    #[error("{0}")]
    Config(String),
    #[error("the receive thread of queue {0} died; its queue was unbound (restart nfdpi)")]
    Died(u16),
}

impl RunError {
    /// True for errors of privileges or configuration (exit code 2), false for runtime ones.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            RunError::Permission { .. }
                | RunError::Busy { .. }
                | RunError::User { .. }
                | RunError::Config(_)
        )
    }
}

/// Wall-clock nanoseconds since the epoch, advanced by a monotonic clock so that time never
/// runs backwards within one run.
#[derive(Clone, Copy, Debug)]
struct Clock {
    base: u64,
    start: Instant,
}

impl Clock {
    fn new() -> Self {
        let base = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Clock {
            base,
            start: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        self.at(Instant::now())
    }

    /// The clock's reading for an instant taken earlier.
    fn at(&self, t: Instant) -> u64 {
        self.base
            .saturating_add(t.saturating_duration_since(self.start).as_nanos() as u64)
    }
}

/// One queue's line of `/proc/net/netfilter/nfnetlink_queue`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelQueue {
    pub queue: u16,
    /// Netlink port id of the listener.
    pub portid: u32,
    /// Packets waiting in the queue now.
    pub queue_total: u64,
    /// Packets dropped because the queue was full (accepted instead with fail-open).
    pub queue_dropped: u64,
    /// Packets dropped because the netlink socket buffer was full.
    pub user_dropped: u64,
    /// Packet ids handed out so far (packets queued since the queue was bound).
    pub id_sequence: u64,
}

/// Parse `/proc/net/netfilter/nfnetlink_queue`; malformed lines are skipped.
pub fn parse_proc_queues(text: &str) -> Vec<KernelQueue> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
            Some(KernelQueue {
                queue: f.first()?.parse().ok()?,
                portid: f.get(1)?.parse().ok()?,
                queue_total: n(2)?,
                queue_dropped: n(5)?,
                user_dropped: n(6)?,
                id_sequence: n(7)?,
            })
        })
        .collect()
}

/// The kernel's queue file, opened once and kept: it is readable by root only (0440), and the
/// daemon may run as another user after start-up.
static PROC_FILE: Mutex<Option<File>> = Mutex::new(None);

/// The kernel's counters for `queues` (empty when the file cannot be read).
fn kernel_queues(queues: &[u16]) -> Vec<KernelQueue> {
    let mut guard = PROC_FILE.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        *guard = File::open(PROC_QUEUES).ok();
    }
    let Some(f) = guard.as_mut() else {
        return Vec::new();
    };
    let mut text = String::new();
    if f.seek(SeekFrom::Start(0)).is_err() || f.read_to_string(&mut text).is_err() {
        return Vec::new();
    }
    parse_proc_queues(&text)
        .into_iter()
        .filter(|k| queues.contains(&k.queue))
        .collect()
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

fn bind_error(queue: u16, source: io::Error) -> RunError {
    match errno(&source) {
        // The kernel also answers EPERM when another socket holds the queue.
        libc::EPERM if !kernel_queues(&[queue]).is_empty() => RunError::Busy { queue, source },
        libc::EPERM | libc::EACCES => RunError::Permission { queue, source },
        libc::EBUSY => RunError::Busy { queue, source },
        _ => RunError::Bind { queue, source },
    }
}

/// Serialises socket creation so that the descriptor a new queue socket got can be told apart.
static OPEN_LOCK: Mutex<()> = Mutex::new(());

/// Attempts at telling which descriptor a new queue socket got (see [`open_queue_socket`]).
const FIND_SOCKET_ATTEMPTS: u32 = 3;

/// A bound queue and the receive buffer its socket got, in bytes (`None` when unknown).
struct Opened {
    queue: Queue,
    rcvbuf: Option<usize>,
}

fn open_queue(q: u16, cfg: &RunConfig) -> Result<Opened, RunError> {
    let (mut queue, fd) = open_queue_socket().map_err(|e| bind_error(q, e))?;
    queue.bind(q).map_err(|e| bind_error(q, e))?;
    queue
        .set_fail_open(q, cfg.fail_open)
        .map_err(|e| bind_error(q, e))?;
    queue
        .set_queue_max_len(q, cfg.queue_maxlen)
        .map_err(|e| bind_error(q, e))?;
    let Some(fd) = fd else {
        warn!(
            queue = q,
            "cannot tell which descriptor the queue socket got; its receive buffer keeps the kernel's default"
        );
        return Ok(Opened {
            queue,
            rcvbuf: None,
        });
    };
    let rcvbuf = if cfg.socket_buffer > 0 {
        match set_receive_buffer(fd, cfg.socket_buffer) {
            Ok(n) => Some(n),
            Err(e) => {
                warn!(queue = q, error = %e, "cannot size the socket receive buffer; keeping the default");
                receive_buffer(fd)
            }
        }
    } else {
        receive_buffer(fd)
    };
    debug!(queue = q, bytes = ?rcvbuf, "socket receive buffer");
    Ok(Opened { queue, rcvbuf })
}

/// `Queue::open`, and the descriptor its socket got. The `nfq` crate does not expose it; but
/// `socket()` returns the lowest free descriptor, so the lowest free one just before (found with
/// a probe socket) is it — unless another thread took or freed a descriptor in between, which
/// the check below notices (it is then tried again). Constant time per queue: start-up stays
/// linear in the number of queues.
fn open_queue_socket() -> io::Result<(Queue, Option<libc::c_int>)> {
    let _g = OPEN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..FIND_SOCKET_ATTEMPTS {
        let expect = lowest_free_fd();
        let queue = Queue::open()?;
        // Only this function creates NETLINK_NETFILTER sockets, under the lock, so a new one
        // at the expected number is the queue's.
        if let Some(fd) = expect.filter(|&fd| is_netfilter_socket(fd)) {
            return Ok((queue, Some(fd)));
        }
        drop(queue);
    }
    Ok((Queue::open()?, None))
}

/// The descriptor the next `socket()` will get, found by opening and closing a probe socket.
fn lowest_free_fd() -> Option<libc::c_int> {
    // SAFETY: a plain socket() and close() of the descriptor it returned.
    unsafe {
        let fd = libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_NETFILTER);
        if fd < 0 {
            return None;
        }
        libc::close(fd);
        Some(fd)
    }
}

fn is_netfilter_socket(fd: libc::c_int) -> bool {
    sockopt_int(fd, libc::SOL_SOCKET, libc::SO_DOMAIN) == Some(libc::AF_NETLINK)
        && sockopt_int(fd, libc::SOL_SOCKET, libc::SO_PROTOCOL) == Some(libc::NETLINK_NETFILTER)
}

/// A socket's receive buffer as the kernel sized it (`SO_RCVBUF`), bytes.
fn receive_buffer(fd: libc::c_int) -> Option<usize> {
    sockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF).and_then(|v| usize::try_from(v).ok())
}

fn sockopt_int(fd: libc::c_int, level: libc::c_int, name: libc::c_int) -> Option<libc::c_int> {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt with a correctly sized c_int output on a descriptor number of this
    // process; a descriptor that is not a socket just fails.
    let r = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            &mut v as *mut libc::c_int as *mut libc::c_void,
            &mut len,
        )
    };
    (r == 0).then_some(v)
}

/// Force a socket's receive buffer (SO_RCVBUFFORCE needs CAP_NET_ADMIN, which binding needed
/// too; plain SO_RCVBUF as a fallback is capped by net.core.rmem_max). Returns the size set.
fn set_receive_buffer(fd: libc::c_int, bytes: usize) -> io::Result<usize> {
    let val = libc::c_int::try_from(bytes / 2).unwrap_or(libc::c_int::MAX); // the kernel doubles it
    let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    let p = &val as *const libc::c_int as *const libc::c_void;
    // SAFETY: setsockopt with a c_int option value on a socket this process owns.
    let ok = unsafe {
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, p, size) == 0
            || libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, p, size) == 0
    };
    if !ok {
        return Err(io::Error::last_os_error());
    }
    Ok(sockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF)
        .map_or(0, |v| usize::try_from(v).unwrap_or(0)))
}

/// The NFQUEUE verdict and new mark (if it changes) for a packet that arrived with `mark`,
/// given the engine's answer (`None`: the packet already carried a decision and the engine was
/// not asked). Pure, so the rules that keep NF_REPEAT from looping are unit-tested.
fn choose(
    mode: VerdictMode,
    marks: &MarkLayout,
    mark: u32,
    engine: Option<PacketVerdict>,
) -> (NfVerdict, Option<u32>) {
    let decided_bits = marks.accept | marks.drop;
    let Some(v) = engine else {
        let verdict = if mark & marks.drop != 0 {
            NfVerdict::Drop
        } else {
            NfVerdict::Accept
        };
        return (verdict, None);
    };
    let new_mark = (v.mark != 0).then(|| marks.apply(mark, v.mark));
    let plain = match v.verdict {
        Verdict::Accept => NfVerdict::Accept,
        Verdict::Drop => NfVerdict::Drop,
    };
    // Repeat only a packet that will carry a decision bit back: the ruleset acts on it, and if
    // it did not, the daemon recognises the packet. Without one it could loop unseen.
    let carries_decision = new_mark.is_some_and(|m| m & decided_bits != 0);
    let verdict = match mode {
        VerdictMode::Repeat if v.decided && carries_decision => NfVerdict::Repeat,
        _ => plain,
    };
    (verdict, new_mark)
}

/// Everything a receive thread shares with the others.
struct Shared {
    cfg: RunConfig,
    engine: Arc<Engine>,
    stats: DaemonStats,
    stop: AtomicBool,
    clock: Clock,
    warned_requeue: AtomicBool,
    /// Each queue's counters (in `cfg.queues` order).
    queues: Vec<QueueStats>,
    /// Verdicts each queue had sent when its current socket was bound: with the kernel's
    /// `id_sequence` the verdicts since tell how many packets fail-open let through uninspected.
    bind_base: Vec<AtomicU64>,
    /// Time each packet's processing (the metrics' histogram); off without `--metrics`.
    timed: bool,
    trace_stats: Option<Arc<TraceStats>>,
    /// Fail-open passes counted on each queue's earlier sockets (added when a socket closes).
    bypassed_closed: Vec<AtomicU64>,
    /// Fail-open passes on each queue's current socket, as last read from the kernel.
    bypassed_now: Vec<AtomicU64>,
}

/// Packet ids the kernel handed out on a queue's current socket that are neither waiting
/// (`queue_total`), nor verdicted by nfdpi on that socket (`verdicted`), nor counted as dropped
/// (`user_dropped`, without fail-open): fail-open passed them uninspected because the socket
/// buffer was full. Exact when nothing is in flight; while packets flow, `verdicted` is read
/// after the kernel's figures, so the count can only be short, never over.
pub fn bypassed_on_socket(k: &KernelQueue, verdicted: u64) -> u64 {
    k.id_sequence.saturating_sub(
        k.queue_total
            .saturating_add(verdicted)
            .saturating_add(k.user_dropped),
    )
}

impl Shared {
    fn new(cfg: RunConfig, engine: Arc<Engine>, extras: &Extras) -> Shared {
        let per = || cfg.queues.iter().map(|_| AtomicU64::new(0)).collect();
        Shared {
            queues: cfg.queues.iter().map(|_| QueueStats::default()).collect(),
            bind_base: per(),
            bypassed_closed: per(),
            bypassed_now: per(),
            timed: extras.metrics.is_some(),
            trace_stats: extras.trace_stats.clone(),
            cfg,
            engine,
            stats: DaemonStats::default(),
            stop: AtomicBool::new(false),
            clock: Clock::new(),
            warned_requeue: AtomicBool::new(false),
        }
    }

    /// Verdicts sent by queue `idx` on its current socket.
    fn since_bind(&self, idx: usize) -> u64 {
        let sent = self.queues.get(idx).map_or(0, QueueStats::verdicted);
        sent.saturating_sub(self.bind_base.get(idx).map_or(0, |b| b.load(Relaxed)))
    }

    /// Verdicts sent on every queue.
    fn verdicted(&self) -> u64 {
        self.queues.iter().map(QueueStats::verdicted).sum()
    }

    /// Refresh each queue's fail-open count from the kernel's figures (`kernel`, possibly
    /// empty) and return the total over every queue and socket so far.
    fn fail_open_bypassed(&self, kernel: &[KernelQueue]) -> u64 {
        for k in kernel {
            if let Some(idx) = self.cfg.queues.iter().position(|&q| q == k.queue) {
                self.sample_bypass(idx, k);
            }
        }
        let sum = |v: &[AtomicU64]| v.iter().map(|c| c.load(Relaxed)).sum::<u64>();
        sum(&self.bypassed_closed) + sum(&self.bypassed_now)
    }

    /// Every reading is a lower bound of a count that only grows, so the largest one is kept:
    /// the exported counter never goes backwards.
    fn sample_bypass(&self, idx: usize, k: &KernelQueue) {
        if let Some(now) = self.bypassed_now.get(idx) {
            now.fetch_max(bypassed_on_socket(k, self.since_bind(idx)), Relaxed);
        }
    }

    /// Queue `idx`'s socket is about to close (reopen or shutdown), and the kernel will forget
    /// its figures: keep its fail-open count.
    fn socket_closing(&self, idx: usize, qnum: u16) {
        if let Some(k) = kernel_queues(&[qnum]).first() {
            self.sample_bypass(idx, k);
        }
        if let (Some(now), Some(closed), Some(base)) = (
            self.bypassed_now.get(idx),
            self.bypassed_closed.get(idx),
            self.bind_base.get(idx),
        ) {
            closed.fetch_add(now.swap(0, Relaxed), Relaxed);
            base.store(
                self.queues.get(idx).map_or(0, QueueStats::verdicted),
                Relaxed,
            );
        }
    }

    /// Verdict one packet. Fails when the verdict could not be sent.
    fn handle(&self, queue: &mut Queue, idx: usize, mut msg: Message) -> Result<(), io::Error> {
        let arrived = Instant::now();
        let Some(qs) = self.queues.get(idx) else {
            return Err(io::ErrorKind::Other.into());
        };
        qs.received.fetch_add(1, Relaxed);
        let marks = self.cfg.marks;
        let mark = msg.get_nfmark();
        let engine_verdict = if mark & (marks.accept | marks.drop) != 0 {
            None
        } else {
            Some(self.inspect(&msg, arrived))
        };
        let (verdict, new_mark) = choose(self.cfg.verdict, &marks, mark, engine_verdict);
        if engine_verdict.is_none() {
            self.requeued(&msg, mark);
        }
        if let Some(m) = new_mark {
            msg.set_nfmark(m);
        }
        msg.set_verdict(verdict);
        if let Err(e) = queue.verdict(msg) {
            self.stats.verdict_errors.fetch_add(1, Relaxed);
            return Err(e);
        }
        let sent = match verdict {
            NfVerdict::Accept => &qs.accept,
            NfVerdict::Repeat => &qs.repeat,
            _ => &qs.drop,
        };
        sent.fetch_add(1, Relaxed);
        if self.timed {
            qs.processing.record(arrived.elapsed().as_nanos() as u64);
        }
        Ok(())
    }

    /// The engine's verdict for a packet that arrived at `arrived`; a panic (never expected)
    /// is counted and the packet accepted.
    fn inspect(&self, msg: &Message, arrived: Instant) -> PacketVerdict {
        let now = self.clock.at(arrived);
        catch_unwind(AssertUnwindSafe(|| {
            self.engine.process_ip(msg.get_payload(), now)
        }))
        .unwrap_or_else(|_| {
            self.stats.engine_panics.fetch_add(1, Relaxed);
            PacketVerdict {
                verdict: Verdict::Accept,
                mark: 0,
                decided: false,
            }
        })
    }

    /// A packet came back carrying a decision: it was verdicted before (NF_REPEAT) and the
    /// ruleset queued it again instead of obeying the mark; it is verdicted from its mark,
    /// since repeating would loop.
    fn requeued(&self, msg: &Message, mark: u32) {
        self.stats.requeued_marked.fetch_add(1, Relaxed);
        if !self.warned_requeue.swap(true, Relaxed) {
            warn!(
                queue = msg.get_queue_num(),
                mark = format_args!("{mark:#x}"),
                "a packet came back to the queue carrying nfdpi's decision: the ruleset does not act on \
                 the mark (use the rules of `nfdpi iptables`); verdicting such packets from their mark"
            );
        }
    }

    /// Everything the metrics endpoint exports, copied now.
    fn scrape(&self) -> Scrape {
        let k = kernel_queues(&self.cfg.queues);
        self.fail_open_bypassed(&k);
        let queues = self
            .cfg
            .queues
            .iter()
            .enumerate()
            .map(|(i, &q)| QueueScrape {
                queue: q,
                counters: self
                    .queues
                    .get(i)
                    .map(QueueStats::snapshot)
                    .unwrap_or_default(),
                kernel: k.iter().find(|r| r.queue == q).map(|r| KernelCounters {
                    waiting: r.queue_total,
                    queue_dropped: r.queue_dropped,
                    user_dropped: r.user_dropped,
                    id_sequence: r.id_sequence,
                }),
                fail_open_passes: [&self.bypassed_closed, &self.bypassed_now]
                    .iter()
                    .filter_map(|v| v.get(i))
                    .map(|c| c.load(Relaxed))
                    .sum(),
            })
            .collect();
        Scrape {
            engine: self.engine.stats().snapshot(),
            decided: self.engine.decided_by_protocol(),
            flows_tracked: self.engine.flows() as u64,
            flows_max: self.engine.max_flows() as u64,
            daemon: Some(DaemonScrape {
                stats: self.stats.snapshot(),
                queues,
                protocols_loaded: self.engine.signatures().protocol_count() as u64,
            }),
            trace: self.trace_stats.as_ref().map(|t| t.snapshot()),
        }
    }

    /// Sleep up to `d`, waking early when asked to stop. Returns false when stopping.
    fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        while !self.stop.load(SeqCst) {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            thread::sleep(left.min(Duration::from_millis(50)));
        }
        false
    }
}

/// A receive loop's view of its socket's health.
struct Health {
    /// Consecutive receive or verdict errors.
    errors: u32,
    /// Wait before the next reopen attempt.
    delay: Duration,
    last_reopen: Option<Instant>,
    warned_enobufs: Option<Instant>,
}

/// The receive loop of one queue: receive, verdict, survive errors, reopen a broken socket
/// (rate-limited), and at shutdown verdict what is in hand and unbind.
fn receive_loop(sh: Arc<Shared>, idx: usize, qnum: u16, mut queue: Queue) {
    let mut health = Health {
        errors: 0,
        delay: REOPEN_MIN_DELAY,
        last_reopen: None,
        warned_enobufs: None,
    };
    while !sh.stop.load(SeqCst) {
        if !receive_one(&sh, idx, qnum, &mut queue, &mut health) {
            continue;
        }
        // Closing the socket unbinds the queue (the kernel drops what it still held for it);
        // only then can a new socket bind it.
        sh.socket_closing(idx, qnum);
        drop(queue);
        match reopen(&sh, qnum, &mut health) {
            Some(q) => queue = q,
            None => return,
        }
    }
    drain_and_unbind(&sh, idx, qnum, queue);
}

/// Receive and verdict one packet. Returns true when the socket counts as broken.
fn receive_one(sh: &Shared, idx: usize, qnum: u16, queue: &mut Queue, health: &mut Health) -> bool {
    match catch_unwind(AssertUnwindSafe(|| queue.recv())) {
        Ok(Ok(msg)) => match sh.handle(queue, idx, msg) {
            Ok(()) => {
                health.errors = 0;
                false
            }
            Err(e) => {
                health.errors += 1;
                warn!(queue = qnum, error = %e, "verdict not accepted by the kernel");
                health.errors >= BROKEN_AFTER
            }
        },
        Ok(Err(e)) => match errno(&e) {
            libc::EINTR | libc::EAGAIN => false,
            libc::ENOBUFS => {
                sh.stats.enobufs.fetch_add(1, Relaxed);
                if health
                    .warned_enobufs
                    .is_none_or(|t| t.elapsed() > Duration::from_secs(10))
                {
                    health.warned_enobufs = Some(Instant::now());
                    warn!(
                        queue = qnum,
                        "ENOBUFS: the socket buffer overflowed; the kernel dropped messages"
                    );
                }
                false
            }
            _ => {
                sh.stats.recv_errors.fetch_add(1, Relaxed);
                health.errors += 1;
                warn!(queue = qnum, error = %e, "receive error");
                health.errors >= BROKEN_AFTER
            }
        },
        Err(_) => {
            sh.stats.recv_errors.fetch_add(1, Relaxed);
            error!(
                queue = qnum,
                "the netlink receive path panicked; reopening the queue"
            );
            true
        }
    }
}

/// Open and bind a queue again after its socket broke, waiting `health.delay` before each
/// attempt (doubling up to [`REOPEN_MAX_DELAY`]). `None` when the daemon is stopping.
fn reopen(sh: &Shared, qnum: u16, health: &mut Health) -> Option<Queue> {
    if health
        .last_reopen
        .is_some_and(|t| t.elapsed() > REOPEN_MAX_DELAY * 2)
    {
        health.delay = REOPEN_MIN_DELAY;
    }
    loop {
        warn!(
            queue = qnum,
            wait_ms = health.delay.as_millis() as u64,
            "queue socket broken; reopening"
        );
        if !sh.sleep(health.delay) {
            return None;
        }
        health.last_reopen = Some(Instant::now());
        health.delay = (health.delay * 2).min(REOPEN_MAX_DELAY);
        match open_queue(qnum, &sh.cfg) {
            Ok(opened) => {
                sh.stats.reopens.fetch_add(1, Relaxed);
                info!(queue = qnum, "queue reopened");
                health.errors = 0;
                return Some(opened.queue);
            }
            Err(e) => error!(queue = qnum, error = %e, "reopen failed"),
        }
    }
}

/// Shutdown: verdict what the crate already holds and what is waiting, keep the socket's
/// fail-open count, then unbind.
fn drain_and_unbind(sh: &Shared, idx: usize, qnum: u16, mut queue: Queue) {
    queue.set_nonblocking(true);
    let end = Instant::now() + DRAIN_FOR;
    while Instant::now() < end {
        match catch_unwind(AssertUnwindSafe(|| queue.recv())) {
            Ok(Ok(msg)) => {
                let _ = sh.handle(&mut queue, idx, msg);
            }
            Ok(Err(e)) if errno(&e) == libc::EINTR => {}
            _ => break,
        }
    }
    sh.socket_closing(idx, qnum);
    if let Err(e) = queue.unbind(qnum) {
        debug!(queue = qnum, error = %e, "unbind");
    }
}

extern "C" fn wake(_: libc::c_int) {}

/// Block the control signals in this thread (and so in every thread spawned after) and install
/// the SIGUSR2 handler that interrupts a blocking `recv()`.
fn setup_signals() -> Result<libc::sigset_t, RunError> {
    // SAFETY: plain libc signal-mask and sigaction calls on zero-initialised structures.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM, libc::SIGUSR1] {
            libc::sigaddset(&mut set, s);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(RunError::Setup("cannot block signals".into()));
        }
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = wake as *const () as usize;
        sa.sa_flags = 0; // no SA_RESTART: recv() must return EINTR
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut()) != 0 {
            return Err(RunError::Setup(format!(
                "sigaction: {}",
                io::Error::last_os_error()
            )));
        }
        Ok(set)
    }
}

/// Wait for one of `set` for at most `d`; None on timeout.
fn wait_signal(set: &libc::sigset_t, d: Duration) -> Option<i32> {
    let ts = libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    };
    // SAFETY: `set` is an initialised sigset; a null siginfo pointer is allowed.
    let r = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &ts) };
    (r > 0).then_some(r)
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// The uid and primary gid of `user`.
pub fn lookup_user(user: &str) -> Result<(u32, u32), RunError> {
    let fail = |reason: String| RunError::User {
        user: user.to_string(),
        reason,
    };
    let cname = CString::new(user).map_err(|_| fail("the name contains a NUL byte".into()))?;
    // SAFETY: getpwnam_r writes into `pwd` and `buf`, both live for the call; the ids are
    // copied out before they go away.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16384];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let r = libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        if r != 0 || result.is_null() {
            return Err(fail("no such user".into()));
        }
        Ok((pwd.pw_uid, pwd.pw_gid))
    }
}

/// Become `user` (its uid, primary gid, no supplementary groups), keeping CAP_NET_ADMIN only.
/// Must run before any other thread exists: capabilities are per thread.
pub fn drop_privileges(user: &str) -> Result<(), RunError> {
    let fail = |reason: String| RunError::User {
        user: user.to_string(),
        reason,
    };
    let (uid, gid) = lookup_user(user)?;
    // SAFETY: the calls below take plain integers or local structs.
    unsafe {
        // Shrink the bounding set first (needs CAP_SETPCAP, which we still have); caps this
        // kernel does not know answer EINVAL, which is fine.
        for cap in 0..64 {
            if cap != CAP_NET_ADMIN {
                libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0);
            }
        }
        if libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 {
            return Err(fail(format!(
                "prctl(PR_SET_KEEPCAPS): {}",
                io::Error::last_os_error()
            )));
        }
        if libc::setgroups(1, &gid) != 0 {
            return Err(fail(format!("setgroups: {}", io::Error::last_os_error())));
        }
        if libc::setgid(gid) != 0 {
            return Err(fail(format!(
                "setgid({gid}): {}",
                io::Error::last_os_error()
            )));
        }
        if libc::setuid(uid) != 0 {
            return Err(fail(format!(
                "setuid({uid}): {}",
                io::Error::last_os_error()
            )));
        }
        let hdr = CapHeader {
            version: 0x2008_0522,
            pid: 0,
        }; // _LINUX_CAPABILITY_VERSION_3
        let bit = 1u32 << CAP_NET_ADMIN;
        let data = [
            CapData {
                effective: bit,
                permitted: bit,
                inheritable: 0,
            },
            CapData::default(),
        ];
        if libc::syscall(libc::SYS_capset, &hdr as *const CapHeader, data.as_ptr()) != 0 {
            return Err(fail(format!(
                "capset(CAP_NET_ADMIN): {}",
                io::Error::last_os_error()
            )));
        }
        libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0);
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if libc::getuid() != uid || libc::geteuid() != uid {
            return Err(fail("the uid did not change".into()));
        }
        info!(user, uid, gid, "switched user; kept CAP_NET_ADMIN only");
    }
    Ok(())
}

/// Keep CAP_NET_ADMIN only (effective and permitted; inheritable and so ambient cleared) when
/// not running as root: e.g. systemd's AmbientCapabilities may also have granted
/// CAP_DAC_READ_SEARCH to open the kernel's root-only queue file at start-up.
fn keep_only_net_admin() {
    // SAFETY: plain id query and capget/capset on this thread with correctly sized structures.
    unsafe {
        if libc::geteuid() == 0 {
            return;
        }
        let mut hdr = CapHeader {
            version: 0x2008_0522,
            pid: 0,
        };
        let mut cur = [CapData::default(); 2];
        if libc::syscall(
            libc::SYS_capget,
            &mut hdr as *mut CapHeader,
            cur.as_mut_ptr(),
        ) != 0
        {
            return;
        }
        let bit = 1u32 << CAP_NET_ADMIN;
        let eff = cur[0].permitted & bit;
        let data = [
            CapData {
                effective: eff,
                permitted: eff,
                inheritable: 0,
            },
            CapData::default(),
        ];
        if cur[0] != data[0] || cur[1] != data[1] {
            let hdr = CapHeader {
                version: 0x2008_0522,
                pid: 0,
            };
            if libc::syscall(libc::SYS_capset, &hdr as *const CapHeader, data.as_ptr()) == 0 {
                info!("dropped every capability but CAP_NET_ADMIN");
            }
        }
    }
}

/// SIGHUP: load and validate a new set and policy; swap both in whole, or refuse them and keep
/// the old ones. A panic while loading (a bug) is a refused reload with its message: the daemon
/// never dies of a reload.
fn reload_signatures(engine: &Engine, stats: &DaemonStats, reload: &Reload) {
    let result = catch_unwind(AssertUnwindSafe(reload)).unwrap_or_else(|panic| {
        Err(vec![format!(
            "internal error: loading the signatures panicked ({}); please report it",
            panic_message(panic.as_ref())
        )])
    });
    match result {
        Ok((set, policy)) => {
            let n = set.protocol_count();
            engine.swap_policy(policy);
            engine.swap_signatures(set);
            stats.reloads.fetch_add(1, Relaxed);
            info!(
                protocols = n,
                "configuration and signatures reloaded; flows keep their state"
            );
        }
        Err(errors) => {
            stats.reloads_failed.fetch_add(1, Relaxed);
            for e in &errors {
                error!("{e}");
            }
            error!(
                errors = errors.len(),
                "reload refused; the running configuration and signatures stay in use"
            );
        }
    }
}

/// The message a panic carried, when it is text.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// Counters at one moment, for rates.
struct Tick {
    at: Instant,
    packets: u64,
    verdicted: u64,
}

/// Flows in the table by decision, and by protocol (`name:count,...`).
fn flow_tally(engine: &Engine) -> (u64, u64, u64, String) {
    let (mut acc, mut drp, mut pend) = (0u64, 0u64, 0u64);
    let mut by_proto: BTreeMap<String, u64> = BTreeMap::new();
    engine.for_each_flow(|r| {
        match r.verdict {
            "accept" => acc += 1,
            "drop" => drp += 1,
            _ => pend += 1,
        }
        *by_proto.entry(r.protocol).or_default() += 1;
    });
    let by_protocol = by_proto
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(",");
    (acc, drp, pend, by_protocol)
}

fn log_counters(sh: &Shared, last: &mut Tick, why: &str) {
    let e = sh.engine.stats().snapshot();
    let d = sh.stats.snapshot();
    let secs = last.at.elapsed().as_secs_f64().max(1e-3);
    let pps = (e.packets.saturating_sub(last.packets)) as f64 / secs;
    let verdicted = sh.verdicted();
    let repeats: u64 = sh.queues.iter().map(|q| q.repeat.load(Relaxed)).sum();
    let vps = (verdicted.saturating_sub(last.verdicted)) as f64 / secs;
    *last = Tick {
        at: Instant::now(),
        packets: e.packets,
        verdicted,
    };
    let (acc, drp, pend, by_protocol) = flow_tally(&sh.engine);
    let k = kernel_queues(&sh.cfg.queues);
    let kq = |f: fn(&KernelQueue) -> u64| k.iter().map(f).sum::<u64>();
    info!(
        why,
        packets = e.packets,
        pps = format_args!("{pps:.0}"),
        verdicted,
        verdicts_per_s = format_args!("{vps:.0}"),
        verdict_accept = e.verdict_accept,
        verdict_drop = e.verdict_drop,
        repeats,
        flows = sh.engine.flows(),
        flows_accepted = acc,
        flows_dropped = drp,
        flows_pending = pend,
        by_protocol = %by_protocol,
        flows_created = e.flows_created,
        flows_identified = e.flows_identified,
        flows_named = e.flows_named,
        flows_confirmed = e.flows_confirmed,
        flows_cut = e.flows_cut,
        flows_denied = e.flows_denied,
        flows_refused = e.flows_refused,
        malformed = e.malformed,
        kernel_queued_now = kq(|q| q.queue_total),
        kernel_queue_dropped = kq(|q| q.queue_dropped),
        kernel_user_dropped = kq(|q| q.user_dropped),
        kernel_id_sequence = kq(|q| q.id_sequence),
        fail_open_bypassed = sh.fail_open_bypassed(&k),
        recv_errors = d.recv_errors,
        enobufs = d.enobufs,
        verdict_errors = d.verdict_errors,
        requeued_marked = d.requeued_marked,
        engine_panics = d.engine_panics,
        reopens = d.reopens,
        reloads = d.reloads,
        reloads_failed = d.reloads_failed,
        "counters"
    );
}

/// The least kernel memory (skb truesize) one queued packet's message takes in a queue
/// socket's receive buffer, bytes. Measured on Linux 6.18: 832 for an IPv4 UDP packet without
/// payload (1,260 such messages filled a 1 MiB buffer); 512 leaves room for leaner kernels.
pub const MIN_MESSAGE_BYTES: usize = 512;
/// Packets that have left the socket buffer but are not verdicted yet: the `nfq` crate reads
/// one message per `recv()`, and one is in hand.
const IN_HAND: usize = 16;

/// The most packets a queue can hold before its socket buffer of `rcvbuf` bytes is full. With
/// `--queue-maxlen` at least this, the socket buffer always fills first, and every packet
/// fail-open passes gets a packet id (counted in `fail_open_bypassed`).
pub fn socket_holds(rcvbuf: usize) -> usize {
    rcvbuf / MIN_MESSAGE_BYTES + IN_HAND
}

/// Warn when the queue can fill before the socket buffer does: packets that fail-open then
/// passes get no packet id, and neither the kernel nor nfdpi counts them.
fn check_queue_maxlen(cfg: &RunConfig, q: u16, rcvbuf: Option<usize>) {
    let bytes = rcvbuf.unwrap_or(cfg.socket_buffer);
    let needed = socket_holds(bytes);
    if cfg.fail_open && usize::try_from(cfg.queue_maxlen).unwrap_or(usize::MAX) < needed {
        warn!(
            queue = q,
            queue_maxlen = cfg.queue_maxlen,
            socket_buffer = bytes,
            needed,
            "the queue can fill before the socket buffer does: packets fail-open then passes are \
             counted nowhere (no packet id); raise --queue-maxlen to at least `needed` or lower --socket-buffer"
        );
    }
}

/// True when SIGTERM or SIGINT waits (blocked, not yet taken); other signals stay pending.
fn stop_requested() -> bool {
    // SAFETY: sigpending and sigismember on a zero-initialised sigset_t.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigpending(&mut set) == 0
            && (libc::sigismember(&set, libc::SIGTERM) == 1
                || libc::sigismember(&set, libc::SIGINT) == 1)
    }
}

/// Open and bind every queue (one descriptor and a few netlink round trips each, so linear in
/// the number of queues). `None` when SIGTERM or SIGINT arrived meanwhile: what was bound is
/// closed again.
fn open_all(cfg: &RunConfig) -> Result<Option<Vec<(u16, Queue)>>, RunError> {
    let mut queues = Vec::with_capacity(cfg.queues.len());
    for &q in &cfg.queues {
        if stop_requested() {
            return Ok(None);
        }
        let opened = open_queue(q, cfg)?;
        if queues.is_empty() {
            check_queue_maxlen(cfg, q, opened.rcvbuf);
        }
        queues.push((q, opened.queue));
    }
    Ok(Some(queues))
}

/// One receive thread per queue, and the sweeper.
fn spawn_threads(
    sh: &Arc<Shared>,
    queues: Vec<(u16, Queue)>,
) -> Result<(Vec<JoinHandle<()>>, JoinHandle<()>), RunError> {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for (idx, (q, queue)) in queues.into_iter().enumerate() {
        let sh2 = Arc::clone(sh);
        let h = thread::Builder::new()
            .name(format!("nfdpi-q{q}"))
            .spawn(move || receive_loop(sh2, idx, q, queue))
            .map_err(|e| RunError::Setup(format!("cannot start the thread of queue {q}: {e}")))?;
        workers.push(h);
    }
    let sh2 = Arc::clone(sh);
    let sweeper = thread::Builder::new()
        .name("nfdpi-sweep".into())
        .spawn(move || {
            let mut out = Vec::new();
            while sh2.sleep(SWEEP_INTERVAL) {
                sh2.engine.sweep(sh2.clock.now(), &mut out);
                for r in out.drain(..) {
                    debug!(
                        flow = %format_args!("{} {} -> {}", r.transport, r.src, r.dst),
                        protocol = %r.protocol,
                        verdict = r.verdict,
                        packets = r.packets,
                        bytes = r.bytes,
                        "flow expired"
                    );
                }
            }
        })
        .map_err(|e| RunError::Setup(format!("cannot start the sweeper: {e}")))?;
    Ok((workers, sweeper))
}

/// Answer signals and log counters until SIGTERM/SIGINT or a receive thread dies (its queue).
fn control_loop(
    sh: &Shared,
    sigset: &libc::sigset_t,
    reload: &Reload,
    workers: &[JoinHandle<()>],
    last: &mut Tick,
) -> Option<u16> {
    let interval = sh.cfg.stats_interval.max(Duration::from_secs(1));
    let mut next_stats = Instant::now() + interval;
    loop {
        let wait = next_stats
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(1));
        match wait_signal(sigset, wait) {
            Some(libc::SIGTERM) | Some(libc::SIGINT) => {
                log_counters(sh, last, "stopping");
                info!("stopping: verdicting what is in hand, unbinding");
                return None;
            }
            Some(libc::SIGHUP) => reload_signatures(&sh.engine, &sh.stats, reload),
            Some(libc::SIGUSR1) => log_counters(sh, last, "SIGUSR1"),
            _ => {}
        }
        // A receive thread only ends on shutdown; if one died (a panic outside the guarded
        // calls), its queue is unbound and traffic bypasses or stalls: stop and let the
        // supervisor restart the daemon.
        if let Some(i) = workers.iter().position(|h| h.is_finished()) {
            let q = sh.cfg.queues.get(i).copied().unwrap_or_default();
            error!(queue = q, "a receive thread ended unexpectedly; stopping");
            return Some(q);
        }
        if Instant::now() >= next_stats {
            log_counters(sh, last, "interval");
            next_stats = Instant::now() + interval;
        }
    }
}

/// Stop the receive threads (waking them out of `recv()`) and the sweeper, and join them.
fn stop_threads(sh: &Shared, workers: Vec<JoinHandle<()>>, sweeper: JoinHandle<()>) {
    sh.stop.store(true, SeqCst);
    sweeper.thread().unpark();
    let deadline = Instant::now() + Duration::from_secs(5);
    for h in &workers {
        // Signals can arrive just before a thread enters recv(): keep knocking until it ends.
        while !h.is_finished() && Instant::now() < deadline {
            // SAFETY: the thread has not been joined, so its pthread_t is valid.
            unsafe { libc::pthread_kill(h.as_pthread_t(), libc::SIGUSR2) };
            thread::sleep(Duration::from_millis(20));
        }
    }
    for h in workers {
        if h.is_finished() {
            let _ = h.join();
        } else {
            warn!("a receive thread did not stop in time");
        }
    }
    let _ = sweeper.join();
}

/// Run the daemon until SIGTERM/SIGINT. Binds every queue first (so a missing privilege or a
/// busy queue fails at once), switches user if asked, starts the companions, then the threads
/// (and the metrics endpoint's). SIGTERM or SIGINT during start-up stops it there (exit 0,
/// `verdicted=0`).
pub fn run(
    cfg: RunConfig,
    engine: Arc<Engine>,
    reload: Reload,
    mut extras: Extras,
) -> Result<DaemonSnapshot, RunError> {
    let sigset = setup_signals()?;
    let Some(queues) = open_all(&cfg)? else {
        info!("stopped during start-up");
        eprintln!("verdicted=0");
        return Ok(DaemonSnapshot::default());
    };
    // Open the root-only kernel counter file while we still may.
    if kernel_queues(&cfg.queues).is_empty() {
        warn!(
            file = PROC_QUEUES,
            "cannot read the kernel's queue counters; kernel drops will not be reported"
        );
    }
    if let Some(user) = &cfg.user {
        drop_privileges(user)?;
    }
    keep_only_net_admin();
    for c in &mut extras.companions {
        c.start().map_err(RunError::Config)?;
    }
    let sh = Arc::new(Shared::new(cfg, engine, &extras));
    let (workers, sweeper) = spawn_threads(&sh, queues)?;
    let metrics = spawn_metrics(&sh, extras.metrics.take())?;
    info!(
        queues = ?sh.cfg.queues,
        verdict = ?sh.cfg.verdict,
        fail_open = sh.cfg.fail_open,
        queue_maxlen = sh.cfg.queue_maxlen,
        mark_mask = format_args!("{:#x}", sh.cfg.marks.mask),
        metrics = %metrics.as_ref().map_or_else(|| "off".to_string(), |(a, _)| a.to_string()),
        "nfdpi running"
    );
    let mut last = Tick {
        at: Instant::now(),
        packets: 0,
        verdicted: 0,
    };
    let died = control_loop(&sh, &sigset, &reload, &workers, &mut last);
    stop_threads(&sh, workers, sweeper);
    if let Some((_, h)) = metrics {
        let _ = h.join();
    }
    for c in &mut extras.companions {
        c.stop();
    }
    log_counters(&sh, &mut last, "exit");
    let verdicted = sh.verdicted();
    // Exactly `verdicted=N` on a line of its own: benchmark harnesses read it.
    eprintln!("verdicted={verdicted}");
    if let Some(q) = died {
        return Err(RunError::Died(q));
    }
    let per_queue: Vec<String> = sh
        .queues
        .iter()
        .map(|q| q.verdicted().to_string())
        .collect();
    eprintln!("verdicted_per_queue={}", per_queue.join(","));
    Ok(sh.stats.snapshot())
}

/// The metrics endpoint's thread (it ends when the daemon stops), and its address.
fn spawn_metrics(
    sh: &Arc<Shared>,
    listener: Option<std::net::TcpListener>,
) -> Result<Option<(String, JoinHandle<()>)>, RunError> {
    let Some(l) = listener else {
        return Ok(None);
    };
    let addr = l
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let sh2 = Arc::clone(sh);
    let h = thread::Builder::new()
        .name("nfdpi-metrics".into())
        .spawn(move || {
            let render = || crate::stats::render(&sh2.scrape());
            crate::metrics::serve(l, &sh2.stop, &render);
        })
        .map_err(|e| RunError::Setup(format!("cannot start the metrics thread: {e}")))?;
    Ok(Some((addr, h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_queue_lines() {
        let text =
            "    0  12345     2 2 65535     7     3   100 1\n   3 99 0 2 65535 0 0 5 1\ngarbage\n";
        let q = parse_proc_queues(text);
        assert_eq!(q.len(), 2);
        assert_eq!(
            q[0],
            KernelQueue {
                queue: 0,
                portid: 12345,
                queue_total: 2,
                queue_dropped: 7,
                user_dropped: 3,
                id_sequence: 100
            }
        );
        assert_eq!(q[1].queue, 3);
        assert_eq!(q[1].id_sequence, 5);
    }

    #[test]
    fn clock_is_epoch_nanoseconds_and_monotonic() {
        let c = Clock::new();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
        assert!(a > 1_600_000_000 * 1_000_000_000, "epoch nanoseconds");
    }

    #[test]
    fn verdict_choice() {
        let m = MarkLayout::default();
        let pv = |verdict, mark, decided| {
            Some(PacketVerdict {
                verdict,
                mark,
                decided,
            })
        };
        // Pending: accept, mark untouched.
        assert_eq!(
            choose(
                VerdictMode::Repeat,
                &m,
                0xff00,
                pv(Verdict::Accept, 0, false)
            ),
            (NfVerdict::Accept, None)
        );
        // Decided accept in repeat mode: NF_REPEAT, our bits merged, foreign bits kept.
        assert_eq!(
            choose(
                VerdictMode::Repeat,
                &m,
                0xff00,
                pv(Verdict::Accept, 0x007d_0001, true)
            ),
            (NfVerdict::Repeat, Some(0x007d_ff01))
        );
        // The packet that crosses the budget: repeated with the drop mark for the ruleset.
        assert_eq!(
            choose(VerdictMode::Repeat, &m, 0, pv(Verdict::Drop, 0x2, true)),
            (NfVerdict::Repeat, Some(0x2))
        );
        // Accept mode: plain verdicts with the mark.
        assert_eq!(
            choose(VerdictMode::Accept, &m, 0, pv(Verdict::Drop, 0x2, true)),
            (NfVerdict::Drop, Some(0x2))
        );
        assert_eq!(
            choose(
                VerdictMode::Accept,
                &m,
                0,
                pv(Verdict::Accept, 0x007d_0001, true)
            ),
            (NfVerdict::Accept, Some(0x007d_0001))
        );
        // Undecided drop (table full with --on-overflow drop): NF_DROP, never a repeat.
        assert_eq!(
            choose(VerdictMode::Repeat, &m, 0, pv(Verdict::Drop, 0, false)),
            (NfVerdict::Drop, None)
        );
        // A decided packet without a decision bit is never repeated (it could loop unseen).
        assert_eq!(
            choose(VerdictMode::Repeat, &m, 0, pv(Verdict::Accept, 0, true)),
            (NfVerdict::Accept, None)
        );
        // Back again carrying a decision: verdicted from the mark, never repeated.
        assert_eq!(
            choose(VerdictMode::Repeat, &m, 0x007d_0001, None),
            (NfVerdict::Accept, None)
        );
        assert_eq!(
            choose(VerdictMode::Repeat, &m, 0x2, None),
            (NfVerdict::Drop, None)
        );
    }

    #[test]
    fn a_refused_reload_keeps_the_old_set_and_counts() {
        use crate::engine::EngineConfig;
        let old = Arc::new(SignatureSet::empty());
        let engine = Engine::new(EngineConfig::default(), Arc::clone(&old));
        let stats = DaemonStats::default();
        let broken: Reload = Box::new(|| Err(vec!["x.sig:3:7: expected `=`".to_string()]));
        reload_signatures(&engine, &stats, &broken);
        assert!(Arc::ptr_eq(&engine.signatures(), &old), "the old set stays");
        assert_eq!(
            (stats.snapshot().reloads, stats.snapshot().reloads_failed),
            (0, 1)
        );
        let new = Arc::new(SignatureSet::empty());
        let n2 = Arc::clone(&new);
        let policy = Arc::new(crate::engine::Policy {
            unlisted: crate::engine::Verdict::Accept,
            ..Default::default()
        });
        let p2 = Arc::clone(&policy);
        let good: Reload = Box::new(move || Ok((Arc::clone(&n2), Arc::clone(&p2))));
        reload_signatures(&engine, &stats, &good);
        assert!(
            Arc::ptr_eq(&engine.signatures(), &new),
            "the new set is in use"
        );
        assert!(Arc::ptr_eq(&engine.policy(), &policy), "and the new policy");
        assert_eq!(
            (stats.snapshot().reloads, stats.snapshot().reloads_failed),
            (1, 1)
        );
    }

    /// Issue 9.1: a panic while loading (a parser bug) is a refused reload with its message;
    /// the old set stays and the next good reload works.
    #[test]
    fn a_panicking_reload_is_refused_and_the_old_set_kept() {
        use crate::engine::EngineConfig;
        let old = Arc::new(SignatureSet::empty());
        let engine = Engine::new(EngineConfig::default(), Arc::clone(&old));
        let stats = DaemonStats::default();
        let panics: Reload = Box::new(|| panic!("byte index 7 is not a char boundary"));
        reload_signatures(&engine, &stats, &panics);
        assert!(Arc::ptr_eq(&engine.signatures(), &old), "the old set stays");
        assert_eq!(
            (stats.snapshot().reloads, stats.snapshot().reloads_failed),
            (0, 1)
        );
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("boom"));
        assert_eq!(panic_message(payload.as_ref()), "boom");
        let new = Arc::new(SignatureSet::empty());
        let n2 = Arc::clone(&new);
        let policy = engine.policy();
        let good: Reload = Box::new(move || Ok((Arc::clone(&n2), Arc::clone(&policy))));
        reload_signatures(&engine, &stats, &good);
        assert!(Arc::ptr_eq(&engine.signatures(), &new));
    }

    #[test]
    fn fail_open_passes_are_the_id_gaps() {
        let k = KernelQueue {
            queue: 0,
            portid: 1,
            queue_total: 3,
            queue_dropped: 0,
            user_dropped: 0,
            id_sequence: 20_000,
        };
        // 20,000 ids handed out, 3 waiting, 1,257 verdicted: 18,740 passed uninspected.
        assert_eq!(bypassed_on_socket(&k, 1257), 18_740);
        // Without fail-open the kernel counts them as user_dropped instead.
        let k2 = KernelQueue {
            user_dropped: 18_740,
            ..k
        };
        assert_eq!(bypassed_on_socket(&k2, 1257), 0);
        // Read while packets flow, the count is short, never negative.
        assert_eq!(bypassed_on_socket(&k, 30_000), 0);
        // The socket buffer fills first when the queue may hold what the buffer holds.
        assert_eq!(socket_holds(8 << 20), 16_384 + 16);
        assert!(socket_holds(256 << 20) <= 1_048_576);
    }

    #[test]
    fn config_errors_are_exit_2() {
        let e = bind_error(0, io::Error::from_raw_os_error(libc::EPERM));
        assert!(e.is_config());
        assert!(e.to_string().contains("CAP_NET_ADMIN"));
        assert!(bind_error(0, io::Error::from_raw_os_error(libc::EBUSY)).is_config());
        assert!(!bind_error(0, io::Error::from_raw_os_error(libc::EIO)).is_config());
    }
}
