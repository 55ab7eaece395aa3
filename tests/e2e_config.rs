//! The daemon run from its configuration file, end to end, as the unit runs it: the shipped
//! `contrib/nfdpi.toml` (installed as /etc/nfdpi/nfdpi.toml; here with its `signatures-add` in a
//! temporary directory and `queues = "0"`), the ruleset from `nfdpi iptables --config FILE
//! --chain FORWARD | sh`, the daemon from `nfdpi run --config FILE`, and SIGHUP reloads of that
//! file checked with traffic: the default policy cuts a replayed OpenVPN flow once identified
//! and passes a Teams call; a file that allows VPN but also changes `queues` (restart only) is
//! refused whole and OpenVPN stays cut; allowing VPN alone (moving it to `allow-category`) is
//! accepted and a new OpenVPN flow then passes; a file that then lost its `[policy]` keys (which
//! would fall back to the built-in policy, cutting VPN) is refused and OpenVPN keeps passing.
//!
//! Needs root; gated like `e2e_live.rs` (see `tests/lab/`).

mod lab;

use lab::*;

/// The shipped configuration with its local signatures in `dir/signatures.d` and queue 0 (the
/// lab's), written to `dir/nfdpi.toml`; returns its path and text.
fn shipped_config(dir: &Path) -> (PathBuf, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("contrib/nfdpi.toml")).expect("contrib/nfdpi.toml");
    let local = dir.join("signatures.d");
    std::fs::create_dir_all(&local).expect("signatures.d");
    for from in ["\"/etc/nfdpi/signatures.d\"", "queues = \"0-1\""] {
        assert!(text.contains(from), "contrib/nfdpi.toml has no {from}");
    }
    let text = text
        .replace("/etc/nfdpi/signatures.d", &local.display().to_string())
        .replace("queues = \"0-1\"", "queues = \"0\"");
    let path = dir.join("nfdpi.toml");
    std::fs::write(&path, &text).expect("write the configuration");
    (path, text)
}

/// `classify --config FILE` on `capture`: the record (verdict, packets, dropped packets) of the
/// UDP flow `client -> server`.
fn offline(config: &Path, capture: &Path, f: &CapturedFlow) -> (String, String, u64, u64) {
    let out = run(Command::new(BIN)
        .args(["classify", "--format", "jsonl", "--config"])
        .arg(config)
        .arg(capture));
    let (c, s) = (f.client.to_string(), f.server.to_string());
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("jsonl"))
        .find(|v| v["transport"] == "udp" && v["src"] == c.as_str() && v["dst"] == s.as_str())
        .map(|v| {
            (
                v["protocol"].as_str().unwrap_or("").to_string(),
                v["verdict"].as_str().unwrap_or("").to_string(),
                v["packets"].as_u64().unwrap_or(0),
                v["dropped_packets"].as_u64().unwrap_or(0),
            )
        })
        .unwrap_or_else(|| panic!("no record of {c} -> {s} in:\n{out}"))
}

/// The OpenVPN flow of `openvpn.pcap` to replay: the shortest replayable one (at least 5
/// packets) that the shipped policy cuts after it let its first packets through.
fn openvpn_flow(config: &Path) -> (CapturedFlow, u64) {
    let cap = capture("openvpn.pcap");
    let mut flows: Vec<CapturedFlow> = captured_flows(&cap)
        .into_iter()
        .filter(|f| f.replayable && (5..=60).contains(&f.steps.len()))
        .collect();
    flows.sort_by_key(|f| f.steps.len());
    for f in flows {
        let (protocol, verdict, packets, dropped) = offline(config, &cap, &f);
        if protocol == "OpenVPN"
            && verdict == "drop"
            && packets == f.steps.len() as u64
            && dropped < packets
        {
            return (f, packets - dropped);
        }
    }
    panic!("openvpn.pcap has no replayable OpenVPN flow that the shipped policy cuts");
}

/// Replay `vpn` from a fresh client address (a new flow) and a Teams call then 20 × 1000 bytes
/// of RTP (past the budget; the RTP confirms the call its STUN named); returns how many datagrams of each arrived, checking that what passed of
/// the OpenVPN flow is its start.
fn traffic(lab: &mut Lab, vpn: &CapturedFlow, seed: &mut u64) -> (usize, usize) {
    let pair = lab.pair(vpn.client.port(), vpn.server.port());
    let arrived = pair.replay(&vpn.steps);
    let n = arrived.iter().filter(|a| **a).count();
    assert!(arrived[..n].iter().all(|a| *a), "OpenVPN: {arrived:?}");
    let mut teams: Vec<(Dir, Vec<u8>)> =
        client_payloads("teams.pcap", "192.168.1.6:50016", "192.168.0.4:50005")
            .into_iter()
            .map(|p| (Dir::ToServer, p))
            .collect();
    teams.extend(
        rtp_media(20, 1000, seed)
            .into_iter()
            .map(|p| (Dir::ToServer, p)),
    );
    let pair = lab.pair(50016, 50005);
    let got = pair.replay(&teams).iter().filter(|a| **a).count();
    assert_eq!(
        got,
        teams.len(),
        "the Teams call and its 20 KB must all pass"
    );
    (n, got)
}

