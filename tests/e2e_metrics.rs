//! End to end: what the daemon tells about its work. The metrics endpoint (`--metrics`) scraped
//! while traffic passes, its counters moving by exactly what the traffic did, its exposition
//! checked by `promtool`; what the daemon listens on (loopback only unless told otherwise,
//! nothing at all without `--metrics`); the cut-flow log line (text and JSON); and
//! `--capture-unknown`, whose pcap files `nfdpi classify` reads back with the cut flow in them
//! and which stay within their byte bound under a flood of cut flows.
//!
//! Needs root; gated like `e2e_live.rs` (`NFDPI_E2E=1` makes a test that cannot run fail).

mod lab;

use lab::*;

use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;

/// The port the tests give `--metrics` (the documented 9464; each test has its own namespace).
const PORT: u16 = 9464;

/// `GET /metrics` from inside the firewall namespace; the body.
fn scrape(lab: &Lab, host: &str) -> String {
    scrape_in(&lab.fw, host)
}

fn scrape_in(ns: &str, host: &str) -> String {
    let (status, body) = http_get_in(ns, host, "/metrics");
    assert_eq!(status, 200, "{body}");
    body
}

fn http_get(lab: &Lab, host: &str, path: &str) -> (u16, String) {
    http_get_in(&lab.fw, host, path)
}

/// (status, body) of `GET path` on host:PORT from inside namespace `ns`.
fn http_get_in(ns: &str, host: &str, path: &str) -> (u16, String) {
    let ns = format!("/run/netns/{ns}");
    let addr: SocketAddr = format!("{host}:{PORT}").parse().expect("addr");
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    let text = thread::spawn(move || {
        let f = File::open(&ns).expect("netns");
        // SAFETY: setns on this short-lived thread only.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
        let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    })
    .join()
    .expect("scrape thread");
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, body.to_string())
}

/// The value of one sample (`name{labels}` exactly as exposed), 0 when absent.
fn sample(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0, |v| v.parse::<f64>().expect("a number") as u64)
}

/// `promtool check metrics` on an exposition: required in CI (`NFDPI_E2E=1`, which `.ci/run`
/// sets after installing it), skipped with a note elsewhere.
fn promtool_check(text: &str) {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if std::env::var("NFDPI_E2E").as_deref() == Ok("1") => {
            panic!("NFDPI_E2E=1 but promtool cannot run ({e}); .ci/run installs it")
        }
        Err(e) => {
            eprintln!("note: promtool not found ({e}); exposition not checked by it");
            return;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let problems = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && problems.trim().is_empty(),
        "promtool check metrics: {problems}\n{text}"
    );
}

/// Listening TCP sockets and bound UDP sockets of the daemon, from its namespace's socket
/// tables (`/proc/PID/net/*`) matched against its descriptors (socket inodes): (table, local
/// address as the table writes it, state).
fn daemon_inet_sockets(pid: i32) -> Vec<(String, String, String)> {
    let mut inodes = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).expect("fds") {
        let link = std::fs::read_link(e.expect("fd").path()).unwrap_or_default();
        if let Some(n) = link
            .to_string_lossy()
            .strip_prefix("socket:[")
            .and_then(|s| s.strip_suffix(']'))
        {
            inodes.push(n.to_string());
        }
    }
    let mut found = Vec::new();
    for table in ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).expect("table");
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() > 9 && inodes.iter().any(|i| i == f[9]) {
                found.push((table.to_string(), f[1].to_string(), f[3].to_string()));
            }
        }
    }
    found
}

