//! The shipped signatures on real captures. `tests/protocol_flows.tsv` lists, for every shipped
//! protocol, flows of real captures (nDPI's shared test captures, or captures this project made
//! with real implementations under `pcaps/`) that the built binary must name as nDPI does, and
//! look-alike flows that must keep their own name. Shared captures are read from
//! `../shared/pcaps/`; when they are absent the test says so and skips, or fails under
//! `NFDPI_REQUIRE_CORPUS=1` (as CI runs it).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn nfdpi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nfdpi"));
    c.env_remove("NFDPI_SIGNATURES");
    c
}

/// One line of `tests/protocol_flows.tsv`.
#[derive(Debug, Clone)]
struct Expect {
    line: usize,
    protocol: String,
    capture: String,
    transport: String,
    a: String,
    b: String,
    why: String,
    /// Extra arguments: `--flag`s for `classify` (e.g. `--no-decapsulate`), and signature paths
    /// (relative to the crate) loaded after `signatures/`, for flows that need an opt-in file.
    extra: Vec<String>,
}

fn table() -> Vec<Expect> {
    let text = include_str!("protocol_flows.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(
                f.len() >= 6,
                "tests/protocol_flows.tsv:{}: expected at least 6 tab-separated fields, found {}",
                i + 1,
                f.len()
            );
            Expect {
                line: i + 1,
                protocol: f[0].into(),
                capture: f[1].into(),
                transport: f[2].into(),
                a: f[3].into(),
                b: f[4].into(),
                why: f[5].into(),
                extra: f
                    .get(6)
                    .map(|s| {
                        s.split(',')
                            .filter(|x| !x.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Classify a capture with the shipped set plus `extra`; (transport, endpoint, endpoint) →
/// protocol, both endpoint orders.
fn classify(path: &Path, extra: &[String]) -> BTreeMap<(String, String, String), String> {
    let mut cmd = nfdpi();
    // Both transports: these lines test the signatures, not which transports are inspected.
    cmd.args([
        "classify",
        "--transport",
        "udp,tcp",
        "--format",
        "jsonl",
        "--signatures",
    ])
    .arg(common::root().join("signatures"));
    for e in extra {
        if e.starts_with("--") {
            cmd.arg(e);
        } else {
            cmd.arg("--signatures").arg(common::root().join(e));
        }
    }
    let out = cmd.arg(path).output().expect("run nfdpi");
    assert!(
        out.status.success(),
        "nfdpi failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut flows = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(src), Some(dst), Some(t)) = (
            v["src"].as_str(),
            v["dst"].as_str(),
            v["transport"].as_str(),
        ) else {
            continue;
        };
        let p = v["protocol"].as_str().unwrap_or("").to_string();
        // The first record of the endpoints wins (a flow that expired and came back).
        flows
            .entry((t.into(), src.into(), dst.into()))
            .or_insert_with(|| p.clone());
        flows.entry((t.into(), dst.into(), src.into())).or_insert(p);
    }
    flows
}

/// Every line of the table holds: each capture is classified once (per set of extra files), and
/// every wrong or missing flow is reported, not only the first.
#[test]
fn shipped_signatures_name_the_flows_of_real_captures() {
    let mut by_capture: BTreeMap<(String, Vec<String>), Vec<Expect>> = BTreeMap::new();
    for e in table() {
        by_capture
            .entry((e.capture.clone(), e.extra.clone()))
            .or_default()
            .push(e);
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for ((cap, extra), expects) in &by_capture {
        let Some(path) = common::capture(cap, "shipped_signatures_name_the_flows_of_real_captures")
        else {
            continue;
        };
        let flows = classify(&path, extra);
        for e in expects {
            checked += 1;
            let got = flows.get(&(e.transport.clone(), e.a.clone(), e.b.clone()));
            if got != Some(&e.protocol) {
                failures.push(format!(
                    "tests/protocol_flows.tsv:{}: {} {} {} <-> {}: expected {}, found {} ({})",
                    e.line,
                    e.capture,
                    e.transport,
                    e.a,
                    e.b,
                    e.protocol,
                    got.map_or("no such flow", String::as_str),
                    e.why
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} flows wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn check_signatures_prints_a_summary() {
    let out = nfdpi()
        .arg("check-signatures")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.starts_with("ok: ") && s.contains("protocols") && s.contains("examples passed"),
        "{s}"
    );
}

/// `nfdpi check-signatures DIR`, DIR a fresh directory holding one file NAME with TEXT.
fn check_signatures_on(name: &str, text: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    nfdpi()
        .arg("check-signatures")
        .arg(dir.path())
        .output()
        .unwrap()
}

/// The warnings come in file and line order (not the matcher's precedence), once per place: an
/// nDPI line with two port specs is one rule line, one warning.
#[test]
fn check_signatures_warns_once_per_weak_rule_in_line_order() {
    let out = check_signatures_on(
        "weak.sig",
        "protocol Weak id 4001 category Custom\nrule low\n  transport udp\n  u8@0 == 0x17\nrule first-tried\n  priority 5\n  transport udp\n  u16@0 == 0x1718\n\ntcp:81,udp:5061-5062@MyVoice\n",
    );
    assert!(out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    let places: Vec<&str> = e
        .lines()
        .filter_map(|l| l.strip_prefix("nfdpi: warning: "))
        .filter_map(|l| l.split(" (").next())
        .collect();
    assert_eq!(places, ["weak.sig:2", "weak.sig:5", "weak.sig:10"], "{e}");
}

/// `check-signatures --against` loads a draft as `--signatures-add` loads a local file: a draft
/// that redeclares a shipped protocol is refused (the daemon would refuse it), and a weak draft
/// rule is warned about, while the shipped set's rules are not.
#[test]
fn check_signatures_against_loads_drafts_as_local_files_and_warns_about_weak_ones() {
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("caps");
    std::fs::create_dir(&caps).unwrap();
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pcaps/quickstart.pcap"),
        caps.join("q.pcap"),
    )
    .unwrap();
    let against = |name: &str, text: &str| {
        let draft = dir.path().join(name);
        std::fs::write(&draft, text).unwrap();
        nfdpi()
            .args(["check-signatures", "--against"])
            .arg(&caps)
            .arg(&draft)
            .output()
            .unwrap()
    };
    let redeclared = against(
        "tftp-more.sig",
        "protocol TFTP id 96 category DataTransfer\nrule more\n  transport udp\n  u32@0 == 0x00010203\n  u32@4 == 0x04050607\n",
    );
    let e = String::from_utf8_lossy(&redeclared.stderr);
    assert_eq!(redeclared.status.code(), Some(2), "{e}");
    assert!(
        e.contains("tftp-more.sig:1:1") && e.contains("`TFTP`"),
        "{e}"
    );
    let weak = against(
        "weak.sig",
        "protocol Weak id 4001 category Custom\nrule low\n  transport udp\n  u8@0 == 0x17\n",
    );
    let e = String::from_utf8_lossy(&weak.stderr);
    assert!(weak.status.success(), "{e}");
    assert!(
        e.contains("nfdpi: warning: weak.sig:2 (Weak): 8.0 bits"),
        "{e}"
    );
    assert_eq!(e.matches("warning:").count(), 1, "{e}");
}

/// An operator's rule that random traffic would match often loads (it is the operator's call)
/// but `check-signatures` says so, with its place and its bits; the shipped set gets no warning.
#[test]
fn check_signatures_warns_about_a_weak_rule_and_not_about_the_shipped_set() {
    let out = check_signatures_on(
        "mine.sig",
        "protocol Mine id 4000 category Custom\n  rule one-byte\n    u8@0 == 0x17\n  rule magic\n    u32@0 == 0x4e464450\n",
    );
    assert!(out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("nfdpi: warning: mine.sig:2 (Mine): 8.0 bits") && e.contains("Precision"),
        "{e}"
    );
    assert_eq!(e.matches("warning:").count(), 1, "{e}");
    let shipped = nfdpi()
        .arg("check-signatures")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures"))
        .output()
        .unwrap();
    assert!(shipped.status.success());
    assert!(
        !String::from_utf8_lossy(&shipped.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&shipped.stderr)
    );
}

#[test]
fn check_signatures_refuses_a_broken_set_with_every_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.sig"),
        "protocol P id 1 category Custom\n  rule r\n    transport sctp\n    len =! 3\n",
    )
    .unwrap();
    let out = nfdpi()
        .arg("check-signatures")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("a.sig:3:15: expected `udp` or `tcp`, found `sctp`"),
        "{e}"
    );
    assert!(e.contains("a.sig:4:9: expected a comparison"), "{e}");
    assert!(e.contains("    transport sctp\n") && e.contains("^"), "{e}");
    // classify refuses it too, with the same messages.
    let out = nfdpi()
        .args(["classify", "--signatures"])
        .arg(dir.path())
        .arg("-")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a.sig:3:15"));
}

/// Issue 9.1: a comment with multi-byte characters after a statement that does not belong
/// where it is used to panic the loader (exit 101); it is a refused set with the error's column
/// counted in characters.
#[test]
fn a_multi_byte_comment_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sig"), "hold # ééééé\n").unwrap();
    let out = nfdpi()
        .arg("check-signatures")
        .arg(dir.path())
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("a.sig:1:1: expected a `rule` line before tests and examples, found `hold`"),
        "{e}"
    );
    assert!(e.contains("1 | hold # ééééé\n"), "{e}");
}

/// `echo`: a DNS rule that needs the response to carry the query's identifier names the
/// answered exchanges of a real capture at their response, and leaves a flow of unanswered
/// queries (seven retries of one query) unnamed.
#[test]
fn echo_names_an_answered_dns_exchange_at_its_response() {
    let Some(path) = common::capture(
        "ndpi/skype.pcap",
        "echo_names_an_answered_dns_exchange_at_its_response",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dns.sig"),
        "protocol DNS id 5 category Network\n  rule r\n    transport udp\n    port 53\n    u16@2 & 0x7800 == 0\n    u16@4 in 1..16\n    echo u16@0\n",
    )
    .unwrap();
    let out = nfdpi()
        .args(["classify", "--format", "jsonl", "--signatures"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let flow = |src: &str| {
        records
            .iter()
            .find(|v| v["src"] == src && v["dst"] == "192.168.1.1:53")
            .unwrap_or_else(|| panic!("no flow from {src}"))
    };
    let answered = flow("192.168.1.34:64085");
    assert_eq!(
        (&answered["protocol"], &answered["decided_at_packet"]),
        (&serde_json::json!("DNS"), &serde_json::json!(2)),
        "{answered}"
    );
    let unanswered = flow("192.168.1.34:49163");
    assert_eq!(unanswered["protocol"], "Unknown", "{unanswered}");
    assert_eq!(unanswered["packets"], 7, "{unanswered}");
}

#[test]
fn check_signatures_refuses_an_empty_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = nfdpi()
        .arg("check-signatures")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no signatures found"));
}

/// Every protocol the shipped set can name has a line in `tests/protocol_flows.tsv`.
#[test]
fn every_shipped_protocol_is_tested_on_a_real_capture() {
    let dir = common::root().join("signatures");
    let set = nfdpi::signature::SignatureSet::load(&[dir]).expect("shipped set loads");
    let tested: Vec<String> = table().into_iter().map(|e| e.protocol).collect();
    // A protocol whose rule is always outranked on the shared captures is tested alone.
    let source = include_str!("signatures.rs");
    let alone = [("Skype_Teams", "fn skype_classic_repeat_alone()")];
    // Written from the protocol's format, with no capture in the corpora nor a Debian
    // implementation to make one: shipped on their examples alone, listed here so that the
    // exception stays visible.
    let unproven = [
        "Activision",    // 0C 02 / 0D 02 or 46 00 / 47 00 markers on several datagrams
        "AmongUs",       // Hazel hello with a plausible game version (~30 bits)
        "Blizzard",      // Warcraft Rumble hello (18 bytes, sequence 1), 23-byte hello
        "CiscoVPN",      // FE 57 7E 2B between two UDP 10000 endpoints
        "Crossfire",     // 25-byte hello C7 D9 19 99 02 00 ... 7D 00
        "CryNetwork",    // length byte, 08 ED and three fixed bytes
        "HOTS",          // 40 00 at 14 with 03 00 / 34 00 or a zero header, on its ports
        "KCP",           // one segment per datagram, stable conversation id (no raw KCP capture)
        "LagoFast",      // 00 6E 5D 03 and a length field that fits the datagram
        "Softether",     // NAT-T address and host-name packs
        "Source_Engine", // A2S queries: 0xFFFFFFFF then "TSource Engine Query"
        "Xbox",          // Xbox Live UDP headers
        "LineCall",      // LINE's framing to or from LINE's own addresses (AS38631)
        "Megaco",        // "MEGACO/1 [" or "!/1 [": RFC 3525's own examples
        "NOE",           // Alcatel-Lucent OmniPCX signalling shapes
        "NoMachine",     // NX UDP header: 1, the datagram's length, then zero
        "Roughtime",     // Google's tag maps (NONC/PAD, SIG/PATH/SREP/CERT/INDX)
        "TeamViewer",    // 00 at 0, 17 24 at 11 in two datagrams (or on 5938)
        "UBNTAC2",       // Ubiquiti discovery probe and TLV replies on 10001
        "ETHEREUM",      // discv4 framing: recovery id, packet type, RLP list to the end
        "Hamachi",       // three packets of one session word and a counter below 65536
        "GLBP",          // Hello or Request/Response TLV on 3222 (Wireshark's layout)
        "Thunder",       // three datagrams opening with a 0x30-0x3F little-endian version
        "AmazonVideo",   // DEADBEEF marker on the first datagram
        "Steam",         // "VS01" connection header whose size field ends the datagram
        "EAQ",           // four 16-byte datagrams among a flow's first eight, on 6000
        "EpicGames",     // Unreal Engine's stateless handshake (24 zero bytes from 10)
        "VMware",        // two 66-byte heartbeats opening 0xA4 to port 902
    ];
    let missing: Vec<&str> = set
        .protocol_names()
        .filter(|name| {
            let tested_alone = alone
                .iter()
                .any(|(n, test)| n == name && source.contains(test));
            !tested_alone && !unproven.contains(name) && !tested.iter().any(|t| t == name)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "shipped protocols without a line in tests/protocol_flows.tsv: {missing:?}"
    );
}

/// Skype_Teams (classic P2P rule B, `classic-repeat`, in the opt-in file) is always outranked
/// by Skype_TeamsCall on the shared captures, as nDPI names them. Loaded alone, its block names
/// the P2P flow.
#[test]
fn skype_classic_repeat_alone() {
    let Some(path) = common::capture("ndpi/skype_udp.pcap", "skype_classic_repeat_alone") else {
        return;
    };
    let shipped = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures/opt-in/skype_classic.sig"),
    )
    .unwrap();
    let block = &shipped[shipped
        .find("protocol Skype_Teams ")
        .expect("Skype_Teams block")..];
    let dir = std::env::temp_dir().join(format!("nfdpi-skype-alone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("skype_classic.sig"), block).unwrap();
    let out = nfdpi()
        .args(["classify", "--format", "jsonl", "--signatures"])
        .arg(&dir)
        .arg(&path)
        .output()
        .expect("run nfdpi");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    let flow = report
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| {
            let (s, d) = (v["src"].as_str(), v["dst"].as_str());
            s == Some("192.168.1.2:35990") && d == Some("24.224.190.149:39262")
                || s == Some("24.224.190.149:39262") && d == Some("192.168.1.2:35990")
        })
        .expect("the P2P flow is in the report");
    assert_eq!(flow["protocol"], "Skype_Teams", "{flow}");
    assert!(
        flow["signature"]
            .as_str()
            .is_some_and(|s| s.starts_with("skype_classic.sig:")),
        "{flow}"
    );
}
