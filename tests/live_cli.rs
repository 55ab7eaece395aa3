//! `nfdpi run` and `nfdpi iptables` check every numeric option against its documented range
//! before doing anything: exit 2 and a message naming the option and the range. No root needed,
//! except to run the signature loader as another user (that test skips without root).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_nfdpi");

/// Runs nfdpi with `args`; returns (exit code, stderr).
fn nfdpi(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN).args(args).output().expect("run nfdpi");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_options_outside_their_range_are_refused_with_exit_2() {
    for (args, says) in [
        (&["--queues", "0-65535"][..], "at most 256"),
        (&["--queues", "0-256"], "257 queues"),
        (&["--queues", "3-1"], "runs backwards"),
        (&["--queue-maxlen", "0"], "1..=1048576"),
        (&["--queue-maxlen", "1048577"], "1..=1048576"),
        (&["--stats-interval", "18446744073709551615"], "1..=604800"),
        (&["--stats-interval", "0"], "1..=604800"),
        (&["--socket-buffer", "1GiB"], "64KiB to 256MiB"),
        (&["--socket-buffer", "1KiB"], "64KiB to 256MiB"),
        (&["--mark-proto-shift", "17"], "0..=16"),
        (&["--mark-mask", "0x1ffffffff"], "32-bit"),
        (&["--mark-accept", "0x4"], "--mark-mask"),
        (&["--mark-accept", "0x2"], "share no bit"),
        (&["--cut-log-rate", "10001"], "0..=10000"),
        (
            &["--capture-unknown", "/tmp/x", "--capture-max-files", "0"],
            "1..=100000",
        ),
        (
            &["--capture-unknown", "/tmp/x", "--capture-max-bytes", "1KiB"],
            "1MiB to 1TiB",
        ),
        (
            &["--capture-unknown", "/tmp/x", "--capture-max-pending", "0"],
            "1..=1000000",
        ),
        (&["--capture-max-files", "4"], "--capture-unknown"),
        (&["--metrics-allow-remote"], "--metrics"),
        (&["--metrics", "localhost"], "invalid socket address"),
        (&["--log-format", "xml"], "text, json"),
        // Refused before anything is bound (no root needed to see it).
        (&["--metrics", "0.0.0.0:9464"], "not a loopback address"),
        (&["--metrics", "192.0.2.1:9464"], "--metrics-allow-remote"),
        (
            &["--capture-unknown", "/proc/nfdpi-cut"],
            "--capture-unknown /proc/nfdpi-cut",
        ),
    ] {
        let all = [&["run", "--no-signatures"][..], args].concat();
        let (code, err) = nfdpi(&all);
        assert_eq!(code, Some(2), "{all:?}: {err}");
        assert!(err.contains(says), "{all:?} should say `{says}`: {err}");
    }
}

#[test]
fn iptables_options_outside_their_range_are_refused_with_exit_2() {
    for (args, says) in [
        (&["--queues", "0-300"][..], "at most 256"),
        (&["--transport", "icmp"], "not a transport"),
        (&["--transport", "udp,"], "not a transport"),
        (&["--mark-drop", "0x1"], "share no bit"),
        (&["--remove", "--format", "restore"], "--remove | sh"),
        (&["--chain", "PREROUTING"], "PREROUTING"),
    ] {
        let all = [&["iptables"][..], args].concat();
        let (code, err) = nfdpi(&all);
        assert_eq!(code, Some(2), "{all:?}: {err}");
        assert!(err.contains(says), "{all:?} should say `{says}`: {err}");
    }
    // The bounds themselves are accepted.
    for args in [
        &["--queues", "0-255"][..],
        &["--queues", "65280-65535", "--transport", "tcp,udp"],
        &["--nft", "--remove", "--format", "restore"],
    ] {
        let all = [&["iptables"][..], args].concat();
        let (code, err) = nfdpi(&all);
        assert_eq!(code, Some(0), "{all:?}: {err}");
    }
}

