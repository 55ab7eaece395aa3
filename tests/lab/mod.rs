//! The laboratory the end-to-end tests share: three network namespaces (client → firewall →
//! server) joined by veth pairs, nfdpi's rules and daemon in the firewall, UDP sockets on both
//! sides, flows read from the shared captures, and the gate that skips (or, with
//! `NFDPI_E2E=1`, fails) a test that cannot run. Every namespace is deleted and every daemon
//! killed when its `Lab` goes, on failure too.
#![allow(dead_code)]

pub mod raw;

pub use std::collections::HashMap;
pub use std::fs::File;
pub use std::io::{Read, Write};
pub use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
pub use std::os::unix::io::AsRawFd;
pub use std::path::{Path, PathBuf};
pub use std::process::{Child, Command, Stdio};
pub use std::sync::Mutex;
pub use std::thread;
pub use std::time::{Duration, Instant};

pub use nfdpi::engine::LinkType;
pub use nfdpi::nfqueue::{parse_proc_queues, KernelQueue};
pub use nfdpi::packet::{Packet, UDP};

pub const BIN: &str = env!("CARGO_BIN_EXE_nfdpi");
pub const CAPTURES: &str = "../shared/pcaps/ndpi";
/// The default budget: 10 KiB of IP bytes.
pub const BUDGET: usize = 10 * 1024;

static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why this machine cannot run the test, if it cannot.
pub fn cannot_run() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("needs root (network namespaces, iptables, NFQUEUE)".into());
    }
    for tool in ["ip", "iptables-restore", "iptables"] {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// True when the test should run; panics when it must run (NFDPI_E2E=1) but cannot.
pub fn gate(name: &str) -> bool {
    if std::env::var("NFDPI_E2E").as_deref() == Ok("0") {
        let _ = writeln!(std::io::stderr(), "skipped {name}: NFDPI_E2E=0");
        return false;
    }
    match cannot_run() {
        None => true,
        Some(why) if std::env::var("NFDPI_E2E").as_deref() == Ok("1") => {
            panic!("NFDPI_E2E=1 but the end-to-end test `{name}` cannot run: {why}")
        }
        Some(why) => {
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "skipped {name}: {why} (set NFDPI_E2E=1 to make this an error)"
            );
            false
        }
    }
}

pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn ip(args: &str) -> String {
    run(Command::new("ip").args(args.split_whitespace()))
}

/// Which signatures the daemon and `classify` use: the shipped set when it loads, else none.
pub fn signature_args() -> Vec<String> {
    let ok = Command::new(BIN)
        .arg("check-signatures")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        vec![]
    } else {
        eprintln!(
            "note: the shipped signature set does not load here; running with --no-signatures"
        );
        vec!["--no-signatures".into()]
    }
}

pub const CLIENT_NET: &str = "10.77.1";
pub const SERVER_NET: &str = "10.77.2";
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 2, 2);
/// Unique local IPv6 prefixes, inside the namespaces only.
pub const CLIENT_NET6: &str = "fd77:1";
pub const SERVER_NET6: &str = "fd77:2";

/// Three namespaces, their links, the rules and the daemon. Dropping it removes everything.
pub struct Lab {
    pub client: String,
    pub fw: String,
    pub server: String,
    pub daemon: Option<Child>,
    pub log: PathBuf,
    pub _dir: tempfile::TempDir,
    pub next_client_ip: u8,
}