/// The metrics move by exactly what the traffic did: an unknown flow cut at the budget (10
/// packets queued: 9 NF_ACCEPT and one NF_REPEAT with the drop mark) and a Teams call (its
/// packets until its RTP confirmed the name its STUN gave it, then one NF_REPEAT with the accept
/// mark), scraped while the
/// traffic passes and after; the exposition passes `promtool check metrics`; the endpoint
/// listens on 127.0.0.1 only and answers nothing but GET /metrics.
#[test]
fn live_metrics_move_by_the_traffic() {
    let _g = serial();
    if !gate("live_metrics_move_by_the_traffic") {
        return;
    }
    let teams = client_payloads("teams.pcap", "192.168.1.6:50016", "192.168.0.4:50005");
    let mut lab = Lab::new("mx1");
    lab.install_rules(&[]);
    lab.start_daemon(&["--metrics".into(), format!("127.0.0.1:{PORT}")]);
    let before = scrape(&lab, "127.0.0.1");
    promtool_check(&before);
    let queued0 = lab.queued_so_far();
    // Scrape over and over while the traffic passes: the daemon keeps verdicting.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let scrapes = {
        let (stop, ns) = (stop.clone(), lab.fw.clone());
        thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                assert!(scrape_in(&ns, "127.0.0.1").contains("nfdpi_verdicts_total"));
                n += 1;
                thread::sleep(Duration::from_millis(20));
            }
            n
        })
    };
    let pair = lab.pair(40101, 5101);
    let mut seed = 0x5eed_0001;
    let bulk: Vec<(Dir, Vec<u8>)> = (0..30)
        .map(|_| (Dir::ToServer, random_bytes(1000, &mut seed)))
        .collect();
    let cut = pair.replay(&bulk).iter().filter(|a| **a).count();
    // The call's packets, then 20 KB of RTP on the same socket: the Microsoft STUN attributes
    // name the flow, four RTP packets continuing one stream confirm it, and it is accepted.
    let call = lab.pair(13021, 45493);
    let mut steps: Vec<(Dir, Vec<u8>)> = teams.iter().map(|p| (Dir::ToServer, p.clone())).collect();
    steps.extend(
        rtp_media(20, 1000, &mut seed)
            .into_iter()
            .map(|p| (Dir::ToServer, p)),
    );
    let passed = call.replay(&steps).iter().filter(|a| **a).count();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let n_scrapes = scrapes.join().expect("scraper");
    let queued = lab.queued_so_far() - queued0;
    let after = scrape(&lab, "127.0.0.1");
    promtool_check(&after);
    eprintln!("{n_scrapes} scrapes during the traffic; unknown flow: {cut} passed; call: {passed}/{} passed; {queued} queued\n{after}", steps.len());
    assert_eq!(cut, BUDGET / 1028, "the unknown flow is cut at the budget");
    assert_eq!(passed, steps.len(), "the call passes");
    assert!(n_scrapes >= 3, "scraped while the traffic passed");
    let d = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(d("nfdpi_flows_cut_total{reason=\"budget\"}"), 1);
    assert_eq!(d("nfdpi_flows_cut_total{reason=\"policy\"}"), 0);
    assert_eq!(
        d("nfdpi_flows_decided_total{protocol=\"Unknown\",verdict=\"drop\"}"),
        1
    );
    let accepted: u64 = after
        .lines()
        .filter(|l| l.starts_with("nfdpi_flows_decided_total{") && l.contains("verdict=\"accept\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(accepted, 1, "one flow (the call) accepted:\n{after}");
    assert_eq!(
        d("nfdpi_flows_named_total"),
        1,
        "the call waited for its media"
    );
    assert_eq!(
        d("nfdpi_flows_confirmed_total"),
        1,
        "and its media confirmed it"
    );
    assert_eq!(d("nfdpi_flows_created_total"), 2);
    assert_eq!(d("nfdpi_verdicts_total{queue=\"0\",verdict=\"repeat\"}"), 2);
    assert_eq!(
        d("nfdpi_verdicts_total{queue=\"0\",verdict=\"accept\"}"),
        queued - 2,
        "every other queued packet got NF_ACCEPT"
    );
    assert_eq!(d("nfdpi_verdicts_total{queue=\"0\",verdict=\"drop\"}"), 0);
    assert_eq!(d("nfdpi_queue_packets_total{queue=\"0\"}"), queued);
    assert_eq!(d("nfdpi_engine_packets_total"), queued);
    assert_eq!(
        d("nfdpi_engine_verdicts_total{verdict=\"drop\"}"),
        1,
        "the packet that crossed the budget"
    );
    assert_eq!(
        d("nfdpi_packet_processing_seconds_count{queue=\"0\"}"),
        queued
    );
    assert_eq!(
        sample(&after, "nfdpi_fail_open_passes_total{queue=\"0\"}"),
        0
    );
    assert_eq!(sample(&after, "nfdpi_flows_tracked"), 2);
    assert!(sample(&after, "nfdpi_signature_protocols") > 10);
    // Loopback only, and nothing but GET /metrics.
    let socks = daemon_inet_sockets(lab.daemon_pid());
    assert_eq!(
        socks,
        vec![(
            "tcp".to_string(),
            format!("0100007F:{PORT:04X}"),
            "0A".to_string()
        )],
        "one listening socket, on 127.0.0.1"
    );
    assert_eq!(http_get(&lab, "127.0.0.1", "/").0, 404);
    assert_eq!(http_get(&lab, "127.0.0.1", "/-/reload").0, 404);
    let total = lab.queued_so_far();
    let log = lab.stop_daemon();
    assert_one_verdict_per_queued_packet(total, &log);
}

/// Without `--metrics` the daemon has no socket in the inet tables at all; a non-loopback
/// `--metrics` is refused with exit 2 unless `--metrics-allow-remote` spells it out.
#[test]
fn live_daemon_listens_on_nothing_without_metrics_and_loopback_only_unless_told() {
    let _g = serial();
    if !gate("live_daemon_listens_on_nothing_without_metrics_and_loopback_only_unless_told") {
        return;
    }
    let mut lab = Lab::new("mx2");
    lab.install_rules(&[]);
    lab.start_daemon(&["--no-signatures".into()]);
    assert_eq!(daemon_inet_sockets(lab.daemon_pid()), vec![]);
    lab.stop_daemon();
    let refused = Command::new("ip")
        .args(["netns", "exec", &lab.fw, BIN, "run", "--no-signatures"])
        .args(["--metrics", &format!("0.0.0.0:{PORT}")])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("not a loopback address"), "{err}");
    assert!(err.contains("--metrics-allow-remote"), "{err}");
    lab.start_daemon(&[
        "--no-signatures".into(),
        "--metrics".into(),
        format!("0.0.0.0:{PORT}"),
        "--metrics-allow-remote".into(),
    ]);
    let socks = daemon_inet_sockets(lab.daemon_pid());
    assert_eq!(
        socks,
        vec![(
            "tcp".to_string(),
            format!("00000000:{PORT:04X}"),
            "0A".to_string()
        )]
    );
    // Reachable on the firewall's own address, as asked.
    assert!(scrape(&lab, "10.77.1.1").contains("nfdpi_build_info"));
    lab.stop_daemon();
}

