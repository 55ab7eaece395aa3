//! `nfdpi classify` end to end: these tests run the built binary on captures and compare its
//! flow records with what the captures hold. The shared nDPI captures give flow extraction
//! against nDPI's own results; the generated captures in `pcaps/` (see `pcaps/README.md` and
//! `examples/gen_pcaps.rs`) give exact budget, fragment and link-type figures; damaged files built
//! here check the exit codes and messages. Every run uses `--no-signatures`, so the results do
//! not move with the signature set.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;

fn nfdpi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nfdpi"));
    // Results to a pipe, logs quiet unless asked for.
    c.env_remove("NFDPI_SIGNATURES")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    c
}

/// `nfdpi classify --no-signatures --format jsonl ARGS...`
fn classify(args: &[&str], captures: &[&Path]) -> Output {
    classify_as("jsonl", args, captures)
}

/// `nfdpi classify --no-signatures --format FORMAT ARGS...`, checked for panics.
fn classify_as(format: &str, args: &[&str], captures: &[&Path]) -> Output {
    let out = nfdpi()
        .args(["classify", "--no-signatures", "--format", format])
        .args(args)
        .args(captures)
        .output()
        .expect("run nfdpi");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "nfdpi panicked:\n{stderr}");
    out
}

/// `nfdpi classify --format jsonl ARGS... CAPTURE` with signatures (the shipped set unless ARGS
/// name one), which must succeed: its flow records.
fn classify_with_signatures(args: &[&str], capture: &Path) -> Vec<Value> {
    let out = nfdpi()
        .args(["classify", "--format", "jsonl"])
        .args(args)
        .arg(capture)
        .output()
        .expect("run nfdpi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    flows(&out)
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcaps")
        .join(name)
}

/// The flow records of a JSON-lines report (the summary object left out).
fn flows(out: &Output) -> Vec<Value> {
    records(out)
        .into_iter()
        .filter(|v| v.get("summary").is_none())
        .collect()
}

fn records(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn summary(out: &Output) -> Value {
    records(out)
        .into_iter()
        .find(|v| v.get("summary").is_some())
        .expect("a summary object")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

/// The one flow between `src` and `dst` (either way round).
fn flow<'a>(flows: &'a [Value], src: &str, dst: &str) -> &'a Value {
    let found: Vec<_> = flows
        .iter()
        .filter(|f| {
            let (s, d) = (
                f["src"].as_str().unwrap_or(""),
                f["dst"].as_str().unwrap_or(""),
            );
            (s == src && d == dst) || (s == dst && d == src)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one flow {src} <-> {dst} expected, got {found:?}"
    );
    found[0]
}

/// Check a record's verdict, decision point and counters.
#[track_caller]
fn assert_flow(
    f: &Value,
    verdict: &str,
    at: Option<(u64, u64)>,
    packets: u64,
    bytes: u64,
    dropped: u64,
) {
    let got = (
        f["verdict"].as_str(),
        f["decided_at_packet"].as_u64(),
        f["decided_at_bytes"].as_u64(),
        f["packets"].as_u64(),
        f["bytes"].as_u64(),
        f["dropped_packets"].as_u64(),
    );
    let want = (
        Some(verdict),
        at.map(|a| a.0),
        at.map(|a| a.1),
        Some(packets),
        Some(bytes),
        Some(dropped),
    );
    assert_eq!(
        got, want,
        "(verdict, at packet, at bytes, packets, bytes, dropped) of {f}"
    );
}

// ---------------------------------------------------------------------------------------------
// The shared nDPI captures

/// One side of a flow as a comparable value: a parsed socket address, or the text when it does
/// not parse (so an odd spelling shows up as missing rather than crashing the test).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Endpoint {
    Addr(SocketAddr),
    Text(String),
}

fn endpoint(s: &str) -> Endpoint {
    s.parse()
        .map_or_else(|_| Endpoint::Text(s.to_string()), Endpoint::Addr)
}

type FlowId = (String, String, BTreeSet<Endpoint>);

fn flow_id(pcap: &str, transport: &str, a: &str, b: &str) -> FlowId {
    (
        pcap.to_string(),
        transport.to_ascii_lowercase(),
        [endpoint(a), endpoint(b)].into_iter().collect(),
    )
}

/// UDP flows of an nDPI expected-results file: lines like
/// `  12  UDP 192.168.1.34:13021 <-> 1.2.3.4:5555 [proto: ...]` (or `->`; IPv6 as
/// `[2001:db8::1]:53`), returned with the original line.
fn expected_udp_flows(pcap: &str, text: &str) -> Vec<(FlowId, String)> {
    text.lines()
        .filter_map(|line| {
            let t: Vec<&str> = line.split_whitespace().take(6).collect();
            match t.as_slice() {
                [n, "UDP", a, "<->" | "->", b, rest, ..]
                    if n.parse::<u32>().is_ok() && rest.starts_with('[') =>
                {
                    Some((
                        flow_id(pcap, "udp", a, b),
                        line.trim().chars().take(120).collect(),
                    ))
                }
                _ => None,
            }
        })
        .collect()
}

/// The captures of the shared set `set` (`ndpi` or `ndpi-more`) that have an nDPI
/// expected-results file, sorted; `None` (with the reason printed) when the folder is absent.
fn ndpi_captures(set: &str) -> Option<Vec<(PathBuf, PathBuf)>> {
    let dir = common::shared_pcaps().join(set);
    let Ok(entries) = fs::read_dir(&dir) else {
        return common::absent(&dir, &format!("the shared captures of {set}/"));
    };
    let mut out: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .filter_map(|p| {
            let expected = PathBuf::from(format!("{}.ndpi-expected.out", p.display()));
            expected.is_file().then_some((p, expected))
        })
        .collect();
    out.sort();
    assert!(
        !out.is_empty(),
        "no captures with expected results in {}",
        dir.display()
    );
    Some(out)
}

/// Every UDP flow nDPI reports for the captures of `set` is in nfdpi's report (same capture,
/// transport and endpoints): flow extraction, link types included, agrees with nDPI's reader.
fn every_udp_flow_of_the_set_appears(set: &str) {
    let Some(captures) = ndpi_captures(set) else {
        return;
    };
    let paths: Vec<&Path> = captures.iter().map(|(p, _)| p.as_path()).collect();
    let out = classify(&[], &paths);
    assert_eq!(
        code(&out),
        0,
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: BTreeSet<FlowId> = flows(&out)
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            flow_id(&s("pcap"), &s("transport"), &s("src"), &s("dst"))
        })
        .collect();
    let mut expected = 0;
    let mut missing = Vec::new();
    for (pcap, exp) in &captures {
        let name = pcap
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let text = fs::read_to_string(exp).unwrap_or_else(|e| panic!("{}: {e}", exp.display()));
        for (id, line) in expected_udp_flows(name, &text) {
            expected += 1;
            if !report.contains(&id) {
                missing.push(format!("{name}: {line}"));
            }
        }
    }
    assert!(
        expected > 0,
        "no UDP flow found in the expected files: is the line format still the same?"
    );
    for m in &missing {
        eprintln!("missing: {m}");
    }
    assert!(
        missing.is_empty(),
        "{set}/: {} of {expected} expected UDP flows missing from the report",
        missing.len()
    );
}