impl Lab {
    pub fn new(tag: &str) -> Lab {
        let base = format!("nfdpi-{tag}-{}", std::process::id());
        let dir = tempfile::tempdir().expect("tempdir");
        let mut lab = Lab {
            client: format!("{base}-c"),
            fw: format!("{base}-f"),
            server: format!("{base}-s"),
            daemon: None,
            log: dir.path().join("daemon.log"),
            _dir: dir,
            next_client_ip: 10,
        };
        for ns in [&lab.client, &lab.fw, &lab.server] {
            ip(&format!("netns add {ns}"));
            ip(&format!("-n {ns} link set lo up"));
            // No duplicate address detection on the links made below: their link-local
            // addresses are usable at once, so neighbour discovery works from the first packet.
            for knob in [
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
            ] {
                run(Command::new("ip").args(["netns", "exec", ns, "sysctl", "-qw", knob]));
            }
        }
        let (c, f, s) = (lab.client.clone(), lab.fw.clone(), lab.server.clone());
        ip(&format!(
            "-n {f} link add c0 type veth peer name eth0 netns {c}"
        ));
        ip(&format!(
            "-n {f} link add s0 type veth peer name eth0 netns {s}"
        ));
        // Global IPv6 addresses without duplicate address detection (`nodad`): usable at once.
        for cmd in [
            format!("-n {f} addr add {CLIENT_NET}.1/24 dev c0"),
            format!("-n {f} addr add {SERVER_NET}.1/24 dev s0"),
            format!("-n {f} addr add {CLIENT_NET6}::1/64 dev c0 nodad"),
            format!("-n {f} addr add {SERVER_NET6}::1/64 dev s0 nodad"),
            format!("-n {c} addr add {CLIENT_NET}.2/24 dev eth0"),
            format!("-n {c} addr add {CLIENT_NET6}::2/64 dev eth0 nodad"),
            format!("-n {s} addr add {SERVER_IP}/24 dev eth0"),
            format!("-n {s} addr add {SERVER_NET6}::2/64 dev eth0 nodad"),
            format!("-n {f} link set c0 up"),
            format!("-n {f} link set s0 up"),
            format!("-n {c} link set eth0 up"),
            format!("-n {s} link set eth0 up"),
            format!("-n {c} route add default via {CLIENT_NET}.1"),
            format!("-n {c} -6 route add default via {CLIENT_NET6}::1"),
            format!("-n {s} route add default via {SERVER_NET}.1"),
            format!("-n {s} -6 route add default via {SERVER_NET6}::1"),
        ] {
            ip(&cmd);
        }
        for knob in ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"] {
            run(Command::new("ip").args(["netns", "exec", &f, "sysctl", "-qw", knob]));
        }
        lab.next_client_ip = 10;
        lab
    }

    /// A fresh client address (each flow gets its own, so no conntrack entry or flow of an
    /// earlier case is reused).
    pub fn client_ip(&mut self) -> Ipv4Addr {
        let n = self.next_client_ip;
        assert!(n < 250, "out of client addresses");
        self.next_client_ip += 1;
        ip(&format!(
            "-n {} addr add {CLIENT_NET}.{n}/24 dev eth0",
            self.client
        ));
        Ipv4Addr::new(10, 77, 1, n)
    }

    /// Install nfdpi's rules in the firewall: `nfdpi iptables --queues 0 --chain FORWARD EXTRA`
    /// piped to `sh` there (`--chain` or `--queues` in EXTRA replace those).
    ///
    /// Measurement only: with `NFDPI_E2E_OLD_RULES=/path/to/old/nfdpi`, the rules come from that
    /// binary instead and go to `iptables-restore --noflush` (the format of nfdpi before the
    /// rules moved to the security table), so the operator-ruleset test can print its table for
    /// the old ruleset (its assertions then fail).
    pub fn install_rules(&self, extra: &[&str]) {
        let mut chain = Vec::new();
        if !extra.contains(&"--chain") {
            chain.extend(["--chain", "FORWARD"]);
        }
        // With `--config FILE` the queues come from the file, as in the unit.
        if !extra.contains(&"--queues") && !extra.contains(&"--config") {
            chain.extend(["--queues", "0"]);
        }
        if let Ok(old) = std::env::var("NFDPI_E2E_OLD_RULES") {
            let keep: Vec<&str> = extra
                .iter()
                .copied()
                .filter(|a| !a.starts_with("--transport"))
                .collect();
            let rules = run(Command::new(old).arg("iptables").args(&chain).args(keep));
            let tool = if extra.contains(&"--ipv6") {
                "ip6tables-restore"
            } else {
                "iptables-restore"
            };
            self.pipe_in_fw(&[tool, "--noflush"], &rules);
            return;
        }
        let script = run(Command::new(BIN).arg("iptables").args(&chain).args(extra));
        self.pipe_in_fw(&["sh"], &script);
    }

    /// `nfdpi iptables --remove EXTRA | sh` in the firewall.
    pub fn remove_rules(&self, extra: &[&str]) {
        let script = run(Command::new(BIN).args(["iptables", "--remove"]).args(extra));
        self.pipe_in_fw(&["sh"], &script);
    }

    /// Run `cmd` in the firewall namespace with `input` on its standard input; it must succeed.
    pub fn pipe_in_fw(&self, cmd: &[&str], input: &str) {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.fw])
            .args(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{cmd:?} failed ({}): {}\ninput:\n{input}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Run a command in the firewall namespace (split on whitespace); it must succeed.
    pub fn fw(&self, cmd: &str) -> String {
        run(Command::new("ip")
            .args(["netns", "exec", &self.fw])
            .args(cmd.split_whitespace()))
    }

    /// Packets the rule ending in `-j NFQUEUE` has seen (its counter): every packet offered
    /// to the queue, whether the daemon, the kernel's fail-open or its bypass took it.
    pub fn offered(&self, tool: &str) -> u64 {
        let out = self.fw(&format!("{tool} -t security -L NFDPI -v -x -n"));
        out.lines()
            .find(|l| l.contains("NFQUEUE"))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no NFQUEUE rule in:\n{out}"))
    }

    /// A fresh IPv6 client address (see [`Lab::client_ip`]).
    pub fn client_ip6(&mut self) -> IpAddr {
        let n = self.next_client_ip;
        assert!(n < 250, "out of client addresses");
        self.next_client_ip += 1;
        ip(&format!(
            "-n {} addr add {CLIENT_NET6}::{n:x}/64 dev eth0 nodad",
            self.client
        ));
        format!("{CLIENT_NET6}::{n:x}").parse().expect("address")
    }

    /// A connected IPv6 pair: a fresh client address and the server.
    pub fn pair6(&mut self, cport: u16, sport: u16) -> Pair {
        let caddr = SocketAddr::new(self.client_ip6(), cport);
        let saddr: SocketAddr = format!("[{SERVER_NET6}::2]:{sport}").parse().expect("addr");
        Pair {
            client: Lab::socket(&self.client, caddr),
            server: Lab::socket(&self.server, saddr),
            caddr,
            saddr,
        }
    }

    /// The daemon's process id.
    pub fn daemon_pid(&self) -> i32 {
        self.daemon.as_ref().expect("daemon running").id() as i32
    }

    /// The firewall's view of queue 0, if bound.
    pub fn queue0(&self) -> Option<KernelQueue> {
        let text = run(Command::new("ip").args([
            "netns",
            "exec",
            &self.fw,
            "cat",
            "/proc/net/netfilter/nfnetlink_queue",
        ]));
        parse_proc_queues(&text).into_iter().find(|q| q.queue == 0)
    }

    pub fn queued_so_far(&self) -> u64 {
        self.queue0().map_or(0, |q| q.id_sequence)
    }

    /// `nfdpi run --queues 0 --stats-interval 3600 EXTRA` in the firewall; see
    /// [`Lab::start_daemon_with`].
    pub fn start_daemon(&mut self, extra: &[String]) {
        let mut args: Vec<String> = ["--queues", "0", "--stats-interval", "3600"]
            .map(String::from)
            .to_vec();
        args.extend(extra.iter().cloned());
        self.start_daemon_with(&args);
    }

    /// `nfdpi run ARGS` in the firewall (ARGS must bind queue 0); returns once queue 0 is bound
    /// and the daemon logged "nfdpi running" (at most 10 s).
    pub fn start_daemon_with(&mut self, args: &[String]) {
        let log = File::create(&self.log).expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.fw, BIN, "run"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start nfdpi run");
        self.daemon = Some(child);
        let end = Instant::now() + Duration::from_secs(10);
        // Bound, and past its set-up (user switch, threads): it logs "nfdpi running".
        while self.queue0().is_none() || !self.log_text().contains("nfdpi running") {
            if let Some(st) = self
                .daemon
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("nfdpi run exited at start ({st}):\n{}", self.log_text());
            }
            assert!(
                Instant::now() < end,
                "nfdpi run did not bind queue 0 in 10 s:\n{}",
                self.log_text()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, wait for exit 0 (at most 10 s); returns the daemon's stderr.
    pub fn stop_daemon(&mut self) -> String {
        let mut child = self.daemon.take().expect("daemon running");
        // SAFETY: kill on the pid of our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let end = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > end {
                let _ = child.kill();
                panic!(
                    "nfdpi run did not stop within 10 s of SIGTERM:\n{}",
                    self.log_text()
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        let log = self.log_text();
        assert!(
            status.success(),
            "nfdpi run exited with {status} after SIGTERM:\n{log}"
        );
        log
    }

    /// Send `sig` to the daemon and wait (at most 5 s) until its log shows `marker`.
    pub fn signal_and_wait(&mut self, sig: i32, marker: &str) {
        let pid = self.daemon.as_ref().expect("daemon running").id() as i32;
        let seen = self.log_text().matches(marker).count();
        // SAFETY: kill on the pid of our own child.
        unsafe { libc::kill(pid, sig) };
        let end = Instant::now() + Duration::from_secs(5);
        while self.log_text().matches(marker).count() == seen {
            assert!(
                Instant::now() < end,
                "no `{marker}` in the log 5 s after signal {sig}:\n{}",
                self.log_text()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill_daemon(&mut self) {
        let mut child = self.daemon.take().expect("daemon running");
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }

    /// A UDP socket bound to `addr` inside namespace `ns`.
    pub fn socket(ns: &str, addr: SocketAddr) -> UdpSocket {
        let path = format!("/run/netns/{ns}");
        thread::spawn(move || {
            let f = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            // SAFETY: setns on this (short-lived) thread only; the socket keeps its namespace.
            let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(r, 0, "setns {path}: {}", std::io::Error::last_os_error());
            UdpSocket::bind(addr).unwrap_or_else(|e| panic!("bind {addr} in {path}: {e}"))
        })
        .join()
        .expect("socket thread")
    }

    /// A connected pair: client socket (fresh client address, `cport`) and server socket.
    pub fn pair(&mut self, cport: u16, sport: u16) -> Pair {
        let cip = self.client_ip();
        let caddr = SocketAddr::new(IpAddr::V4(cip), cport);
        let saddr = SocketAddr::new(IpAddr::V4(SERVER_IP), sport);
        Pair {
            client: Lab::socket(&self.client, caddr),
            server: Lab::socket(&self.server, saddr),
            caddr,
            saddr,
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut c) = self.daemon.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.client, &self.fw, &self.server] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    ToServer,
    ToClient,
}

pub struct Pair {
    pub client: UdpSocket,
    pub server: UdpSocket,
    pub caddr: SocketAddr,
    pub saddr: SocketAddr,
}

impl Pair {
    /// Send each datagram in order, one at a time, and note which arrive (in order). After the
    /// first loss the wait per datagram shrinks: a cut flow stays cut.
    pub fn replay(&self, steps: &[(Dir, Vec<u8>)]) -> Vec<bool> {
        let mut arrived = vec![false; steps.len()];
        let mut lost_any = false;
        let mut buf = vec![0u8; 65536];
        for (i, (dir, payload)) in steps.iter().enumerate() {
            let (tx, rx, to) = match dir {
                Dir::ToServer => (&self.client, &self.server, self.saddr),
                Dir::ToClient => (&self.server, &self.client, self.caddr),
            };
            // A packet dropped on the sender's own OUTPUT hook fails with EPERM: it is lost.
            let _ = tx.send_to(payload, to);
            let wait = if lost_any {
                Duration::from_millis(30)
            } else {
                Duration::from_millis(400)
            };
            let end = Instant::now() + wait;
            loop {
                let left = end.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    lost_any = true;
                    break;
                }
                rx.set_read_timeout(Some(left)).expect("timeout");
                match rx.recv_from(&mut buf) {
                    Ok((n, _)) => {
                        let got = &buf[..n];
                        // A late datagram of an earlier step counts for that step.
                        if let Some(j) = (0..=i).rev().find(|&j| !arrived[j] && steps[j].1 == got) {
                            arrived[j] = true;
                            if j == i {
                                break;
                            }
                        }
                    }
                    Err(_) => {
                        lost_any = true;
                        break;
                    }
                }
            }
        }
        arrived
    }
}

impl Pair {
    /// Send every payload in direction `dir` at once, then count the datagrams that arrive,
    /// waiting until none has come for 300 ms (at most 5 s in all).
    pub fn blast(&self, dir: Dir, payloads: &[Vec<u8>]) -> usize {
        let (tx, rx, to) = match dir {
            Dir::ToServer => (&self.client, &self.server, self.saddr),
            Dir::ToClient => (&self.server, &self.client, self.caddr),
        };
        for p in payloads {
            let _ = tx.send_to(p, to); // EPERM: dropped on the sender's OUTPUT hook
        }
        let mut buf = vec![0u8; 65536];
        let mut got = 0;
        let end = Instant::now() + Duration::from_secs(5);
        rx.set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        while got < payloads.len() && Instant::now() < end {
            match rx.recv_from(&mut buf) {
                Ok(_) => got += 1,
                Err(_) => break,
            }
        }
        got
    }
}

pub fn random_bytes(n: usize, seed: &mut u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            // xorshift64: deterministic, good enough to match no signature.
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 24) as u8
        })
        .collect()
}

/// One UDP/IPv4 flow read from a capture: the client is the first sender.
#[derive(Debug, Clone)]
pub struct CapturedFlow {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub steps: Vec<(Dir, Vec<u8>)>,
    /// False when some packet cannot be replayed byte-for-byte (fragment, IP options, too big).
    pub replayable: bool,
}

/// Every frame of a capture (pcap or pcapng) with its link type, when nfdpi knows it.
pub fn read_frames(path: &Path) -> Vec<(Option<LinkType>, Vec<u8>)> {
    use pcap_parser::pcapng::Block;
    use pcap_parser::{PcapBlockOwned, PcapError};
    let mut data = Vec::new();
    File::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .read_to_end(&mut data)
        .expect("read");
    let mut reader = pcap_parser::create_reader(data.len() + 65536, &data[..]).expect("a capture");
    let mut links: Vec<Option<LinkType>> = Vec::new();
    let mut frames: Vec<(Option<LinkType>, Vec<u8>)> = Vec::new();
    for _ in 0..10_000_000 {
        match reader.next() {
            Ok((n, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        links = vec![LinkType::from_pcap(h.network.0)]
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let len = (b.caplen as usize).min(b.data.len());
                        frames.push((links.first().copied().flatten(), b.data[..len].to_vec()));
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => links.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        links.push(LinkType::from_pcap(idb.linktype.0))
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let len = (epb.caplen as usize).min(epb.data.len());
                        frames.push((
                            links.get(epb.if_id as usize).copied().flatten(),
                            epb.data[..len].to_vec(),
                        ));
                    }
                    _ => {}
                }
                reader.consume(n);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.reader_exhausted() {
                    break;
                }
                reader.refill().expect("refill");
            }
            Err(e) => panic!("{}: {e:?}", path.display()),
        }
    }
    frames
}

/// Every UDP/IPv4 flow of a capture, in order of first packet, read with nfdpi's own packet view.
pub fn captured_flows(path: &Path) -> Vec<CapturedFlow> {
    let frames = read_frames(path);
    let mut flows: Vec<CapturedFlow> = Vec::new();
    let mut index: HashMap<(SocketAddr, SocketAddr), usize> = HashMap::new();
    for (link, frame) in &frames {
        let Some(link) = link else { continue };
        let Ok(p) = Packet::from_link(*link, frame) else {
            continue;
        };
        if p.proto != UDP || !p.src.is_ipv4() {
            continue;
        }
        let (a, b) = (
            SocketAddr::new(p.src, p.sport),
            SocketAddr::new(p.dst, p.dport),
        );
        let key = if a <= b { (a, b) } else { (b, a) };
        let i = *index.entry(key).or_insert_with(|| {
            flows.push(CapturedFlow {
                client: a,
                server: b,
                steps: Vec::new(),
                replayable: true,
            });
            flows.len() - 1
        });
        let f = &mut flows[i];
        let dir = if a == f.client {
            Dir::ToServer
        } else {
            Dir::ToClient
        };
        let exact = p.frag.is_none()
            && p.ip_len as usize == p.payload.len() + 28
            && p.payload.len() <= 1400;
        f.replayable &= exact;
        f.steps.push((dir, p.payload.to_vec()));
    }
    flows
}

pub fn capture(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(CAPTURES)
        .join(name);
    assert!(p.exists(), "shared capture {} is missing", p.display());
    p
}

/// Call media to follow a call's first datagrams: `n` RTP packets of `size` bytes (version 2,
/// payload type 111, one SSRC, sequence numbers counting up, random media), which confirm a
/// flow named by a rule with `confirm … by … rtp`.
pub fn rtp_media(n: usize, size: usize, seed: &mut u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut p = random_bytes(size.max(12), seed);
            p[0] = 0x80;
            p[1] = 111;
            p[2..4].copy_from_slice(&(i as u16).to_be_bytes());
            p[8..12].copy_from_slice(&0x5eed_ca11u32.to_be_bytes());
            p
        })
        .collect()
}

