//! `nfdpi explain` and `nfdpi check-signatures --against` end to end, on the shared captures:
//! a Skype/Teams flow names its rule and packet, a cut flow names its nearest rules and the
//! first test each failed, and explain's own walk agrees with `classify` on every flow of the
//! shared captures. The captures are read from `../shared` (see `tests/common`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;

fn nfdpi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nfdpi"));
    c.env_remove("NFDPI_SIGNATURES")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    c
}

fn run(args: &[&str]) -> Output {
    let out = nfdpi().args(args).output().expect("run nfdpi");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    out
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        other => other.to_string(),
    }
}

/// A Teams call flow: `explain --flow` (given server first) names the rule `classify` reports,
/// with its name, and the packet that decided the flow.
#[test]
fn a_skype_teams_flow_names_its_rule_and_packet() {
    let Some(pcap) = common::capture(
        "ndpi/teams.pcap",
        "a_skype_teams_flow_names_its_rule_and_packet",
    ) else {
        return;
    };
    let p = pcap.to_str().unwrap();
    let flows = lines(&run(&["classify", "--format", "jsonl", p]));
    // A flow decided at its match (a Teams relay); confirmed ones are the next test's.
    let call = flows
        .iter()
        .find(|f| {
            f["protocol"] == "Skype_TeamsCall"
                && f["decided_at_packet"].is_u64()
                && f["confirmed_at_packet"].is_null()
        })
        .expect("teams.pcap has a Skype_TeamsCall flow decided at its match");
    let spec = format!("udp {} {}", s(&call["dst"]), s(&call["src"]));
    let out = run(&["explain", "--flow", &spec, p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = text(&out);
    assert_eq!(t.matches(" (teams.pcap)").count(), 1, "{t}");
    let sig = s(&call["signature"]);
    let at = format!(") at packet {}\n", call["decided_at_packet"]);
    let matched = t
        .lines()
        .find(|l| l.trim_start().starts_with("matched: "))
        .unwrap_or_else(|| panic!("no `matched:` line:\n{t}"));
    assert!(matched.contains(&format!("matched: {sig} ")), "{t}");
    assert!(format!("{matched}\n").ends_with(&at), "{t}");
    // The rule's name sits between its location and the protocol.
    let name = matched.split_whitespace().nth(2).unwrap();
    assert!(!name.starts_with('('), "no rule name in `{matched}`");
    assert!(
        t.contains("  verdict: accept (Skype_TeamsCall) at packet"),
        "{t}"
    );
}

/// A call named by a rule with `confirm`: explain shows the packet the rule matched at, the
/// later packets that confirmed it (as many as the rule asks for, the last one the packet
/// `classify` says decided the flow) and their kinds, in text and JSON.
#[test]
fn a_confirmed_call_shows_the_packets_that_confirmed_it() {
    let Some(pcap) = common::capture(
        "ndpi/teams.pcap",
        "a_confirmed_call_shows_the_packets_that_confirmed_it",
    ) else {
        return;
    };
    let p = pcap.to_str().unwrap();
    let flows = lines(&run(&["classify", "--format", "jsonl", p]));
    let call = flows
        .iter()
        .find(|f| f["protocol"] == "Skype_TeamsCall" && f["confirmed_at_packet"].is_u64())
        .expect("teams.pcap has a confirmed Skype_TeamsCall flow");
    let decided = call["decided_at_packet"].as_u64().unwrap();
    assert_eq!(call["confirmed_at_packet"].as_u64(), Some(decided));
    let spec = format!("udp {} {}", s(&call["src"]), s(&call["dst"]));
    let a = &lines(&run(&["explain", "--format", "json", "--flow", &spec, p]))[0];
    let c = &a["walk"]["confirmation"];
    assert_eq!(c["state"], "confirmed", "{a}");
    let wants = s(&c["wants"]);
    let n: usize = wants.split(' ').nth(1).unwrap().parse().unwrap();
    let evidence = c["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), n, "{a}");
    let matched = a["walk"]["matched_at_packet"].as_u64().unwrap();
    let at: Vec<u64> = evidence
        .iter()
        .map(|e| e["packet"].as_u64().unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]) && at[0] > matched, "{a}");
    assert_eq!(at.last(), Some(&decided), "{a}");
    let by = s(&a["confirmed_by"]);
    assert!(by.contains(&format!(" {decided}")), "{by}");
    let t = text(&run(&["explain", "--flow", &spec, p]));
    let line = t
        .lines()
        .find(|l| l.trim_start().starts_with("confirmed by: "))
        .unwrap_or_else(|| panic!("no `confirmed by:` line:\n{t}"));
    assert_eq!(
        line.trim_start(),
        format!("confirmed by: {by} ({wants})"),
        "{t}"
    );
    assert!(t.contains(&format!(") at packet {matched}\n")), "{t}");
}

/// A flow the budget cut: its nearest rules each name the first test they failed, on a packet
/// the flow had before its decision, and a byte that fails is the byte the packet holds.
#[test]
fn a_cut_flow_names_its_nearest_rules_and_first_failing_test() {
    let Some(pcap) = common::capture(
        "ndpi/telegram.pcap",
        "a_cut_flow_names_its_nearest_rules_and_first_failing_test",
    ) else {
        return;
    };
    let p = pcap.to_str().unwrap();
    // Enough near misses that some fail on a single byte (the closest may miss on a port).
    let accounts = lines(&run(&[
        "explain",
        "--cut",
        "--nearest",
        "8",
        "--format",
        "json",
        p,
    ]));
    assert!(!accounts.is_empty(), "telegram.pcap has a cut flow");
    let mut bytes_checked = 0;
    for a in &accounts {
        assert_eq!(
            (s(&a["verdict"]), s(&a["protocol"])),
            ("drop".into(), "Unknown".into())
        );
        assert_eq!(a["walk"]["verdict"], "drop");
        let decided = a["decided_at_packet"].as_u64().unwrap();
        let near = a["nearest"].as_array().unwrap();
        assert!(!near.is_empty(), "no nearest rules: {a}");
        for n in near {
            let loc = s(&n["location"]);
            assert!(loc.contains(".sig:"), "{loc}");
            let m = &n["miss"];
            let packet = m["packet"].as_u64().unwrap();
            assert!((1..=decided).contains(&packet), "{n}");
            assert!(!s(&m["test"]).is_empty() && !s(&m["want"]).is_empty());
            // A single-byte field: the byte found is the packet's byte at that offset.
            let found = s(&m["found"]);
            if let (Some(b), true) = (
                m["byte"].as_u64(),
                found.len() == 4 && found.starts_with("0x"),
            ) {
                let row = &a["packets"][usize::try_from(packet - 1).unwrap()];
                let head: Vec<&str> = row["head"].as_str().unwrap().split(' ').collect();
                if let Some(h) = head.get(usize::try_from(b).unwrap()) {
                    assert_eq!(format!("0x{h}"), found, "{n}");
                    bytes_checked += 1;
                }
            }
        }
    }
    assert!(
        bytes_checked > 0,
        "no failing byte to check in {accounts:?}"
    );
    let t = text(&run(&["explain", "--cut", p]));
    assert!(
        t.contains("(cut: no rule named it within the budget of 10240 bytes)"),
        "{t}"
    );
    let near = t
        .split("  nearest rules:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{t}"));
    let first = near.lines().next().unwrap();
    assert!(
        first.contains(".sig:") && first.contains(": packet ") && first.contains("want "),
        "{first}"
    );
}

