//! The daemon under hostile load and hostile reloads, end to end: a flood of new flows above its
//! rate (memory bounded, every packet accounted for, inspection back once the flood ends), a
//! SIGHUP with a signature file that panics the loader (refused, daemon alive and verdicting),
//! and 256 queues (quick start-up, SIGTERM answered during it).
//!
//! Needs root; gated like `e2e_live.rs`. Each test is bounded in packets and time.

mod lab;

use lab::*;

use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The daemon's peak resident memory must stay under this during the flood (flow table capped
/// at `FLOOD_MAX_FLOWS`), MiB.
const FLOOD_RSS_BOUND_MIB: u64 = 32;
/// The flow-table cap the flood runs with: the flood offers several times more new flows.
const FLOOD_MAX_FLOWS: usize = 10_000;
/// Most datagrams one flood sends.
const FLOOD_MAX_PACKETS: usize = 250_000;

/// A counter of the last `counters` line written for `why` (e.g. `"SIGUSR1"`).
fn last_counter(log: &str, why: &str, name: &str) -> u64 {
    counter(log, &format!("why=\"{why}\""), name)
        .unwrap_or_else(|| panic!("no {name} in a `{why}` counters line:\n{log}"))
}

/// `VmHWM` (peak resident set) of a process, KiB.
fn peak_rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmHWM")
}

/// What one flood did.
struct Flood {
    sent: usize,
    secs: f64,
}

/// Send up to `FLOOD_MAX_PACKETS` 64-byte datagrams for at most `secs` seconds from four fresh
/// client addresses (two sending threads), each to a new server port (a new flow each, up to
/// 258,048 flows). A third of the way in, the daemon is stopped for 300 ms (SIGSTOP): above any
/// rate it can reach, so its socket buffer overflows and fail-open passes packets, whatever the
/// machine's speed.
fn flood(lab: &mut Lab, secs: f64) -> Flood {
    let done = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..2 {
        let sockets: Vec<UdpSocket> = (0..2)
            .map(|_| {
                let a = SocketAddr::new(IpAddr::V4(lab.client_ip()), 40000);
                Lab::socket(&lab.client, a)
            })
            .collect();
        let d2 = Arc::clone(&done);
        senders.push(thread::spawn(move || {
            let payload = [0x5au8; 64];
            let mut sent = 0usize;
            'outer: for port in 1024..=u16::MAX {
                for s in &sockets {
                    if sent >= FLOOD_MAX_PACKETS / 2 || d2.load(Ordering::Relaxed) {
                        break 'outer;
                    }
                    let to = SocketAddr::new(IpAddr::V4(SERVER_IP), port);
                    if s.send_to(&payload, to).is_ok() {
                        sent += 1;
                    }
                }
            }
            sent
        }));
    }
    thread::sleep(Duration::from_secs_f64(secs / 3.0));
    let pid = lab.daemon_pid();
    // SAFETY: kill on the pid of our own child.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    thread::sleep(Duration::from_millis(300));
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    while !senders.iter().all(|s| s.is_finished()) && t0.elapsed().as_secs_f64() < secs {
        thread::sleep(Duration::from_millis(20));
    }
    done.store(true, Ordering::Relaxed);
    let sent = senders
        .into_iter()
        .map(|s| s.join().expect("flood thread"))
        .sum();
    Flood {
        sent,
        secs: t0.elapsed().as_secs_f64(),
    }
}

/// Wait (at most 15 s) until the daemon has verdicted everything the kernel queued for it.
fn wait_until_drained(lab: &Lab) {
    let end = Instant::now() + Duration::from_secs(15);
    while lab.queue0().is_none_or(|q| q.queue_total > 0) {
        assert!(Instant::now() < end, "the queue did not drain in 15 s");
        thread::sleep(Duration::from_millis(50));
    }
    thread::sleep(Duration::from_millis(100));
}