/// Classic Skype's own framing to follow its first datagrams (the opt-in file's tests, which
/// confirm by `self`): byte 0 0x9_, byte 2 0x02, random otherwise.
pub fn classic_skype_media(n: usize, size: usize, seed: &mut u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|_| {
            let mut p = random_bytes(size.max(16), seed);
            p[0] = 0x90 | (p[0] & 0x0f);
            p[2] = 0x02;
            p
        })
        .collect()
}

/// The client-side payloads of the flow `client → server` in `capture`.
pub fn client_payloads(capture_name: &str, client: &str, server: &str) -> Vec<Vec<u8>> {
    let (c, s): (SocketAddr, SocketAddr) =
        (client.parse().expect("addr"), server.parse().expect("addr"));
    let flows = captured_flows(&capture(capture_name));
    let f = flows
        .iter()
        .find(|f| (f.client == c && f.server == s) || (f.client == s && f.server == c))
        .unwrap_or_else(|| panic!("no flow {client} -> {server} in {capture_name}"));
    let dir = if f.client == c {
        Dir::ToServer
    } else {
        Dir::ToClient
    };
    let out: Vec<Vec<u8>> = f
        .steps
        .iter()
        .filter(|(d, _)| *d == dir)
        .map(|(_, p)| p.clone())
        .collect();
    assert!(!out.is_empty());
    out
}

pub fn counter(log: &str, line_marker: &str, name: &str) -> Option<u64> {
    let line = log.lines().rev().find(|l| l.contains(line_marker))?;
    let key = format!("{name}=");
    let at = line.split_whitespace().find_map(|w| w.strip_prefix(&key))?;
    at.trim_matches('"').parse().ok()
}

/// After a clean stop: every packet the kernel queued got exactly one verdict, and none came
/// back to the queue (NF_REPEAT never looped).
pub fn assert_one_verdict_per_queued_packet(queued: u64, log: &str) {
    let verdicted: u64 = log
        .lines()
        .find_map(|l| l.strip_prefix("verdicted=")?.parse().ok())
        .expect("a line `verdicted=N` at exit");
    assert_eq!(
        verdicted, queued,
        "packets queued by the kernel vs verdicts sent\n{log}"
    );
    assert_eq!(
        counter(log, "why=\"stopping\"", "packets"),
        Some(queued),
        "packets the engine saw\n{log}"
    );
    assert_eq!(
        counter(log, "why=\"stopping\"", "requeued_marked"),
        Some(0),
        "{log}"
    );
    assert_eq!(
        counter(log, "why=\"stopping\"", "verdict_errors"),
        Some(0),
        "{log}"
    );
}
