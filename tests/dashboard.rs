//! `contrib/grafana-nfdpi.json` is an importable Grafana dashboard built on the metrics the
//! daemon exports: valid JSON, a Prometheus data-source variable every panel and query uses,
//! only metric names that exist in the exposition, and every query valid PromQL (checked with
//! `promtool check rules` where it is installed; required in CI).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use nfdpi::stats::{DaemonScrape, KernelCounters, QueueScrape, Scrape, TraceSnapshot};
use serde_json::Value;

fn dashboard() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/grafana-nfdpi.json"
    ))
    .expect("contrib/grafana-nfdpi.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Every query of every panel.
fn exprs(d: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().expect("panels") {
        for t in p["targets"].as_array().into_iter().flatten() {
            out.push(t["expr"].as_str().expect("expr").to_string());
        }
    }
    out
}

/// The metric names the daemon exposes (a full exposition: daemon, one queue, the trace, one
/// flow decided; a labelled family without a series has no sample to query).
fn exposed() -> BTreeSet<String> {
    let scrape = Scrape {
        decided: [(("Unknown".to_string(), "drop"), 1)].into(),
        daemon: Some(DaemonScrape {
            queues: vec![QueueScrape {
                queue: 0,
                kernel: Some(KernelCounters::default()),
                ..Default::default()
            }],
            ..Default::default()
        }),
        trace: Some(TraceSnapshot::default()),
        ..Default::default()
    };
    nfdpi::stats::render(&scrape)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_dashboard_uses_a_prometheus_datasource_variable_everywhere() {
    let d = dashboard();
    let vars = d["templating"]["list"].as_array().expect("templating.list");
    let ds = vars
        .iter()
        .find(|v| v["type"] == "datasource")
        .expect("a data-source variable");
    assert_eq!(ds["query"], "prometheus");
    let name = ds["name"].as_str().unwrap();
    let uid = format!("${{{name}}}");
    let mut queries = 0;
    for p in d["panels"].as_array().unwrap() {
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["type"], "prometheus", "{}", p["title"]);
        assert_eq!(p["datasource"]["uid"], uid.as_str(), "{}", p["title"]);
        for t in p["targets"].as_array().expect("targets") {
            assert_eq!(t["datasource"]["uid"], uid.as_str(), "{}", p["title"]);
            queries += 1;
        }
    }
    for v in vars.iter().filter(|v| v["type"] == "query") {
        assert_eq!(v["datasource"]["uid"], uid.as_str(), "{}", v["name"]);
    }
    assert!(queries >= 15);
    // Unique panel ids and a stable uid, as Grafana expects of an import.
    let ids: Vec<u64> = d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
    assert_eq!(d["uid"], "nfdpi");
}

#[test]
fn the_dashboard_queries_only_exposed_metrics() {
    let have = exposed();
    let d = dashboard();
    let mut used = BTreeSet::new();
    for e in exprs(&d) {
        let mut rest = e.as_str();
        while let Some(i) = rest.find("nfdpi_") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            used.insert(tail[..end].to_string());
            rest = &tail[end..];
        }
    }
    for m in &used {
        assert!(
            have.contains(m),
            "the dashboard queries {m}, which is not exposed"
        );
    }
    // Verdicts, cut flows, queue drops, fail-open, reloads, table size, processing time.
    for m in [
        "nfdpi_verdicts_total",
        "nfdpi_flows_cut_total",
        "nfdpi_kernel_queue_dropped_packets_total",
        "nfdpi_fail_open_passes_total",
        "nfdpi_reloads_total",
        "nfdpi_flows_tracked",
        "nfdpi_packet_processing_seconds_bucket",
    ] {
        assert!(used.contains(m), "the dashboard does not show {m}");
    }
}

#[test]
fn the_dashboard_queries_are_valid_promql() {
    let d = dashboard();
    // Grafana's variables, as Grafana would fill them in.
    let rules: String = exprs(&d)
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let e = e
                .replace("$__rate_interval", "1m")
                .replace("$__range", "1h")
                .replace("$instance", ".*")
                .replace("$queue", ".*");
            format!(
                "      - record: nfdpi:check:{i}\n        expr: {}\n",
                serde_json::to_string(&e).unwrap()
            )
        })
        .collect();
    let file = format!("groups:\n  - name: dashboard\n    rules:\n{rules}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, &file).unwrap();
    let out = match Command::new("promtool")
        .args(["check", "rules"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            let required = std::env::var("NFDPI_REQUIRE_CORPUS").as_deref() == Ok("1")
                || std::env::var("NFDPI_E2E").as_deref() == Ok("1");
            assert!(!required, "promtool is required here but cannot run: {e}");
            let _ = writeln!(
                std::io::stderr(),
                "skipped the PromQL check: no promtool ({e})"
            );
            return;
        }
    };
    assert!(
        out.status.success(),
        "promtool check rules:\n{}{}\n{file}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