/// Records of a `classify --format jsonl` run.
fn classify_jsonl(files: &[PathBuf], extra: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(BIN)
        .arg("classify")
        .args(["--format", "jsonl"])
        .args(extra)
        .args(files)
        .output()
        .expect("classify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn pcaps_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    v.sort();
    v
}

/// The cut-flow log line (text, then JSON) names the flow, its counts each way and its first
/// payload bytes; `--capture-unknown` writes the flow's packets up to the one that cut it, and
/// `nfdpi classify` reads them back with the same cut; the directory belongs to the user the
/// daemon switches to.
#[test]
fn live_cut_flow_is_logged_and_captured_for_classify() {
    let _g = serial();
    if !gate("live_cut_flow_is_logged_and_captured_for_classify") {
        return;
    }
    let mut lab = Lab::new("mx3");
    lab.install_rules(&[]);
    // A parent the daemon's user can traverse; the directory itself is created by the daemon.
    let parent = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(
        parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let dir = parent.path().join("cut");
    lab.start_daemon(&[
        "--no-signatures".into(),
        "--user".into(),
        "nobody".into(),
        "--capture-unknown".into(),
        dir.display().to_string(),
    ]);
    let pair = lab.pair(40201, 5201);
    let mut seed = 0x5eed_0002;
    let mut steps: Vec<(Dir, Vec<u8>)> = vec![(Dir::ToServer, b"HELLO-nfdpi-1".to_vec())];
    steps.push((Dir::ToClient, b"\x00\x01reply".to_vec()));
    steps.extend((0..20).map(|_| (Dir::ToServer, random_bytes(1000, &mut seed))));
    let arrived = pair.replay(&steps).iter().filter(|a| **a).count();
    let log = lab.stop_daemon();
    let line = log
        .lines()
        .find(|l| l.contains("flow cut"))
        .unwrap_or_else(|| panic!("no cut-flow line:\n{log}"));
    eprintln!("{arrived} arrived; {line}");
    let flow = format!("flow=udp {} -> {}", pair.caddr, pair.saddr);
    for field in [
        flow.as_str(),
        "reason=\"budget\"",
        "protocol=\"Unknown\"",
        "packets_to_server=11",
        "packets_to_client=1",
        "bytes_to_server=10321", // 41 + 10 × 1028
        "bytes_to_client=35",
        "decided_at_packet=12",
        "first_payload_to_server=48454c4c4f2d6e666470692d31",
        "first_payload_to_client=00017265706c79",
        "suppressed=0",
    ] {
        assert!(line.contains(field), "`{field}` missing in: {line}");
    }
    // The capture: one file, owned by nobody, holding the 12 packets up to the cut.
    let files = pcaps_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let nobody = nfdpi::nfqueue::lookup_user("nobody").expect("nobody");
    assert_eq!(std::fs::metadata(&files[0]).unwrap().uid(), nobody.0);
    assert_eq!(std::fs::metadata(&dir).unwrap().uid(), nobody.0);
    assert!(line.contains(&format!(
        "capture=\"{}\"",
        files[0].file_name().unwrap().to_string_lossy()
    )));
    let recs = classify_jsonl(&files, &["--no-signatures"]);
    assert_eq!(recs.len(), 1, "{recs:?}");
    let r = &recs[0];
    assert_eq!(r["src"], pair.caddr.to_string());
    assert_eq!(r["dst"], pair.saddr.to_string());
    assert_eq!(r["verdict"], "drop");
    assert_eq!(r["decided_at_packet"], 12);
    assert_eq!(r["packets"], 12);

    // The same line as JSON, for log shippers.
    // With a set whose one rule came close (its prefix held, its length did not), the line
    // names that rule and its first failing test.
    let dir2 = lab._dir.path().join("cut2");
    let sig = lab._dir.path().join("hello.sig");
    std::fs::write(
        &sig,
        "protocol Hello id 9001 category Custom\n  rule hello\n    prefix \"HELLO-\"\n    len == 99\n",
    )
    .expect("write");
    lab.start_daemon(&[
        "--signatures".into(),
        sig.display().to_string(),
        "--log-format".into(),
        "json".into(),
        "--capture-unknown".into(),
        dir2.display().to_string(),
    ]);
    let pair = lab.pair(40202, 5202);
    pair.replay(&steps);
    let log = lab.stop_daemon();
    let obj: serde_json::Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["message"] == "flow cut")
        .unwrap_or_else(|| panic!("no JSON cut-flow line:\n{log}"));
    eprintln!("{obj}");
    assert_eq!(obj["flow"], format!("udp {} -> {}", pair.caddr, pair.saddr));
    assert_eq!(obj["reason"], "budget");
    assert_eq!(obj["packets_to_server"], 11);
    assert_eq!(obj["bytes_to_client"], 35);
    assert_eq!(obj["first_payload_to_server"], "48454c4c4f2d6e666470692d31");
    assert_eq!(obj["level"], "INFO");
    let nearest = obj["nearest"].as_str().unwrap_or_default();
    assert_eq!(
        nearest,
        "hello.sig:2 hello (Hello, 1/2 tests): packet 1: `len == 0x63`: want len == 0x63, found 13",
        "{obj}"
    );
}

/// A flood of cut flows: the capture directory stays within `--capture-max-bytes` and
/// `--capture-max-files` (the oldest files removed), the log lines are rate-limited with the
/// rest counted, and the metrics account for every cut flow.
#[test]
fn live_capture_stays_within_its_bounds_under_a_flood_of_cut_flows() {
    let _g = serial();
    if !gate("live_capture_stays_within_its_bounds_under_a_flood_of_cut_flows") {
        return;
    }
    const MAX_BYTES: u64 = 1 << 20;
    const FLOWS: u16 = 600;
    let mut lab = Lab::new("mx4");
    lab.install_rules(&[]);
    let dir = lab._dir.path().join("flood");
    lab.start_daemon(&[
        "--no-signatures".into(),
        "--budget".into(),
        "2KiB".into(),
        "--metrics".into(),
        format!("127.0.0.1:{PORT}"),
        "--capture-unknown".into(),
        dir.display().to_string(),
        "--capture-max-bytes".into(),
        "1MiB".into(),
        "--capture-max-files".into(),
        "4".into(),
        "--cut-log-rate".into(),
        "5".into(),
    ]);
    let cip = lab.client_ip();
    let client = Lab::socket(&lab.client, SocketAddr::new(IpAddr::V4(cip), 40300));
    let mut seed = 0x5eed_0003;
    let payload = random_bytes(1000, &mut seed);
    // Three 1000-byte datagrams per flow, each flow to a new port: cut at its second (two
    // are 2056 IP bytes, past 2 KiB); the third is dropped by the ruleset.
    for i in 0..FLOWS {
        let to = SocketAddr::new(IpAddr::V4(SERVER_IP), 20000 + i);
        for _ in 0..3 {
            let _ = client.send_to(&payload, to);
        }
        if i % 50 == 0 {
            thread::sleep(Duration::from_millis(5));
        }
    }
    // Let the daemon and the trace thread catch up.
    let end = Instant::now() + Duration::from_secs(10);
    let mut m = scrape(&lab, "127.0.0.1");
    while sample(&m, "nfdpi_cut_flows_traced_total")
        + sample(&m, "nfdpi_cut_flows_trace_dropped_total")
        < u64::from(FLOWS)
        && Instant::now() < end
    {
        thread::sleep(Duration::from_millis(100));
        m = scrape(&lab, "127.0.0.1");
    }
    thread::sleep(Duration::from_millis(300));
    let m = scrape(&lab, "127.0.0.1");
    promtool_check(&m);
    let files = pcaps_in(&dir);
    let on_disk: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    eprintln!("{} files, {on_disk} bytes\n{m}", files.len());
    assert_eq!(
        sample(&m, "nfdpi_flows_cut_total{reason=\"budget\"}"),
        u64::from(FLOWS)
    );
    assert!(on_disk <= MAX_BYTES, "{on_disk} bytes on disk");
    assert!(files.len() <= 4, "{files:?}");
    let written = sample(&m, "nfdpi_capture_written_bytes_total");
    assert!(
        written > MAX_BYTES,
        "the flood wrote more than the bound ({written})"
    );
    assert!(sample(&m, "nfdpi_capture_files_total{event=\"removed\"}") > 0);
    assert!(
        on_disk > MAX_BYTES / 2,
        "the newest flows are kept ({on_disk})"
    );
    let traced = sample(&m, "nfdpi_cut_flows_traced_total");
    let logged = sample(&m, "nfdpi_cut_flow_logs_total{outcome=\"written\"}");
    let suppressed = sample(&m, "nfdpi_cut_flow_logs_total{outcome=\"suppressed\"}");
    assert_eq!(logged + suppressed, traced);
    assert!(
        logged < 100 && suppressed > 0,
        "rate-limited: {logged} logged"
    );
    assert_eq!(
        sample(&m, "nfdpi_capture_flows_total")
            + sample(&m, "nfdpi_tap_skipped_flows_total")
            + sample(&m, "nfdpi_cut_flows_trace_dropped_total"),
        u64::from(FLOWS),
        "every cut flow captured or counted as not"
    );
    // The newest file reads back: every flow in it cut at its second packet.
    let last = files.last().expect("a capture file");
    let recs = classify_jsonl(
        std::slice::from_ref(last),
        &["--no-signatures", "--budget", "2KiB"],
    );
    assert!(!recs.is_empty());
    for r in &recs {
        assert_eq!(
            (&r["verdict"], &r["decided_at_packet"]),
            (&"drop".into(), &2.into()),
            "{r}"
        );
    }
    let log = lab.stop_daemon();
    assert!(log.contains("suppressed="), "{log}");
}