#[test]
fn every_ndpi_udp_flow_appears_in_the_report() {
    every_udp_flow_of_the_set_appears("ndpi");
}

/// The second shared set holds captures of other link types (PPI in `someip_sd_sample.pcap`)
/// and damaged headers nDPI's reader still reads (an IPv4 header length of 4 bytes in
/// `fuzz-2006-06-26-2594.pcap`).
#[test]
fn every_ndpi_more_udp_flow_appears_in_the_report() {
    every_udp_flow_of_the_set_appears("ndpi-more");
}

/// `score.py` over the report of the captures of `set` finds no nDPI flow missing.
fn score_py_finds_no_missing_flow_in(set: &str) {
    let test = format!("score_py_finds_no_missing_flow ({set}/)");
    let Some(captures) = ndpi_captures(set) else {
        return;
    };
    if Command::new("python3").arg("--version").output().is_err() {
        common::absent::<()>(Path::new("python3"), &test);
        return;
    }
    let score_py = common::root().join("../shared/tools/score.py");
    if !score_py.is_file() {
        common::absent::<()>(&score_py, &test);
        return;
    }
    let paths: Vec<&Path> = captures.iter().map(|(p, _)| p.as_path()).collect();
    let out = classify(&[], &paths);
    assert_eq!(code(&out), 0);
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.jsonl");
    fs::write(&report, &out.stdout).expect("write report");
    let score = Command::new("python3")
        .arg(&score_py)
        .arg(&report)
        .args(captures.iter().map(|(_, e)| e))
        .output()
        .expect("run score.py");
    let text = String::from_utf8_lossy(&score.stdout);
    assert!(
        score.status.success(),
        "score.py failed:\n{text}{}",
        String::from_utf8_lossy(&score.stderr)
    );
    let last = text.lines().last().unwrap_or_default();
    eprintln!("score.py {set}/: {last}");
    assert!(
        last.split_whitespace().any(|w| w == "missing=0"),
        "score.py {set}/: {last}"
    );
}

#[test]
fn score_py_finds_no_missing_flow() {
    score_py_finds_no_missing_flow_in("ndpi");
}

#[test]
fn score_py_finds_no_missing_flow_in_ndpi_more() {
    score_py_finds_no_missing_flow_in("ndpi-more");
}

// ---------------------------------------------------------------------------------------------
// The generated captures (figures from pcaps/README.md)

#[test]
fn unknown_udp_50k_is_cut_by_the_packet_that_passes_10kib() {
    let out = classify(&[], &[&shipped("unknown-udp-50k.pcap")]);
    assert_eq!(code(&out), 0);
    let f = flows(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0]["src"].as_str(), f[0]["dst"].as_str()),
        (Some("10.0.0.1:40000"), Some("10.0.0.2:9999"))
    );
    assert_eq!(
        (f[0]["transport"].as_str(), f[0]["protocol"].as_str()),
        (Some("udp"), Some("Unknown"))
    );
    // 10 × 1024 = 10240 is at the budget and passes; the 11th packet (11264) is cut.
    assert_flow(&f[0], "drop", Some((11, 11264)), 50, 51200, 40);
    assert_eq!(f[0]["first_seen"].as_f64(), Some(1_700_000_100.0));
    assert_eq!(f[0]["last_seen"].as_f64(), Some(1_700_000_100.098));
}

#[test]
fn unknown_udp_v6_vlan_is_cut_like_v4() {
    let out = classify(&[], &[&shipped("unknown-udp-v6-vlan.pcap")]);
    assert_eq!(code(&out), 0);
    let f = flows(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0]["src"].as_str(), f[0]["dst"].as_str()),
        (Some("[2001:db8::10]:40000"), Some("[2001:db8::20]:9999"))
    );
    assert_flow(&f[0], "drop", Some((11, 11264)), 50, 51200, 40);
}

#[test]
fn budget_edge_a_flow_exactly_at_the_budget_is_not_cut() {
    let cap = shipped("unknown-udp-50k.pcap");
    // One byte short of 11 packets: the 11th passes it.
    let f = flows(&classify(&["--budget", "11263"], &[&cap]));
    assert_flow(&f[0], "drop", Some((11, 11264)), 50, 51200, 40);
    // Exactly 11 packets: the 11th lands on the budget and passes; the 12th is cut.
    let f = flows(&classify(&["--budget", "11264"], &[&cap]));
    assert_flow(&f[0], "drop", Some((12, 12288)), 50, 51200, 39);
    // The spellings of the default budget agree.
    for b in ["10KiB", "10240"] {
        let f = flows(&classify(&["--budget", b], &[&cap]));
        assert_flow(&f[0], "drop", Some((11, 11264)), 50, 51200, 40);
    }
}

