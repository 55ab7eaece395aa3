//! `nfdpi classify --metrics-file F`: the engine's metric families written once at the end, in
//! the Prometheus text format, counting exactly what the records say (flows decided by protocol
//! and verdict, cut by reason, created, packets), and accepted by `promtool check metrics`.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_nfdpi");

/// The value of one sample (`name{labels}` exactly as exposed), 0 when absent.
fn sample(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0, |v| v.parse::<f64>().expect("a number") as u64)
}

/// `promtool check metrics`, required where CI installs it (`NFDPI_REQUIRE_CORPUS=1` or
/// `NFDPI_E2E=1`), skipped with a note elsewhere.
fn promtool_check(text: &str) {
    let required = common::corpus_required() || std::env::var("NFDPI_E2E").as_deref() == Ok("1");
    let mut child = match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if required => panic!("promtool is required here but cannot run: {e}"),
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

#[test]
fn classify_metrics_file_counts_what_the_records_say() {
    let test = "classify_metrics_file_counts_what_the_records_say";
    let (Some(a), Some(b)) = (
        common::capture("ndpi/skype.pcap", test),
        common::capture("pcaps/quickstart.pcap", test),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nfdpi.prom");
    let out = Command::new(BIN)
        .args(["classify", "--format", "jsonl", "--metrics-file"])
        .arg(&file)
        .arg(&a)
        .arg(&b)
        .output()
        .expect("classify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("the metrics file");
    promtool_check(&text);
    let mut decided: BTreeMap<(String, String), u64> = BTreeMap::new();
    let (mut flows, mut packets) = (0u64, 0u64);
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let r: serde_json::Value = serde_json::from_str(l).expect("json");
        flows += 1;
        packets += r["packets"].as_u64().unwrap();
        let v = r["verdict"].as_str().unwrap();
        if v == "accept" || v == "drop" {
            let p = r["protocol"].as_str().unwrap().to_string();
            *decided.entry((p, v.to_string())).or_default() += 1;
        }
    }
    assert!(decided.len() > 2, "{decided:?}");
    for ((p, v), n) in &decided {
        let series = format!("nfdpi_flows_decided_total{{protocol=\"{p}\",verdict=\"{v}\"}}");
        assert_eq!(sample(&text, &series), *n, "{series}\n{text}");
    }
    let in_file: u64 = text
        .lines()
        .filter(|l| l.starts_with("nfdpi_flows_decided_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(in_file, decided.values().sum::<u64>(), "no other series");
    let unknown_drops = decided
        .get(&("Unknown".to_string(), "drop".to_string()))
        .copied()
        .unwrap_or(0);
    assert!(unknown_drops >= 1, "quickstart.pcap has a cut flow");
    assert_eq!(
        sample(&text, "nfdpi_flows_cut_total{reason=\"budget\"}"),
        unknown_drops
    );
    assert_eq!(sample(&text, "nfdpi_flows_created_total"), flows);
    assert_eq!(sample(&text, "nfdpi_flows_ended_total"), flows);
    assert_eq!(sample(&text, "nfdpi_flows_tracked"), 0);
    assert_eq!(sample(&text, "nfdpi_flows_tracked_max"), 1_000_000);
    assert!(sample(&text, "nfdpi_engine_packets_total") >= packets);
    // Only the engine's families: nothing the offline run cannot know.
    for absent in [
        "nfdpi_verdicts_total",
        "nfdpi_kernel_",
        "nfdpi_reloads_total",
        "nfdpi_capture",
    ] {
        assert!(!text.contains(absent), "{absent} in:\n{text}");
    }
}

#[test]
fn an_unwritable_metrics_file_is_a_runtime_error() {
    let Some(b) = common::capture("pcaps/quickstart.pcap", "an_unwritable_metrics_file") else {
        return;
    };
    let out = Command::new(BIN)
        .args([
            "classify",
            "--format",
            "jsonl",
            "--metrics-file",
            "/nonexistent/dir/x.prom",
        ])
        .arg(&b)
        .output()
        .expect("classify");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--metrics-file /nonexistent/dir/x.prom"),
        "{err}"
    );
}