/// A flood of new flows above the daemon's rate: its memory stays bounded, every packet offered
/// to the queue is accounted for (verdicted by nfdpi or passed by fail-open, counted exactly),
/// refused flows are counted, and once the flood is over every new flow is inspected again.
/// Then the same with the old default `--queue-maxlen 4096`: the daemon warns that fail-open
/// passes can go uncounted, and they do (the rule's counter shows them, the kernel's do not).
#[test]
fn live_flood_is_counted_bounded_and_inspection_resumes() {
    let _g = serial();
    if !gate("live_flood_is_counted_bounded_and_inspection_resumes") {
        return;
    }
    let mut lab = Lab::new("fl");
    lab.install_rules(&[]);
    let mut args = signature_args();
    args.extend(
        [
            "--max-flows",
            &FLOOD_MAX_FLOWS.to_string(),
            "--udp-timeout",
            "3",
        ]
        .map(String::from),
    );
    lab.start_daemon(&args);
    let pid = lab.daemon_pid();
    // No flow expires during the flood (3 s idle timeout), so each datagram is a new flow that
    // the table either takes or refuses.
    let f = flood(&mut lab, 2.0);
    wait_until_drained(&lab);
    lab.signal_and_wait(libc::SIGUSR1, "why=\"SIGUSR1\"");
    let log = lab.log_text();
    let c = |name| last_counter(&log, "SIGUSR1", name);
    let offered = lab.offered("iptables");
    let (ids, verdicted, bypassed) = (
        c("kernel_id_sequence"),
        c("verdicted"),
        c("fail_open_bypassed"),
    );
    let peak_mib = peak_rss_kib(pid) / 1024;
    eprintln!(
        "flood: {} datagrams in {:.2} s ({:.0}/s); offered to the queue {offered}; packet ids {ids}; \
         verdicted {verdicted}; fail-open passes {bypassed}; flows created {}, refused {}, in the table {}; \
         kernel queue_dropped {} user_dropped {}; daemon peak RSS {peak_mib} MiB",
        f.sent,
        f.secs,
        f.sent as f64 / f.secs,
        c("flows_created"),
        c("flows_refused"),
        c("flows"),
        c("kernel_queue_dropped"),
        c("kernel_user_dropped"),
    );
    assert!(f.sent >= 50_000, "the flood sent only {} datagrams", f.sent);
    assert_eq!(
        offered, ids,
        "every packet offered got a packet id (no uncounted queue-full pass)"
    );
    assert_eq!(
        verdicted + bypassed,
        ids,
        "every packet id verdicted or counted as a fail-open pass"
    );
    assert!(bypassed > 0, "the flood overflowed the socket buffer");
    assert_eq!(
        c("packets"),
        verdicted,
        "the engine saw every verdicted packet"
    );
    assert_eq!(
        c("flows_created") + c("flows_refused"),
        verdicted,
        "each verdicted datagram was a new flow, tracked or refused"
    );
    assert!(c("flows_refused") > 0, "the flow table filled");
    assert!(c("flows") <= FLOOD_MAX_FLOWS as u64);
    assert!(
        peak_mib < FLOOD_RSS_BOUND_MIB,
        "peak RSS {peak_mib} MiB (bound {FLOOD_RSS_BOUND_MIB})"
    );
    inspection_resumes(&mut lab);
    let log = lab.stop_daemon();
    assert_eq!(
        last_counter(&log, "stopping", "verdicted")
            + last_counter(&log, "stopping", "fail_open_bypassed"),
        last_counter(&log, "stopping", "kernel_id_sequence"),
        "{log}"
    );
    uncounted_with_a_short_queue(&mut lab);
}

/// After the flood, once its flows expired, a new unknown flow is cut at the budget and a Teams
/// call passes: nfdpi inspects again.
fn inspection_resumes(lab: &mut Lab) {
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        lab.signal_and_wait(libc::SIGUSR1, "why=\"SIGUSR1\"");
        if last_counter(&lab.log_text(), "SIGUSR1", "flows") == 0 {
            break;
        }
        assert!(Instant::now() < end, "the flood's flows did not expire");
        thread::sleep(Duration::from_millis(500));
    }
    let mut seed = 99;
    let steps: Vec<(Dir, Vec<u8>)> = (0..50)
        .map(|_| (Dir::ToServer, random_bytes(1000, &mut seed)))
        .collect();
    let cut = lab.pair(41001, 5001).replay(&steps);
    let n = cut.iter().filter(|a| **a).count();
    // The call's datagrams, then 40 × 1000 bytes of RTP: past the budget, all of it passes
    // only when the call was named and its media confirmed it.
    let teams = client_payloads("teams.pcap", "192.168.1.6:50016", "192.168.0.4:50005");
    let mut call: Vec<(Dir, Vec<u8>)> = teams.into_iter().map(|p| (Dir::ToServer, p)).collect();
    call.extend(
        rtp_media(40, 1000, &mut seed)
            .into_iter()
            .map(|p| (Dir::ToServer, p)),
    );
    let passed = lab.pair(13021, 45493).replay(&call);
    let m = passed.iter().filter(|a| **a).count();
    eprintln!(
        "after the flood: unknown flow {n}/50 arrived, teams call {m}/{}",
        call.len()
    );
    assert_eq!(n, BUDGET / 1028, "a new unknown flow is inspected and cut");
    assert_eq!(m, call.len(), "a call is identified and passes");
}