/// The shared captures (pcap and pcapng files of `ndpi/` and `ndpi-more/`), or `None` when
/// absent.
fn shared_captures(test: &str) -> Option<Vec<PathBuf>> {
    let mut all = Vec::new();
    for dir in ["ndpi", "ndpi-more"] {
        let d = common::shared_pcaps().join(dir);
        let Ok(rd) = std::fs::read_dir(&d) else {
            return common::absent(&d, test);
        };
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .collect();
        v.sort();
        all.extend(v);
    }
    Some(all)
}

/// Explain's walk (the matcher's every-rule reference path, apart from the engine) and
/// `classify` agree on every flow of the shared captures: verdict, deciding packet and rule.
/// One invocation of each over all captures, in JSON.
#[test]
fn explain_and_classify_agree_on_every_flow_of_the_shared_captures() {
    let test = "explain_and_classify_agree_on_every_flow_of_the_shared_captures";
    let Some(caps) = shared_captures(test) else {
        return;
    };
    let paths: Vec<&str> = caps.iter().map(|p| p.to_str().unwrap()).collect();
    let mut ex_args = vec!["explain", "--format", "json", "--transport", "udp,tcp"];
    ex_args.extend(&paths);
    let mut cl_args = vec!["classify", "--format", "jsonl", "--transport", "udp,tcp"];
    cl_args.extend(&paths);
    let (ex, cl) = (run(&ex_args), run(&cl_args));
    assert_eq!(ex.status.code(), cl.status.code());
    let (ex, cl) = (lines(&ex), lines(&cl));
    assert_eq!(
        ex.len(),
        cl.len(),
        "explain and classify report different flows"
    );
    assert!(ex.len() > 3000, "only {} flows", ex.len());
    let mut decided = 0;
    for (e, c) in ex.iter().zip(&cl) {
        let id = |v: &Value| [&v["pcap"], &v["transport"], &v["src"], &v["dst"]].map(s);
        assert_eq!(id(e), id(c));
        let w = &e["walk"];
        assert_eq!(
            (&w["verdict"], &w["decided_at_packet"], &w["signature"]),
            (&c["verdict"], &c["decided_at_packet"], &c["signature"]),
            "explain's walk disagrees with classify on {:?}",
            id(c)
        );
        assert_eq!(e["decided_at_bytes"], c["decided_at_bytes"]);
        decided += usize::from(c["decided_at_packet"].is_u64());
    }
    assert!(decided > 1000, "only {decided} decided flows");
}

