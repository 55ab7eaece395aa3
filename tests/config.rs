//! The configuration file, the policy and the local signatures, through the built binary:
//! `check-config`, `classify --config`, `protocols`, `--signatures-add`, and the mark examples
//! of the README and `run --help` checked against what the binary reports. Captures of the
//! shared corpus are read from `../shared/pcaps/` (skipped with a message when absent, failed
//! under `NFDPI_REQUIRE_CORPUS=1`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn nfdpi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nfdpi"));
    c.env_remove("NFDPI_SIGNATURES")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    c
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The shipped configuration file, with its `signatures-add` directory moved to `dir` (the
/// installed path, /etc/nfdpi/signatures.d, may not exist here).
fn shipped_config(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(common::root().join("contrib/nfdpi.toml")).unwrap();
    assert!(text.contains("\"/etc/nfdpi/signatures.d\""), "{text}");
    let local = dir.join("signatures.d");
    std::fs::create_dir_all(&local).unwrap();
    let text = text.replace("/etc/nfdpi/signatures.d", local.to_str().unwrap());
    let path = dir.join("nfdpi.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `classify --format jsonl ARGS...`: the flow records.
fn classify(args: &[&str], capture: &Path) -> Vec<Value> {
    let out = nfdpi()
        .args(["classify", "--format", "jsonl"])
        .args(args)
        .arg(capture)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (protocol, verdict) → number of UDP flows (the transport inspected by default).
fn tally(flows: &[Value]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for f in flows.iter().filter(|f| f["transport"] == "udp") {
        let k = (
            f["protocol"].as_str().unwrap().to_string(),
            f["verdict"].as_str().unwrap().to_string(),
        );
        *m.entry(k).or_default() += 1;
    }
    m
}

/// `nfdpi protocols --format json ARGS...`
fn protocols(args: &[&str]) -> Vec<Value> {
    let out = nfdpi()
        .args(["protocols", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

#[test]
fn the_shipped_configuration_checks_and_says_what_it_sets() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = shipped_config(dir.path());
    let out = nfdpi().arg("check-config").arg(&cfg).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("ok: {}: ", cfg.display())),
        "{text}"
    );
    for line in [
        "deny-category   VPN Tunnel Anonymizer",
        "allow-category  VoIP Video Media Network System Web",
        "unlisted        drop",
    ] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
}

#[test]
fn check_config_points_at_every_error_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "queus = \"0\"\n[policy]\nbudget = \"ten\"\ndeny-category = [\"Vpn\", \"Tunel\"]\nunlisted = 1\n",
    )
    .unwrap();
    let out = nfdpi().arg("check-config").arg(&cfg).output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    let f = cfg.display();
    for want in [
        format!("{f}:1:1: unknown key `queus` (did you mean `queues`?)"),
        format!("{f}:3:11: invalid value 'ten' for '--budget <BUDGET>'"),
        "3 | budget = \"ten\"\n  |           ^".to_string(),
        format!("{f}:4:26: invalid value 'Tunel'"),
        "did you mean `Tunnel`?".to_string(),
        format!("{f}:5:12: invalid value '1' for '--unlisted <UNLISTED>'"),
        "nfdpi: configuration refused (4 error(s))".to_string(),
    ] {
        assert!(err.contains(&want), "{want}:\n{err}");
    }
    let missing = dir.path().join("nope.toml");
    let out = nfdpi().arg("check-config").arg(&missing).output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!("{}: No such file", missing.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_shipped_policy_cuts_openvpn_and_passes_teams_calls_offline() {
    let t = "the_shipped_policy_cuts_openvpn_and_passes_teams_calls_offline";
    let (Some(vpn), Some(teams)) = (
        common::capture("ndpi/openvpn.pcap", t),
        common::capture("ndpi/teams.pcap", t),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = shipped_config(dir.path());
    let cfg = cfg.to_str().unwrap();
    let got = tally(&classify(&["--config", cfg], &vpn));
    assert_eq!(
        got,
        BTreeMap::from([(("OpenVPN".into(), "drop".into()), 7)]),
        "every OpenVPN flow is cut once identified"
    );
    let got = tally(&classify(&["--config", cfg], &teams));
    // Every call flow is accepted: four named by STUN are confirmed by their media, nine to
    // Teams relays are decided by the address; none is left pending and none is cut.
    assert_eq!(
        got.get(&("Skype_TeamsCall".into(), "accept".into())),
        Some(&13),
        "{got:?}"
    );
    assert_eq!(
        got.get(&("Skype_TeamsCall".into(), "pending".into())),
        None,
        "{got:?}"
    );
    assert_eq!(
        got.get(&("DNS".into(), "accept".into())),
        Some(&22),
        "{got:?}"
    );
    // The built-in default is the same policy.
    assert_eq!(tally(&classify(&[], &vpn)).len(), 1);
    // A command-line option overrides the file: an operator's own VPN, allowed by name.
    let got = tally(&classify(&["--config", cfg, "--allow", "OpenVPN"], &vpn));
    assert_eq!(
        got,
        BTreeMap::from([(("OpenVPN".into(), "accept".into()), 7)])
    );
    // --allow Skype_Teams (classic Skype, from the opt-in file) does not name the calls; they
    // pass here by category, and a policy that accepts nothing by category cuts them.
    let classic = common::root().join("signatures/opt-in/skype_classic.sig");
    let shipped = common::root().join("signatures");
    let got = tally(&classify(
        &[
            "--signatures",
            shipped.to_str().unwrap(),
            "--signatures",
            classic.to_str().unwrap(),
            "--allow",
            "Skype_Teams",
            "--allow-category",
            "none",
        ],
        &teams,
    ));
    assert_eq!(
        got.get(&("Skype_TeamsCall".into(), "drop".into())),
        Some(&13),
        "{got:?}"
    );
}

#[test]
fn lists_forgive_spaces_and_suggest_the_closest_names() {
    let cap = common::root().join("pcaps/quickstart.pcap");
    let flows = classify(
        &["--deny", "DNS,  ntp", "--deny-category", " vpn , tunnel"],
        &cap,
    );
    let got = tally(&flows);
    assert_eq!(got.get(&("DNS".into(), "drop".into())), Some(&1), "{got:?}");
    assert_eq!(got.get(&("NTP".into(), "drop".into())), Some(&1), "{got:?}");
    for (args, want) in [
        (
            &["--allow", "Skype_Team"][..],
            "--allow Skype_Team: unknown protocol `Skype_Team` (did you mean `Skype_TeamsCall`?)",
        ),
        (
            &["--deny-category", "Vpm"],
            "unknown category `Vpm` (did you mean `VPN`",
        ),
        (&["--allow", "DNS,,NTP"], "found nothing (a stray comma?)"),
        (
            &["--allow-category", "none,VoIP"],
            "`none` stands for no category and cannot be listed with categories",
        ),
    ] {
        let out = nfdpi()
            .arg("classify")
            .args(args)
            .arg(&cap)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn protocols_lists_names_ids_categories_marks_and_verdicts() {
    let rows = protocols(&[]);
    let call = rows
        .iter()
        .find(|r| r["name"] == "Skype_TeamsCall")
        .expect("Skype_TeamsCall is loaded");
    assert_eq!(call["id"], 38);
    assert_eq!(call["category"], "VoIP");
    assert_eq!(call["match"], "-m mark --mark 0x00260000/0xffff0000");
    assert_eq!(
        (&call["verdict"], &call["rule"]),
        (&"accept".into(), &"allow-category".into())
    );
    let vpn = rows.iter().find(|r| r["name"] == "OpenVPN").unwrap();
    assert_eq!(
        (&vpn["verdict"], &vpn["rule"]),
        (&"drop".into(), &"deny-category".into())
    );
    // The mark layout follows the options (here: the id in the low 16 bits).
    let rows = protocols(&[
        "--mark-proto-shift",
        "0",
        "--mark-mask",
        "0xffff",
        "--allow",
        "OpenVPN",
    ]);
    let vpn = rows.iter().find(|r| r["name"] == "OpenVPN").unwrap();
    assert_eq!(vpn["match"], "-m mark --mark 0x0000009f/0x0000ffff");
    assert_eq!(
        (&vpn["verdict"], &vpn["rule"]),
        (&"accept".into(), &"allow".into())
    );
    let out = nfdpi().args(["protocols"]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.lines().next().unwrap().starts_with("PROTOCOL "),
        "{table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("Skype_TeamsCall ")
            && l.contains(" 38 ")
            && l.contains("0x00260000/0xffff0000")),
        "{table}"
    );
}

/// The README and `run --help` tell operators which mark to match for calls: it must be the
/// mark the binary gives the call flows of the shared captures.
#[test]
fn the_documented_call_mark_is_the_one_the_calls_get() {
    let t = "the_documented_call_mark_is_the_one_the_calls_get";
    let Some(teams) = common::capture("ndpi/teams.pcap", t) else {
        return;
    };
    let ids: BTreeMap<String, u64> = protocols(&[])
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["id"].as_u64().unwrap(),
            )
        })
        .collect();
    // The protocol of the UDP flows that carry the most bytes: the calls.
    let mut flows = classify(&[], &teams);
    flows.retain(|f| f["transport"] == "udp");
    flows.sort_by_key(|f| std::cmp::Reverse(f["bytes"].as_u64().unwrap()));
    let call = flows[0]["protocol"].as_str().unwrap().to_string();
    let top: Vec<&Value> = flows.iter().take(3).map(|f| &f["protocol"]).collect();
    assert!(top.iter().all(|p| **p == call.as_str()), "{top:?}");
    // `-m connmark` in the filter table (before nfdpi), `-m mark` at later hooks.
    let want = format!("mark --mark {:#010x}/0xffff0000", ids[&call] << 16);
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let help = nfdpi().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for (name, text) in [("README.md", readme), ("run --help", help)] {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("mark --mark 0x") && l.contains("/0xffff0000"))
            .collect();
        assert!(!lines.is_empty(), "{name} shows no mark example");
        for l in lines {
            assert!(
                l.contains(&want) && l.contains(&call),
                "{name}: `{l}` should show the calls' mark {want} ({call})"
            );
        }
    }
}

/// A local signatures directory `dir/signatures.d` with one protocol, SchoolApp, named by its
/// servers: the quick start's unknown 20 KB flow (203.0.113.5:7000) and the unknown flow of
/// `sonos.pcapng` to 192.168.15.36:7080.
fn school_signatures(dir: &Path) -> PathBuf {
    let local = dir.join("signatures.d");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(
        local.join("school.sig"),
        "protocol SchoolApp id 4000 category Custom\n  rule server\n    transport udp\n    server-ip 203.0.113.5/32\n    server-port 7000\n  rule lab\n    transport udp\n    server-ip 192.168.15.36/32\n    server-port 7080\n",
    )
    .unwrap();
    local
}

#[test]
fn local_signatures_add_a_protocol_and_the_shipped_ones_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let local = school_signatures(dir.path());
    let cap = common::root().join("pcaps/quickstart.pcap");
    let add = local.to_str().unwrap();
    let before = classify(&[], &cap);
    let after = classify(&["--signatures-add", add], &cap);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        if a["dst"] == "203.0.113.5:7000" {
            assert_eq!(
                (&a["protocol"], &a["verdict"]),
                (&"SchoolApp".into(), &"drop".into())
            );
            assert_eq!(
                a["decided_at_packet"], 1,
                "cut once identified: Custom is unlisted"
            );
        } else {
            assert_eq!(a, b, "a shipped protocol's flow changed");
        }
    }
    let allowed = classify(&["--signatures-add", add, "--allow", "SchoolApp"], &cap);
    assert!(allowed
        .iter()
        .any(|f| f["protocol"] == "SchoolApp" && f["verdict"] == "accept"));
    // The same through a configuration file.
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!("signatures-add = [{add:?}]\n[policy]\nallow = [\"SchoolApp\"]\n"),
    )
    .unwrap();
    let via_file = classify(&["--config", cfg.to_str().unwrap()], &cap);
    assert_eq!(via_file, allowed);
    // --signatures is exactly that set: with the local directory alone, DNS is unknown.
    let only = classify(&["--signatures", add], &cap);
    assert!(only
        .iter()
        .all(|f| f["protocol"] == "SchoolApp" || f["protocol"] == "Unknown"));
    let out = nfdpi()
        .args(["classify", "--signatures", add, "--signatures-add", add])
        .arg(&cap)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// The captures of a shared set (`ndpi`, `ndpi-more`), sorted; `None` (after a skip message, or