/// docs/live.md shows the ruleset exactly as `nfdpi iptables --format restore` prints it (the
/// comments left out), so the documentation cannot drift from the rules.
#[test]
fn the_ruleset_in_docs_live_md_is_what_nfdpi_prints() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/live.md"))
        .expect("docs/live.md");
    let block: Vec<&str> = doc
        .split("```rules\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```rules block in docs/live.md")
        .lines()
        .collect();
    let out = Command::new(BIN)
        .args([
            "iptables", "--queues", "0", "--chain", "FORWARD", "--format", "restore",
        ])
        .output()
        .expect("nfdpi iptables");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let printed: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(
            |l| match (l.find(" -m comment --comment \""), l.find("\" -j ")) {
                (Some(a), Some(b)) => format!("{}{}", &l[..a], &l[b + 1..]),
                _ => l.to_string(),
            },
        )
        .collect();
    assert_eq!(block, printed);
}

/// Issue 10.7: the daemon reloads as its `--user`; a signature path that user may not look at
/// is "permission denied" with the path and the uid, not "no such file or directory", and a
/// `.sig` file it may not read is an error naming the file, never silently left out. Runs the
/// loader as uid 65534 with `setpriv` (needs root; skipped with a message otherwise).
#[test]
fn an_unreadable_signature_path_says_permission_denied_and_which_path() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || Command::new("setpriv").arg("--version").output().is_err()
    {
        eprintln!("skipped: needs root and setpriv to run the loader as another user");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let as_nobody = |path: &std::path::Path| {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
            .arg("check-signatures")
            .arg(path)
            .output()
            .expect("setpriv");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // A directory the user cannot enter: the path under it cannot even be looked at.
    let closed = dir.path().join("closed");
    std::fs::create_dir(&closed).expect("mkdir");
    let inner = closed.join("signatures");
    std::fs::create_dir(&inner).expect("mkdir");
    std::fs::write(
        inner.join("a.sig"),
        "protocol A id 9001 category Custom\n  rule r\n    u32@0 == 0x2112a442\n",
    )
    .expect("write");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let (code, err) = as_nobody(&inner);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}: permission denied (nfdpi runs as uid 65534)",
            inner.display()
        )),
        "{err}"
    );
    assert!(!err.contains("no such file"), "{err}");
    // A readable directory with one unreadable file: that file is named, not skipped.
    let open = dir.path().join("open");
    std::fs::create_dir(&open).expect("mkdir");
    std::fs::write(
        open.join("a.sig"),
        "protocol A id 9001 category Custom\n  rule r\n    u32@0 == 0x2112a442\n",
    )
    .expect("write");
    std::fs::write(
        open.join("b.sig"),
        "protocol B id 9002 category Custom\n  rule r\n    u32@0 == 0x2112a443\n",
    )
    .expect("write");
    std::fs::set_permissions(open.join("b.sig"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let (code, err) = as_nobody(&open);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}: permission denied",
            open.join("b.sig").display()
        )),
        "{err}"
    );
}

/// A configuration file is refused by `check-config` for a non-loopback `metrics` exactly as
/// `run` refuses it, and accepted with `metrics-allow-remote = true`.
#[test]
fn check_config_refuses_a_remote_metrics_address_unless_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("nfdpi.toml");
    let path = file.to_str().expect("utf-8 path");
    std::fs::write(&file, "metrics = \"0.0.0.0:9464\"\n").expect("write");
    let (code, err) = nfdpi(&["check-config", path]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--metrics 0.0.0.0:9464: not a loopback address"),
        "{err}"
    );
    std::fs::write(
        &file,
        "metrics = \"0.0.0.0:9464\"\nmetrics-allow-remote = true\n",
    )
    .expect("write");
    let (code, err) = nfdpi(&["check-config", path]);
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(&file, "metrics = \"127.0.0.1:9464\"\n").expect("write");
    let (code, err) = nfdpi(&["check-config", path]);
    assert_eq!(code, Some(0), "{err}");
}