/// `check-signatures --against DIR DRAFT`: a draft that names a flow of the directory's
/// captures lists it (capture, flow, packet, rule); a draft that names none lists nothing.
#[test]
fn check_signatures_against_names_a_flow_with_a_draft_and_not_without() {
    let test = "check_signatures_against_names_a_flow_with_a_draft_and_not_without";
    let Some(pcap) = common::capture("ndpi/telegram.pcap", test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("unknown");
    std::fs::create_dir(&caps).unwrap();
    std::os::unix::fs::symlink(&pcap, caps.join("cut-0001.pcap")).unwrap();
    let draft = |port: u16| -> PathBuf {
        let p = dir.path().join(format!("draft{port}.sig"));
        let src = format!(
            "protocol DraftExample id 4000 category Custom\n  rule telegram-p2p\n    broad\n    transport udp\n    port {port}\n    packet first\n"
        );
        std::fs::write(&p, src).unwrap();
        p
    };
    let against = |sig: &Path| {
        let out = run(&[
            "check-signatures",
            "--against",
            caps.to_str().unwrap(),
            sig.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The count is the last line of standard error, after the draft's precision warnings.
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let summary = stderr.lines().last().unwrap_or_default().to_string();
        (text(&out), summary)
    };
    let (named, summary) = against(&draft(31480));
    assert_eq!(
        named,
        "cut-0001.pcap\tudp 192.168.1.77:23174 > 192.168.1.52:31480\tpacket 1\tdraft31480.sig:2 (DraftExample, drop)\n"
    );
    assert!(summary.starts_with("1 of "), "{summary}");
    let (none, summary) = against(&draft(31481));
    assert_eq!(none, "");
    assert!(summary.starts_with("0 of "), "{summary}");
}