/// a failure under `NFDPI_REQUIRE_CORPUS=1`) when the set is absent.
fn shared_set(set: &str, test: &str) -> Option<Vec<PathBuf>> {
    let dir = common::shared_pcaps().join(set);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return common::absent(&dir, test);
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    files.sort();
    Some(files)
}

/// `classify --format jsonl ARGS FILES...` over a whole set: the exit code and the records (a
/// capture nfdpi cannot read is an error on stderr, the same with and without local files).
fn classify_set(args: &[&str], files: &[PathBuf]) -> (i32, Vec<Value>) {
    let out = nfdpi()
        .args(["classify", "--format", "jsonl"])
        .args(args)
        .args(files)
        .output()
        .unwrap();
    let records = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (code(&out), records)
}

/// Issue 13: a local signature names its flow while every shipped protocol still works. Over
/// both shared sets, every flow of every capture gets the same record (protocol, signature,
/// verdict, decision point, counts) with and without the local directory, except the one flow
/// the local protocol names: so the shared-capture score of the shipped set is unchanged.
#[test]
fn a_local_signature_names_its_flow_and_every_other_shared_flow_is_unchanged() {
    let t = "a_local_signature_names_its_flow_and_every_other_shared_flow_is_unchanged";
    let dir = tempfile::tempdir().unwrap();
    let local = school_signatures(dir.path());
    let add = local.to_str().unwrap();
    let mut named = Vec::new();
    for set in ["ndpi", "ndpi-more"] {
        let Some(files) = shared_set(set, t) else {
            return;
        };
        let (code_before, before) = classify_set(&[], &files);
        let (code_after, after) = classify_set(&["--signatures-add", add], &files);
        assert_eq!(code_before, code_after, "{set}: exit code");
        assert_eq!(before.len(), after.len(), "{set}: number of flows");
        let identified = before.iter().filter(|f| f["protocol"] != "Unknown").count();
        assert!(
            identified * 2 > before.len(),
            "{set}: the shipped set names only {identified} of {} flows",
            before.len()
        );
        for (b, a) in before.iter().zip(&after) {
            if a["protocol"] == "SchoolApp" {
                assert_eq!(
                    b["protocol"], "Unknown",
                    "{set}: SchoolApp took a named flow: {b}"
                );
                named.push(format!("{} {} -> {}", a["pcap"], a["src"], a["dst"]));
            } else {
                assert_eq!(a, b, "{set}: a flow changed with the local signature");
            }
        }
    }
    assert_eq!(
        named,
        ["\"sonos.pcapng\" \"192.168.15.37:44467\" -> \"192.168.15.36:7080\""],
        "the local protocol names exactly its flow"
    );
}