/// `--queue-maxlen 4096` (the old default) under an 8 MiB socket buffer: the daemon warns at
/// start-up, and a flood shows why — packets that found the queue full passed with no id.
fn uncounted_with_a_short_queue(lab: &mut Lab) {
    let before = lab.offered("iptables");
    let mut args = signature_args();
    args.extend(["--queue-maxlen", "4096"].map(String::from));
    lab.start_daemon(&args);
    assert!(
        lab.log_text()
            .contains("the queue can fill before the socket buffer does"),
        "{}",
        lab.log_text()
    );
    let f = flood(lab, 1.0);
    wait_until_drained(lab);
    let ids = lab.queued_so_far();
    let offered = lab.offered("iptables") - before;
    lab.signal_and_wait(libc::SIGUSR1, "why=\"SIGUSR1\"");
    let bypassed = last_counter(&lab.log_text(), "SIGUSR1", "fail_open_bypassed");
    eprintln!(
        "flood with --queue-maxlen 4096: {} sent, offered {offered}, packet ids {ids}, \
         counted fail-open passes {bypassed}, uncounted (queue full) {}",
        f.sent,
        offered - ids
    );
    assert!(
        offered > ids,
        "the queue filled first: passes without an id"
    );
    lab.stop_daemon();
}

/// Issues 9.1 and 9.2: a signature file whose line panicked the loader (`hold # ééééé`), then one
/// with a catch-all rule, then one reusing a shipped protocol's id, each arriving with a SIGHUP:
/// every reload is refused with its reason, the daemon stays up, and traffic after each is still
/// inspected with the old set (an unknown flow cut at the budget, a Teams call passing).
#[test]
fn live_reload_that_panics_is_refused_and_the_daemon_keeps_verdicting() {
    let _g = serial();
    if !gate("live_reload_that_panics_is_refused_and_the_daemon_keeps_verdicting") {
        return;
    }
    let sigs = tempfile::tempdir().expect("tempdir");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    for e in std::fs::read_dir(&shipped).expect("signatures/") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "sig") {
            let name = p.file_name().expect("name");
            std::os::unix::fs::symlink(&p, sigs.path().join(name)).expect("symlink");
        }
    }
    let mut lab = Lab::new("rp");
    lab.install_rules(&[]);
    lab.start_daemon(&[
        "--signatures".to_string(),
        sigs.path().display().to_string(),
    ]);
    // Issue 9.1 and 9.2: a line that panicked the loader, a catch-all rule (it would name, and
    // so accept, every UDP flow) and a protocol reusing DNS's id (it would share DNS's mark).
    let broken = [
        ("hold # ééééé\n", "hold"),
        (
            "protocol CatchAll id 9001 category Custom\n  rule all\n    transport udp\n",
            "expected a payload test",
        ),
        (
            "protocol NotDns id 5 category Custom\n  rule r\n    u32@0 == 0x2112a442\n",
            "expected an id no other protocol has",
        ),
    ];
    for (i, (text, why)) in (0u16..).zip(broken) {
        std::fs::write(sigs.path().join("zz-broken.sig"), text).expect("write");
        lab.signal_and_wait(libc::SIGHUP, "reload refused; the running configuration");
        let log = lab.log_text();
        assert!(
            log.contains(why),
            "the refusal does not say `{why}`:\n{log}"
        );
        assert!(
            lab.daemon
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_none()),
            "the daemon died on the reload of {text:?}:\n{log}"
        );
        still_verdicting(&mut lab, i);
    }
    let log = lab.stop_daemon();
    assert_eq!(last_counter(&log, "stopping", "reloads_failed"), 3, "{log}");
    assert_eq!(last_counter(&log, "stopping", "reloads"), 0, "{log}");
}