#[test]
fn budget_1mb_keeps_the_50k_flow_pending() {
    let out = classify(&["--budget", "1MB"], &[&shipped("unknown-udp-50k.pcap")]);
    assert_eq!(code(&out), 0);
    let f = flows(&out);
    assert_eq!(f.len(), 1);
    assert_flow(&f[0], "pending", None, 50, 51200, 0);
}

#[test]
fn fragments_count_toward_their_flow_and_make_no_flow_of_their_own() {
    let out = classify(&["--summary"], &[&shipped("fragmented-udp.pcap")]);
    assert_eq!(code(&out), 0);
    let f = flows(&out);
    assert_eq!(f.len(), 2, "only the IPv4 and the IPv6 flow: {f:?}");
    // 4 datagrams × (1500 + 1500 + 68) + a 128-byte reply; datagram 2 arrives last fragment first.
    let v4 = flow(&f, "10.0.0.1:5000", "10.0.0.2:6000");
    assert_eq!(
        v4["src"].as_str(),
        Some("10.0.0.1:5000"),
        "the client sent the first fragment"
    );
    assert_flow(v4, "drop", Some((11, 10832)), 13, 12400, 3);
    let v6 = flow(&f, "[2001:db8::1]:5000", "[2001:db8::2]:6000");
    assert_flow(v6, "pending", None, 2, 2104, 0);
    let c = &summary(&out)["counters"];
    assert_eq!(
        (
            c["fragments"].as_u64(),
            c["fragments_orphaned"].as_u64(),
            c["malformed"].as_u64()
        ),
        (Some(14), Some(0), Some(0)),
        "{c}"
    );
}

/// Offline says what live does: the default ruleset queues UDP only, so by default no TCP flow is
/// inspected, budgeted or cut (teams.pcap's TCP/443 flows used to be reported as `drop`); with
/// `--transport udp,tcp` (the ruleset's option too) they are, and UDP flows are unchanged.
#[test]
fn only_the_inspected_transports_are_decided() {
    let Some(cap) = common::capture(
        "ndpi/teams.pcap",
        "only_the_inspected_transports_are_decided",
    ) else {
        return;
    };
    let default = flows(&classify(&[], &[&cap]));
    let both = flows(&classify(&["--transport", "udp,tcp"], &[&cap]));
    let tcp_only = flows(&classify(&["--transport", "tcp"], &[&cap]));
    let by = |f: &[Value], t: &str, v: &str| {
        f.iter()
            .filter(|r| r["transport"] == t && r["verdict"] == v)
            .count()
    };
    let tcp = default.iter().filter(|r| r["transport"] == "tcp").count();
    assert!(tcp > 0);
    assert_eq!(by(&default, "tcp", "uninspected"), tcp);
    assert_eq!(by(&default, "udp", "uninspected"), 0);
    assert!(
        by(&both, "tcp", "drop") > 0,
        "big TCP flows are cut when TCP is inspected"
    );
    assert_eq!(by(&both, "tcp", "uninspected"), 0);
    let udp = |f: &[Value]| -> Vec<String> {
        f.iter()
            .filter(|r| r["transport"] == "udp")
            .map(Value::to_string)
            .collect()
    };
    assert_eq!(udp(&default), udp(&both));
    assert_eq!(
        by(&tcp_only, "udp", "uninspected"),
        udp(&default).len(),
        "--transport tcp leaves UDP uninspected"
    );
}

#[test]
fn quickstart_flows() {
    let out = classify(&[], &[&shipped("quickstart.pcap")]);
    assert_eq!(code(&out), 0);
    let f = flows(&out);
    assert_eq!(f.len(), 6, "{f:?}");
    let h = "192.168.1.10";
    assert_flow(
        flow(&f, &format!("{h}:53001"), "192.168.1.1:53"),
        "pending",
        None,
        2,
        130,
        0,
    );
    assert_flow(
        flow(&f, &format!("{h}:123"), "192.0.2.123:123"),
        "pending",
        None,
        2,
        152,
        0,
    );
    assert_flow(
        flow(&f, &format!("{h}:50000"), "192.0.2.3:3478"),
        "pending",
        None,
        2,
        108,
        0,
    );
    // TCP is not inspected by default (the default ruleset queues UDP only): it passes.
    let tcp = flow(&f, &format!("{h}:51000"), "203.0.113.80:80");
    assert_eq!(tcp["transport"].as_str(), Some("tcp"));
    assert_flow(tcp, "uninspected", None, 6, 320, 0);
    let out = classify(&["--transport", "udp,tcp"], &[&shipped("quickstart.pcap")]);
    let f = flows(&out);
    let tcp = flow(&f, &format!("{h}:51000"), "203.0.113.80:80");
    assert_flow(tcp, "pending", None, 6, 320, 0);
    assert_flow(
        flow(&f, &format!("{h}:40000"), "203.0.113.5:7000"),
        "drop",
        Some((11, 11000)),
        20,
        20000,
        10,
    );
    assert_flow(
        flow(&f, &format!("{h}:41000"), "203.0.113.9:9000"),
        "pending",
        None,
        3,
        444,
        0,
    );
    for r in &f {
        assert_eq!(
            r["src"].as_str().map(|s| s.starts_with(h)),
            Some(true),
            "client first: {r}"
        );
    }
}