#[test]
fn a_local_protocol_that_reuses_a_shipped_name_or_id_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("mine.sig");
    std::fs::write(
        &local,
        "protocol MyCalls id 38 category VoIP\n  rule r\n    u32@0 == 0x12345678\n",
    )
    .unwrap();
    let cap = common::root().join("pcaps/quickstart.pcap");
    let out = nfdpi()
        .arg("classify")
        .arg("--signatures-add")
        .arg(&local)
        .arg(&cap)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:1:1: expected a protocol of its own",
            local.display()
        )),
        "{err}"
    );
    let shipped = common::root().join("signatures/skype_teams.sig");
    assert!(
        err.contains(&format!(
            "found id 38, which the shipped set gives to `Skype_TeamsCall` (id 38) at {}:",
            shipped.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("1 | protocol MyCalls id 38 category VoIP"),
        "{err}"
    );
}

#[test]
fn a_category_outside_the_vocabulary_is_refused_at_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("vpnish.sig");
    std::fs::write(
        &local,
        "protocol MyTunnel id 4001 category Vpn\n  rule r\n    u32@0 == 0x12345678\n",
    )
    .unwrap();
    let out = nfdpi()
        .arg("check-signatures")
        .arg(&local)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:1:36: expected a category of the vocabulary (spelt `VPN`)",
            local.display()
        )),
        "{err}"
    );
}

/// The unit builds its ruleset from the daemon's configuration file: `iptables --config` takes
/// the file's queues and transports (so rules and daemon cannot disagree), ignores the keys that
/// only the daemon reads, and a flag still overrides the file.
#[test]
fn iptables_takes_queues_and_transports_from_the_daemons_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped_config(dir.path());
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "queues = \"0-1\"",
        "queues = \"2-5\"\ntransport = \"udp,tcp\"",
    );
    std::fs::write(&config, text).unwrap();
    let script = |extra: &[&str]| {
        let out = nfdpi()
            .args(["iptables", "--chain", "FORWARD", "--config"])
            .arg(&config)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let from_file = script(&[]);
    assert!(from_file.contains("--queue-balance 2:5"), "{from_file}");
    assert!(from_file.contains("-A FORWARD -p tcp "), "{from_file}");
    assert!(from_file.contains("-A FORWARD -p udp "), "{from_file}");
    let overridden = script(&["--queues", "7", "--transport", "udp"]);
    assert!(overridden.contains("--queue-num 7"), "{overridden}");
    assert!(!overridden.contains("-A FORWARD -p tcp "), "{overridden}");
}