/// After a refused reload (the `i`-th), the old set still decides new flows: an unknown flow is
/// cut at the budget and a Teams call passes, each on ports no earlier flow used.
fn still_verdicting(lab: &mut Lab, i: u16) {
    let mut seed = 7 + u64::from(i);
    let steps: Vec<(Dir, Vec<u8>)> = (0..50)
        .map(|_| (Dir::ToServer, random_bytes(1000, &mut seed)))
        .collect();
    let n = lab
        .pair(42000 + i, 6000 + i)
        .replay(&steps)
        .iter()
        .filter(|a| **a)
        .count();
    // A Teams call: its STUN names it, its RTP media confirms it.
    let teams = client_payloads("teams.pcap", "192.168.1.6:50016", "192.168.0.4:50005");
    let mut call: Vec<(Dir, Vec<u8>)> = teams.into_iter().map(|p| (Dir::ToServer, p)).collect();
    call.extend(
        rtp_media(40, 1000, &mut seed)
            .into_iter()
            .map(|p| (Dir::ToServer, p)),
    );
    let m = lab
        .pair(13100 + i, 50005)
        .replay(&call)
        .iter()
        .filter(|a| **a)
        .count();
    eprintln!(
        "after refused reload {i}: unknown flow {n}/50 arrived, teams call {m}/{}",
        call.len()
    );
    assert_eq!(n, BUDGET / 1028, "a new unknown flow is inspected and cut");
    assert_eq!(m, call.len(), "a call is identified and passes");
}

/// `--queues 0-255` (the most allowed): bound quickly, every queue with its own thread, and
/// SIGTERM stops the daemon with exit 0; SIGTERM right after the start stops start-up too.
#[test]
fn live_256_queues_start_quickly_and_sigterm_is_answered() {
    let _g = serial();
    if !gate("live_256_queues_start_quickly_and_sigterm_is_answered") {
        return;
    }
    let lab = Lab::new("qs");
    /// Kills the daemon if the test fails before it stopped.
    struct Daemon(Child);
    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let start = |lab: &Lab| {
        Daemon(
            Command::new("ip")
                .args(["netns", "exec", &lab.fw, BIN, "run", "--no-signatures"])
                .args(["--queues", "0-255", "--stats-interval", "3600"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("nfdpi run"),
        )
    };
    let bound =
        |lab: &Lab| parse_proc_queues(&lab.fw("cat /proc/net/netfilter/nfnetlink_queue")).len();
    let wait_exit = |child: &mut Child, secs: u64| {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > end {
                let _ = child.kill();
                panic!("nfdpi run did not stop within {secs} s of SIGTERM");
            }
            thread::sleep(Duration::from_millis(10));
        }
    };
    let t0 = Instant::now();
    let mut daemon = start(&lab);
    let child = &mut daemon.0;
    while bound(&lab) < 256 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "256 queues not bound in 10 s"
        );
        thread::sleep(Duration::from_millis(10));
    }
    let took = t0.elapsed();
    thread::sleep(Duration::from_millis(200));
    // SAFETY: kill on the pid of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let st = wait_exit(child, 10);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    eprintln!("256 queues bound in {took:?}");
    assert!(st.success(), "{st}: {err}");
    assert!(err.contains("verdicted=0"), "{err}");
    assert_eq!(bound(&lab), 0, "every queue unbound at exit");
    assert!(took < Duration::from_secs(3), "start-up took {took:?}");
    // SIGTERM during start-up: stopped at once, nothing left bound.
    let mut daemon = start(&lab);
    let child = &mut daemon.0;
    thread::sleep(Duration::from_millis(15));
    // SAFETY: as above.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let st = wait_exit(child, 3);
    eprintln!("SIGTERM 15 ms after the start: {st}");
    assert!(
        st.success() || st.signal() == Some(libc::SIGTERM),
        "stopped by SIGTERM: {st}"
    );
    let end = Instant::now() + Duration::from_secs(2);
    while bound(&lab) > 0 {
        assert!(Instant::now() < end, "queues still bound after exit");
        thread::sleep(Duration::from_millis(20));
    }
}