/// The quick-start packets behind every other container and link layer give the very records
/// of `quickstart.pcap`: pcapng, Linux SLL and SLL2, PPP, Cisco HDLC, and 802.11 behind radiotap
/// (QoS data frames, FCS at the end) and PPI (802.11-Common field announcing the FCS).
#[test]
fn every_container_and_link_type_gives_the_same_flows_as_pcap() {
    let strip = |name: &str| -> Vec<Value> {
        let out = classify(&[], &[&shipped(name)]);
        assert_eq!(
            code(&out),
            0,
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        flows(&out)
            .into_iter()
            .map(|mut v| {
                v.as_object_mut().map(|o| o.remove("pcap"));
                v
            })
            .collect()
    };
    let reference = strip("quickstart.pcap");
    assert_eq!(reference.len(), 6);
    for other in [
        "quickstart.pcapng",
        "quickstart-sll.pcap",
        "quickstart-sll2.pcap",
        "quickstart-ppp.pcap",
        "quickstart-chdlc.pcap",
        "quickstart-radiotap.pcap",
        "quickstart-ppi.pcap",
    ] {
        assert_eq!(
            strip(other),
            reference,
            "{other} differs from quickstart.pcap"
        );
    }
}

/// The radiotap capture opens with a beacon and a QoS null frame: read, counted as carrying no
/// IP, and no flow of their own.
#[test]
fn radiotap_frames_without_a_packet_are_counted_as_non_ip() {
    let out = classify(&["--summary"], &[&shipped("quickstart-radiotap.pcap")]);
    assert_eq!(code(&out), 0);
    let c = &summary(&out)["counters"];
    assert_eq!(
        (
            c["non_ip"].as_u64(),
            c["malformed"].as_u64(),
            c["packets"].as_u64()
        ),
        (Some(2), Some(0), Some(37))
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let names = [
        "unknown-udp-50k.pcap",
        "unknown-udp-v6-vlan.pcap",
        "fragmented-udp.pcap",
        "quickstart.pcap",
        "quickstart.pcapng",
        "quickstart-sll.pcap",
        "quickstart-sll2.pcap",
        "quickstart-ppp.pcap",
        "quickstart-chdlc.pcap",
        "quickstart-radiotap.pcap",
        "quickstart-ppi.pcap",
    ];
    let caps: Vec<PathBuf> = names.iter().map(|n| shipped(n)).collect();
    let caps: Vec<&Path> = caps.iter().map(PathBuf::as_path).collect();
    for format in ["jsonl", "table"] {
        let run = || classify_as(format, &["--summary"], &caps);
        let (a, b) = (run(), run());
        assert_eq!(code(&a), 0, "{}", String::from_utf8_lossy(&a.stderr));
        assert!(!a.stdout.is_empty());
        assert!(a.stdout == b.stdout, "--format {format}: two runs differ");
    }
}

/// The records of a classic little-endian microsecond pcap as (seconds, microseconds, frame).
fn frames(pcap: &[u8]) -> Vec<(u32, u32, Vec<u8>)> {
    let le = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap());
    split_records(pcap)
        .1
        .iter()
        .map(|r| (le(&r[0..4]), le(&r[4..8]), r[16..].to_vec()))
        .collect()
}

#[test]
fn nanosecond_big_endian_and_pcapng_nanosecond_variants_give_the_same_flows() {
    let frames = frames(&fs::read(shipped("quickstart.pcap")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    // Classic pcap with nanosecond timestamps (magic 0xa1b23c4d); 7 ns past each microsecond,
    // which the report's microsecond timestamps drop.
    let header = |magic: u32, be: bool| -> Vec<u8> {
        // magic, version 2.4, thiszone, sigfigs, snaplen, LINKTYPE_ETHERNET
        let (m, fields) = (magic, [0u32, 0, 65535, 1]);
        let mut h = if be {
            m.to_be_bytes().to_vec()
        } else {
            m.to_le_bytes().to_vec()
        };
        for v in [2u16, 4] {
            h.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
        }
        for v in fields {
            h.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
        }
        h
    };
    let mut nanos = header(0xa1b2_3c4d, false);
    // Big-endian classic pcap, microseconds.
    let mut be = header(0xa1b2_c3d4, true);
    // pcapng whose interface says if_tsresol = 9 (nanoseconds).
    let mut ng = Vec::new();
    for v in [0x0a0d_0d0au32, 28, 0x1a2b_3c4d, 0x0000_0001] {
        ng.extend_from_slice(&v.to_le_bytes());
    }
    ng.extend_from_slice(&(-1i64).to_le_bytes());
    ng.extend_from_slice(&28u32.to_le_bytes());
    // IDB: Ethernet, snaplen, option if_tsresol (9) of length 1 = 9, padded; opt_endofopt.
    for v in [1u32, 32, 1, 65535, 0x0001_0009, 9, 0, 32] {
        ng.extend_from_slice(&v.to_le_bytes());
    }
    for (sec, usec, data) in &frames {
        let len = data.len() as u32;
        for v in [*sec, *usec * 1000 + 7, len, len] {
            nanos.extend_from_slice(&v.to_le_bytes());
        }
        nanos.extend_from_slice(data);
        for v in [*sec, *usec, len, len] {
            be.extend_from_slice(&v.to_be_bytes());
        }
        be.extend_from_slice(data);
        let ts = u64::from(*sec) * 1_000_000_000 + u64::from(*usec) * 1000 + 7;
        let padded = data.len().div_ceil(4) * 4;
        let total = 32 + padded as u32;
        for v in [6u32, total, 0, (ts >> 32) as u32, ts as u32, len, len] {
            ng.extend_from_slice(&v.to_le_bytes());
        }
        ng.extend_from_slice(data);
        ng.resize(ng.len() + padded - data.len(), 0);
        ng.extend_from_slice(&total.to_le_bytes());
    }
    let strip = |path: &Path| -> Vec<Value> {
        let out = classify(&[], &[path]);
        assert_eq!(
            code(&out),
            0,
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        flows(&out)
            .into_iter()
            .map(|mut v| {
                v.as_object_mut().map(|o| o.remove("pcap"));
                v
            })
            .collect()
    };
    let reference = strip(&shipped("quickstart.pcap"));
    for (name, bytes) in [
        ("nanos.pcap", nanos),
        ("big-endian.pcap", be),
        ("nanos.pcapng", ng),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        assert_eq!(
            strip(&path),
            reference,
            "{name} differs from quickstart.pcap"
        );
    }
}

#[test]
fn idle_udp_flow_expires_and_comes_back_as_a_new_record() {
    let pcap = fs::read(shipped("quickstart.pcap")).unwrap();
    let mut frames = frames(&pcap);
    // The short flow's last packet (the capture's last) 200 s later: past the 120 s UDP timeout.
    frames.last_mut().unwrap().0 += 200;
    let mut bytes = pcap[..24].to_vec();
    for (sec, usec, data) in &frames {
        for v in [*sec, *usec, data.len() as u32, data.len() as u32] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(data);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap.pcap");
    fs::write(&path, bytes).unwrap();

    let f = flows(&classify(&[], &[&path]));
    assert_eq!(f.len(), 7, "the short flow twice: {f:?}");
    let short: Vec<&Value> = f
        .iter()
        .filter(|r| r["dst"].as_str() == Some("203.0.113.9:9000"))
        .collect();
    assert_eq!(short.len(), 2, "{f:?}");
    assert_flow(short[0], "pending", None, 2, 216, 0);
    assert_flow(short[1], "pending", None, 1, 228, 0);
    assert_eq!(short[1]["first_seen"].as_f64(), Some(1_700_000_200.62));
    // The expired records come out before the flow that came back.
    assert_eq!(
        f.last().map(|r| r["first_seen"].as_f64()),
        Some(Some(1_700_000_200.62))
    );

    let f = flows(&classify(&["--udp-timeout", "300"], &[&path]));
    assert_eq!(f.len(), 6, "within a 300 s timeout it is one flow: {f:?}");
    assert_flow(
        flow(&f, "192.168.1.10:41000", "203.0.113.9:9000"),
        "pending",
        None,
        3,
        444,
        0,
    );
}

#[test]
fn thread_count_does_not_change_the_output() {
    let mut caps = vec![
        shipped("fragmented-udp.pcap"),
        shipped("quickstart.pcap"),
        shipped("unknown-udp-50k.pcap"),
        shipped("unknown-udp-v6-vlan.pcap"),
    ];
    // The shared captures too, when present: many flows, idle timeouts, fragments, tunnels.
    caps.extend(
        ndpi_captures("ndpi")
            .unwrap_or_default()
            .into_iter()
            .map(|(p, _)| p),
    );
    let caps: Vec<&Path> = caps.iter().map(PathBuf::as_path).collect();
    // Several captures: one thread per capture, written in the order given.
    let one = classify(&["--threads", "1", "--summary"], &caps);
    assert_eq!(code(&one), 0);
    let four = classify(&["--threads", "4", "--summary"], &caps);
    assert_eq!(code(&four), 0);
    assert!(
        one.stdout == four.stdout,
        "--threads 4 differs from --threads 1"
    );
    assert_eq!(
        String::from_utf8_lossy(&one.stderr),
        String::from_utf8_lossy(&four.stderr)
    );
}

/// The flow cap is the same whatever the thread count: `--max-flows 2` keeps two flows of each
/// capture (the others are refused and not reported) with one thread or four, for one capture
/// and for several. (With one table per thread, the cap used to multiply by the thread count.)
#[test]
fn flow_cap_does_not_depend_on_the_thread_count() {
    let q = shipped("quickstart.pcap");
    let f = shipped("fragmented-udp.pcap");
    for caps in [
        vec![q.as_path()],
        vec![q.as_path(), f.as_path(), q.as_path()],
    ] {
        let runs: Vec<Output> = ["1", "2", "4"]
            .iter()
            .map(|t| classify(&["--max-flows", "2", "--threads", t, "--summary"], &caps))
            .collect();
        for r in &runs {
            assert_eq!(code(r), 0, "{}", String::from_utf8_lossy(&r.stderr));
            assert!(
                r.stdout == runs[0].stdout,
                "output differs between thread counts"
            );
            assert_eq!(r.stderr, runs[0].stderr);
        }
        let records = flows(&runs[0]).len();
        assert_eq!(
            records,
            2 * caps.len(),
            "two flows per capture under --max-flows 2"
        );
    }
}

#[test]
fn several_captures_in_parallel_keep_errors_and_order() {
    // Bad inputs between good ones: every error is reported for its own file, in order, and
    // the good captures' flows are all there, as with one thread.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let junk = dir.path().join("junk.pcap");
    std::fs::write(&junk, b"this is not a capture at all, not even close").unwrap();
    let cut = dir.path().join("cut.pcap");
    let whole = std::fs::read(shipped("unknown-udp-50k.pcap")).unwrap();
    std::fs::write(&cut, &whole[..whole.len() - 300]).unwrap();
    let (a, b) = (shipped("quickstart.pcap"), shipped("fragmented-udp.pcap"));
    let caps = [&a, &empty, &b, &junk, &cut, &a];
    let caps: Vec<&Path> = caps.iter().map(|p| p.as_path()).collect();
    let one = classify(&["--threads", "1"], &caps);
    let two = classify(&["--threads", "2"], &caps);
    assert_eq!(code(&one), 2);
    assert_eq!(code(&two), 2);
    assert!(one.stdout == two.stdout, "flows differ");
    let err = String::from_utf8_lossy(&two.stderr);
    assert_eq!(String::from_utf8_lossy(&one.stderr), err);
    let at = |s: &str| {
        err.find(s)
            .unwrap_or_else(|| panic!("{s} missing in:\n{err}"))
    };
    assert!(at("empty.pcap: empty file") < at("junk.pcap: not a pcap"));
    assert!(at("junk.pcap: not a pcap") < at("cut.pcap: capture cut short"));
}

// ---------------------------------------------------------------------------------------------
// Damaged input

/// Byte offsets where each record of a classic little-endian pcap starts (from the record
/// headers' captured lengths), to cut a capture at a known place.
fn record_offsets(pcap: &[u8]) -> Vec<usize> {
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= pcap.len() {
        out.push(at);
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
    }
    out
}

#[test]
fn truncated_capture_reports_flows_so_far_and_warns_with_the_offset() {
    let whole = fs::read(shipped("quickstart.pcap")).unwrap();
    let offsets = record_offsets(&whole);
    assert_eq!(offsets.len(), 35);
    let last = *offsets.last().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Cut inside the last record's data, then inside its 16-byte header.
    for (cut, what) in [(whole.len() - 50, "data"), (last + 7, "header")] {
        let path = dir.path().join(format!("cut-in-{what}.pcap"));
        fs::write(&path, &whole[..cut]).unwrap();
        let out = classify(&[], &[&path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 0, "cut in {what}: {stderr}");
        let f = flows(&out);
        assert_eq!(f.len(), 6, "cut in {what}: {f:?}");
        // The short flow lost its last packet (200 payload bytes); the rest are whole.
        assert_flow(
            flow(&f, "192.168.1.10:41000", "203.0.113.9:9000"),
            "pending",
            None,
            2,
            216,
            0,
        );
        let warning = stderr
            .lines()
            .find(|l| l.contains("warning") && l.contains(&format!("cut-in-{what}.pcap")))
            .unwrap_or_else(|| panic!("cut in {what}: no warning naming the file:\n{stderr}"));
        assert!(
            warning.contains(&last.to_string()),
            "cut in {what}: the warning should give offset {last}: {warning}"
        );
    }
}

/// Run `bad` followed by a good capture: exit 2, one error line naming `bad` (containing
/// `reason`), and the good capture's flows still reported.
fn assert_rejected(bad: &Path, reason: &str) {
    let good = shipped("quickstart.pcap");
    let out = classify(&[], &[bad, &good]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "{}: {stderr}", bad.display());
    let name = bad.file_name().unwrap().to_str().unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(name)).collect();
    assert_eq!(lines.len(), 1, "one error line naming {name}:\n{stderr}");
    assert!(
        lines[0].to_lowercase().contains(reason),
        "the error should say {reason:?}: {}",
        lines[0]
    );
    let f = flows(&out);
    assert_eq!(
        f.len(),
        6,
        "the good capture after {name} is still processed"
    );
    assert!(f
        .iter()
        .all(|r| r["pcap"].as_str() == Some("quickstart.pcap")));
}

#[test]
fn random_bytes_are_rejected_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.bin");
    // xorshift64: fixed seed, so the file is the same on every run.
    let mut x = 0x0123_4567_89ab_cdefu64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    fs::write(&path, bytes).unwrap();
    assert_rejected(&path, "not a pcap");
}

#[test]
fn empty_file_is_rejected_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.pcap");
    fs::write(&path, b"").unwrap();
    assert_rejected(&path, "empty");
}

#[test]
fn unknown_link_type_is_rejected_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("linktype-147.pcap");
    let mut f = fs::File::create(&path).unwrap();
    let ip = {
        let mut whole = fs::read(shipped("quickstart.pcap")).unwrap();
        // The first frame (a DNS query), keeping its record header.
        let caplen = u32::from_le_bytes(whole[32..36].try_into().unwrap()) as usize;
        whole.drain(..24);
        whole.truncate(16 + caplen);
        whole
    };
    // pcap file header: magic, 2.4, zone, sigfigs, snaplen, LINKTYPE_USER0 (147).
    f.write_all(&0xa1b2_c3d4u32.to_le_bytes()).unwrap();
    f.write_all(&2u16.to_le_bytes()).unwrap();
    f.write_all(&4u16.to_le_bytes()).unwrap();
    for v in [0u32, 0, 65535, 147] {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
    f.write_all(&ip).unwrap();
    drop(f);
    assert_rejected(&path, "link type");
}

#[test]
fn pcapng_with_no_supported_interface_is_rejected_with_exit_2() {
    let mut ng = fs::read(shipped("quickstart.pcapng")).unwrap();
    // The IDB follows the 28-byte SHB; its link type is the 2 bytes after type and length.
    assert_eq!(ng[28..32], 1u32.to_le_bytes(), "an IDB at offset 28");
    ng[36..38].copy_from_slice(&147u16.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("linktype-147.pcapng");
    fs::write(&path, ng).unwrap();
    assert_rejected(&path, "link type");
}

/// Records of a classic pcap, each with its 16-byte header, and the file header.
fn split_records(pcap: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let offsets = record_offsets(pcap);
    let ends = offsets.iter().skip(1).copied().chain([pcap.len()]);
    let records = offsets
        .iter()
        .zip(ends)
        .map(|(&a, b)| pcap[a..b].to_vec())
        .collect();
    (pcap[..24].to_vec(), records)
}

#[test]
fn fragments_whose_first_never_comes_make_no_flow() {
    let (header, mut records) = split_records(&fs::read(shipped("fragmented-udp.pcap")).unwrap());
    assert_eq!(records.len(), 15);
    // Record 7 is the first fragment of datagram 2 (sent last fragment first): without it,
    // that datagram's other two fragments belong to no known flow.
    records.remove(6);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-first-fragment.pcap");
    fs::write(&path, [header, records.concat()].concat()).unwrap();
    let out = classify(&["--summary"], &[&path]);
    assert_eq!(code(&out), 0);
    let f = flows(&out);
    assert_eq!(f.len(), 2, "no flow made of orphaned fragments: {f:?}");
    // 12400 - 3068 for datagram 2: under the budget now.
    assert_flow(
        flow(&f, "10.0.0.1:5000", "10.0.0.2:6000"),
        "pending",
        None,
        10,
        9332,
        0,
    );
    assert_flow(
        flow(&f, "[2001:db8::1]:5000", "[2001:db8::2]:6000"),
        "pending",
        None,
        2,
        2104,
        0,
    );
}

#[test]
fn corrupt_record_length_reports_flows_so_far_and_exits_2() {
    let (header, mut records) = split_records(&fs::read(shipped("fragmented-udp.pcap")).unwrap());
    let at = 24 + records[..3].iter().map(Vec::len).sum::<usize>();
    // The 4th record claims 2 GiB of data.
    records[3][8..12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-record.pcap");
    fs::write(&path, [header, records.concat()].concat()).unwrap();
    let out = classify(&[], &[&path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("huge-record.pcap"))
        .unwrap_or_default();
    assert!(
        line.contains(&at.to_string()),
        "the error should give offset {at}: {stderr}"
    );
    // Datagram 1's three fragments were read before it.
    let f = flows(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_flow(&f[0], "pending", None, 3, 3068, 0);
}

#[test]
fn directory_is_rejected_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a-directory.pcap");
    fs::create_dir(&sub).unwrap();
    assert_rejected(&sub, "directory");
}

#[test]
fn missing_file_is_rejected_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_rejected(&dir.path().join("no-such-capture.pcap"), "cannot open");
}

// ---------------------------------------------------------------------------------------------
// Exit codes and the command line

#[test]
fn help_exits_0_and_documents_exit_codes() {
    let out = nfdpi().arg("--help").output().unwrap();
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Exit codes"),
        "--help should document the exit codes:\n{text}"
    );
    for args in [
        &["classify", "--help"][..],
        &["help", "classify"],
        &["--version"],
    ] {
        let out = nfdpi().args(args).output().unwrap();
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?} prints to stdout");
    }
}

#[test]
fn bad_flag_exits_2() {
    let cap = shipped("quickstart.pcap");
    let cap = cap.to_str().unwrap();
    for args in [
        &["classify", "--no-such-flag", cap][..],
        &["--no-such-flag", cap],
        &["classify"],
        &["no-such-command", cap],
    ] {
        let out = nfdpi().args(args).output().unwrap();
        assert_eq!(
            code(&out),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn unparsable_budget_exits_2() {
    let cap = shipped("quickstart.pcap");
    for budget in ["ten", "10XB", "-1", "", "1.5KiB"] {
        let out = nfdpi()
            .args(["classify", "--no-signatures"])
            .arg(format!("--budget={budget}"))
            .arg(&cap)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "--budget {budget:?}: {stderr}");
        assert!(
            stderr.contains("budget"),
            "--budget {budget:?}: the error should name the option: {stderr}"
        );
    }
}

#[test]
fn closed_stdout_is_not_an_error() {
    // Enough records to fill the pipe and the writer's buffer many times over, so nfdpi is
    // still writing when the reader goes away (`nfdpi classify ... | head -1`).
    let cap = shipped("quickstart.pcap");
    let mut child = nfdpi()
        .args(["classify", "--no-signatures", "--format", "jsonl"])
        .args(std::iter::repeat_n(&cap, 3000))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    {
        let mut r = BufReader::new(child.stdout.take().unwrap());
        r.read_line(&mut first).unwrap();
    } // the pipe's read end closes here
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(first.starts_with('{'), "{first}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code(&out), 0, "a closed pipe is not an error: {stderr}");
}

#[test]
fn stdin_dash_reads_a_capture() {
    for name in ["quickstart.pcap", "quickstart.pcapng"] {
        let cap = fs::read(shipped(name)).unwrap();
        // Whole, and as a slow pipe would deliver it: a first read shorter than the file header.
        for first in [cap.len(), 10] {
            let mut child = nfdpi()
                .args(["classify", "--no-signatures", "--format", "jsonl", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(&cap[..first]).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(100));
            stdin.write_all(&cap[first..]).unwrap();
            drop(stdin);
            let out = child.wait_with_output().unwrap();
            let what = format!("{name}, first write {first} bytes");
            assert_eq!(
                code(&out),
                0,
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let f = flows(&out);
            assert_eq!(f.len(), 6, "{what}");
            assert!(
                f.iter().all(|r| r["pcap"].as_str() == Some("-")),
                "{what}: {f:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Known engine bugs: each test shows one and is ignored until the fix lands (run them with
// `cargo test --test classify -- --ignored`).

/// A classic pcap (little-endian, microseconds) of `frames`, with link type `linktype`.
fn pcap_of(linktype: u32, frames: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 65535, linktype] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (sec, usec, data) in frames {
        for v in [*sec, *usec, data.len() as u32, data.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(data);
    }
    out
}

#[test]
fn ipv4_total_length_0_counts_the_captured_length() {
    // Captured on the sending host with segmentation offload, IPv4 total length reads 0; the
    // budget must count the bytes the packet has, or such a flow is never cut.
    let mut frames = frames(&fs::read(shipped("unknown-udp-50k.pcap")).unwrap());
    for (_, _, data) in &mut frames {
        data[14 + 2..14 + 4].copy_from_slice(&[0, 0]);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("total-length-0.pcap");
    fs::write(&path, pcap_of(1, &frames)).unwrap();
    let f = flows(&classify(&[], &[&path]));
    assert_flow(&f[0], "drop", Some((11, 11264)), 50, 51200, 40);
}

#[test]
fn fragments_never_placed_are_counted_as_orphaned_at_the_end() {
    let (header, mut records) = split_records(&fs::read(shipped("fragmented-udp.pcap")).unwrap());
    records.remove(6); // the first fragment of datagram 2: its other two never find a flow
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-first-fragment.pcap");
    fs::write(&path, [header, records.concat()].concat()).unwrap();
    let out = classify(&["--summary"], &[&path]);
    let c = &summary(&out)["counters"];
    assert_eq!(c["fragments_orphaned"].as_u64(), Some(2), "{c}");
}

#[test]
fn first_seen_is_the_earliest_fragment() {
    // Datagram 1 sent last fragment first: the flow's first packet is the capture's first.
    let mut frames = frames(&fs::read(shipped("fragmented-udp.pcap")).unwrap());
    let data: Vec<Vec<u8>> = frames[..3].iter().rev().map(|f| f.2.clone()).collect();
    for (f, d) in frames.iter_mut().zip(data) {
        f.2 = d;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("first-datagram-reversed.pcap");
    fs::write(&path, pcap_of(1, &frames)).unwrap();
    let f = flows(&classify(&[], &[&path]));
    let v4 = flow(&f, "10.0.0.1:5000", "10.0.0.2:6000");
    assert_flow(v4, "drop", Some((11, 10832)), 13, 12400, 3);
    assert_eq!(v4["first_seen"].as_f64(), Some(1_700_000_300.0), "{v4}");
}

#[test]
fn fragments_of_many_datagrams_all_count() {
    // 65,536 two-fragment datagrams from 10.0.0.1, then 10,000 from 10.0.0.3, 5 µs apart
    // (0.76 s, well inside the 30 s fragment timeout): every fragment belongs to its flow.
    let mut frames = Vec::new();
    let mut t = 0u32;
    for (src, n) in [(1u8, 65_536u32), (3, 10_000)] {
        for id in 0..n {
            // UDP header (length 8 + 24) and 24 bytes, cut after 16 bytes.
            let mut udp = Vec::new();
            for v in [5000u16, 6000, 32, 0] {
                udp.extend_from_slice(&v.to_be_bytes());
            }
            udp.extend_from_slice(&[b'x'; 24]);
            for (off, part) in [(0u16, &udp[..16]), (16, &udp[16..])] {
                let mut h = etherparse::Ipv4Header::new(
                    part.len() as u16,
                    64,
                    etherparse::IpNumber::UDP,
                    [10, 0, 0, src],
                    [10, 0, 0, 2],
                )
                .unwrap();
                h.identification = id as u16;
                h.more_fragments = off == 0;
                h.fragment_offset = etherparse::IpFragOffset::try_new(off / 8).unwrap();
                h.header_checksum = h.calc_header_checksum();
                let mut ip = h.to_bytes().to_vec();
                ip.extend_from_slice(part);
                frames.push((1_700_000_000 + t / 1_000_000, t % 1_000_000, ip));
                t += 5;
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many-fragmented-datagrams.pcap");
    fs::write(&path, pcap_of(101, &frames)).unwrap(); // LINKTYPE_RAW
    let out = classify(&["--budget", "1GB", "--summary"], &[&path]);
    let f = flows(&out);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_flow(
        flow(&f, "10.0.0.1:5000", "10.0.0.2:6000"),
        "pending",
        None,
        131_072,
        4_718_592,
        0,
    );
    assert_flow(
        flow(&f, "10.0.0.3:5000", "10.0.0.2:6000"),
        "pending",
        None,
        20_000,
        720_000,
        0,
    );
    assert_eq!(
        summary(&out)["counters"]["fragments_orphaned"].as_u64(),
        Some(0)
    );
}

/// Zoom's router hellos name a flow and its router framing confirms it, with the meeting-servers
/// address rule (which otherwise decides these flows at their first packet) taken out: every
/// zoom.pcap flow to the router 109.94.160.99:8801 is named Zoom by its hello, none is cut, and
/// the call (185 packets) is accepted at a later packet that confirmed it; the two short flows
/// end named and pending.
#[test]
fn zoom_router_flows_are_confirmed_by_their_framing_without_the_address_rule() {
    let test = "zoom_router_flows_are_confirmed_by_their_framing_without_the_address_rule";
    let Some(pcap) = common::capture("ndpi/zoom.pcap", test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    for entry in fs::read_dir(&shipped).expect("signatures/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sig") {
            let mut text = fs::read_to_string(&path).expect("read");
            if path.file_name().is_some_and(|n| n == "zoom.sig") {
                let at = text
                    .find("  rule meeting-servers")
                    .expect("zoom.sig has its address rule");
                text.truncate(at);
            }
            fs::write(dir.path().join(path.file_name().unwrap()), text).expect("write");
        }
    }
    let signatures = dir.path().to_str().expect("a UTF-8 path");
    let to_router: Vec<Value> = classify_with_signatures(&["--signatures", signatures], &pcap)
        .into_iter()
        .filter(|f| f["transport"] == "udp" && f["dst"] == "109.94.160.99:8801")
        .collect();
    assert_eq!(to_router.len(), 3, "{to_router:?}");
    for f in &to_router {
        assert_eq!(f["protocol"], "Zoom", "{f}");
        assert!(
            f["signature"]
                .as_str()
                .is_some_and(|s| s.starts_with("zoom.sig:")),
            "{f}"
        );
        assert_ne!(f["verdict"], "drop", "{f}");
    }
    let call = to_router
        .iter()
        .max_by_key(|f| f["packets"].as_u64())
        .expect("a flow");
    assert_eq!(call["verdict"], "accept", "{call}");
    let confirmed = call["confirmed_at_packet"].as_u64().expect("confirmed");
    assert_eq!(Some(confirmed), call["decided_at_packet"].as_u64());
    assert!(confirmed >= 5, "the hello and four frames: {call}");
}

/// IMO calls are named by their control datagrams and accepted once four later datagrams carry
/// IMO's length framing (imo.pcap: one call through a relay, one peer to peer); Telegram's relay
/// handshake, with Telegram allowed, once four later datagrams open with the call's peer tag.
/// Neither is accepted at the packet that named it.
#[test]
fn imo_and_telegram_relay_calls_are_accepted_on_their_own_confirmation() {
    let test = "imo_and_telegram_relay_calls_are_accepted_on_their_own_confirmation";
    let (Some(imo), Some(telegram)) = (
        common::capture("ndpi/imo.pcap", test),
        common::capture("ndpi/telegram.pcap", test),
    ) else {
        return;
    };
    let calls: Vec<Value> = classify_with_signatures(&[], &imo)
        .into_iter()
        .filter(|f| f["protocol"] == "IMO")
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    // Flows named by the relay rules, not by Telegram's address rule.
    let sig =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures/telegram.sig"))
            .expect("telegram.sig");
    let by_address = sig
        .lines()
        .position(|l| l.contains("rule telegram-networks"))
        .map(|i| format!("telegram.sig:{}", i + 1))
        .expect("telegram.sig has its address rule");
    let relays: Vec<Value> = classify_with_signatures(&["--allow", "Telegram"], &telegram)
        .into_iter()
        .filter(|f| f["protocol"] == "Telegram" && f["signature"] != by_address.as_str())
        .collect();
    assert!(relays.len() >= 5, "{relays:?}");
    for f in calls.iter().chain(&relays) {
        assert_eq!(f["verdict"], "accept", "{f}");
        let confirmed = f["confirmed_at_packet"].as_u64().expect("confirmed");
        assert!((2..=10).contains(&confirmed), "{f}");
    }
}