#[test]
fn live_daemon_runs_from_the_shipped_configuration_and_reloads_it_all_or_nothing() {
    let _g = serial();
    if !gate("live_daemon_runs_from_the_shipped_configuration_and_reloads_it_all_or_nothing") {
        return;
    }
    let t0 = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, text) = shipped_config(dir.path());
    let (vpn, cut_at) = openvpn_flow(&config);
    let mut lab = Lab::new("ecconf");
    lab.install_rules(&["--config", config.to_str().expect("utf-8 path")]);
    let rules = lab.fw("iptables -t security -S NFDPI");
    assert!(
        rules.contains("--queue-num 0"),
        "queues from the file:\n{rules}"
    );
    lab.start_daemon_with(&[
        "--config".into(),
        config.display().to_string(),
        "--stats-interval".into(),
        "3600".into(),
    ]);
    let mut seed = 0xec0f_0001;
    let (n, _) = traffic(&mut lab, &vpn, &mut seed);
    eprintln!(
        "shipped policy: OpenVPN {n}/{} pass (offline {cut_at}), Teams passes",
        vpn.steps.len()
    );
    assert_eq!(
        n as u64, cut_at,
        "OpenVPN is cut where classify --config cuts it"
    );

    // The operator lets VPNs through: VPN moves from deny-category to allow-category, as the
    // file's comment says.
    let vpn_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("\"VPN\","))
        .expect("the VPN line of deny-category");
    let allowed = text
        .replace(vpn_line, "")
        .replace("allow-category = [\n", "allow-category = [\n    \"VPN\",\n");
    let (protocol, verdict, _, dropped) = {
        std::fs::write(&config, &allowed).expect("write");
        offline(&config, &capture("openvpn.pcap"), &vpn)
    };
    assert_eq!(
        (protocol.as_str(), verdict.as_str(), dropped),
        ("OpenVPN", "accept", 0)
    );

    // First with a restart-only key changed too: all or nothing, so OpenVPN stays cut.
    std::fs::write(
        &config,
        allowed.replace("queues = \"0\"", "queues = \"0-1\""),
    )
    .expect("write");
    lab.signal_and_wait(libc::SIGHUP, "reload refused");
    let log = lab.log_text();
    assert!(
        log.contains("`queues` changed from `0` to `0-1`: it takes a restart"),
        "{log}"
    );
    let (n, _) = traffic(&mut lab, &vpn, &mut seed);
    assert_eq!(
        n as u64, cut_at,
        "after the refused reload OpenVPN is still cut"
    );

    std::fs::write(&config, &allowed).expect("write");
    lab.signal_and_wait(libc::SIGHUP, "signatures reloaded");
    let (n, _) = traffic(&mut lab, &vpn, &mut seed);
    assert_eq!(
        n,
        vpn.steps.len(),
        "VPN allowed: a new OpenVPN flow passes whole"
    );

    // The push that lost its policy: every [policy] key is gone. Taken, it would fall back to
    // the built-in policy, which cuts OpenVPN; refused, OpenVPN keeps passing.
    let at = allowed.find("\n[policy]").expect("a [policy] table");
    std::fs::write(&config, &allowed[..at]).expect("write");
    lab.signal_and_wait(libc::SIGHUP, "reload refused");
    let log = lab.log_text();
    for key in ["budget", "allow-category", "deny-category", "unlisted"] {
        let want = format!("`policy.{key}` (line ");
        assert!(log.contains(&want), "the refusal names `{key}`:\n{log}");
    }
    assert!(
        log.contains("is missing: a reload never falls back to a default"),
        "{log}"
    );
    let (n, _) = traffic(&mut lab, &vpn, &mut seed);
    assert_eq!(
        n,
        vpn.steps.len(),
        "after the refused reload the allowed OpenVPN still passes"
    );

    let log = lab.stop_daemon();
    assert_eq!(
        counter(&log, "why=\"stopping\"", "reloads"),
        Some(1),
        "{log}"
    );
    assert_eq!(
        counter(&log, "why=\"stopping\"", "reloads_failed"),
        Some(2),
        "{log}"
    );
    eprintln!("configuration end to end took {:?}", t0.elapsed());
}
