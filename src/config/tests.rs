//! The configuration file, its merge with the command line, the policy it builds and the rules
//! a reload obeys.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::*;

const SIGS: &str = "protocol DNS id 5 category Network\n  rule d\n    port 53\n    u16@4 == 1\n\
                    protocol OpenVPN id 159 category VPN\n  rule o\n    u16@0 == 0x0038\n\
                    protocol Skype_TeamsCall id 38 category VoIP\n  rule s\n    u32@4 == 0x2112a442\n";

/// Parse `text` as a configuration file named `nfdpi.toml`.
fn parse(text: &str) -> Result<ConfigFile, Vec<String>> {
    let cmd = command();
    let run = cmd.find_subcommand("run").unwrap();
    ConfigFile::parse(Path::new("nfdpi.toml"), text.to_string(), run)
        .map_err(|e| e.iter().map(ToString::to_string).collect())
}

fn first_error(text: &str) -> String {
    parse(text).unwrap_err().remove(0)
}

/// A directory with `sigs/all.sig` and `nfdpi.toml`.
struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new(config: &str) -> Dir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sigs")).unwrap();
        std::fs::write(dir.path().join("sigs/all.sig"), SIGS).unwrap();
        let d = Dir { dir };
        d.write(config);
        d
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, config: &str) {
        std::fs::write(self.path("nfdpi.toml"), config).unwrap();
    }

    /// `nfdpi SUB --config nfdpi.toml --signatures sigs EXTRA...`
    fn argv(&self, sub: &str, extra: &[&str]) -> Vec<OsString> {
        let mut v: Vec<OsString> = vec!["nfdpi".into(), sub.into(), "--config".into()];
        v.push(self.path("nfdpi.toml").into());
        v.push("--signatures".into());
        v.push(self.path("sigs").into());
        v.extend(extra.iter().map(OsString::from));
        v
    }

    fn parsed(&self, sub: &str, extra: &[&str]) -> Parsed {
        match parse_args(&self.argv(sub, extra)) {
            Ok(p) => p,
            Err(ParseFailure::Config(e)) => panic!("{}", e[0]),
            Err(ParseFailure::Clap(e)) => panic!("{e}"),
        }
    }

    /// The running state of a daemon started with this directory.
    fn running(&self, extra: &[&str]) -> Running {
        let parsed = self.parsed("run", extra);
        let Command::Run(args) = &parsed.cli.command else {
            panic!("not run")
        };
        let sigs = load_signatures(&args.policy.sources).unwrap();
        let cfg = engine_config(&args.policy, &sigs, MarkLayout::default(), &parsed.origin)
            .unwrap_or_else(|e| panic!("{}", e[0]));
        Running {
            origin: parsed.origin,
            policy: Arc::new(cfg.policy),
            sigs: Arc::new(sigs),
        }
    }
}

fn run_args(p: &Parsed) -> &cli::RunArgs {
    match &p.cli.command {
        Command::Run(a) => a,
        _ => panic!("not run"),
    }
}

#[test]
fn every_key_is_a_long_option_and_values_go_through_its_parser() {
    let f = parse(
        "queues = \"0-3\"\nmark-mask = 0xffff0003\nfail-open = false\nno-signatures = false\n\
         [policy]\nbudget = \"1MB\"\nallow = \"DNS, NTP\"\nallow-category = []\n",
    )
    .unwrap();
    let tokens: Vec<OsString> = f.entries.iter().flat_map(|e| e.tokens.clone()).collect();
    let want = [
        "--queues=0-3",
        "--mark-mask=4294901763",
        "--fail-open=false",
        "--budget=1MB",
        "--allow=DNS, NTP",
        "--allow-category=none",
    ];
    assert_eq!(tokens, want.map(OsString::from));
    assert_eq!(
        f.keys().collect::<Vec<_>>(),
        [
            "queues",
            "mark-mask",
            "fail-open",
            "no-signatures",
            "policy.budget",
            "policy.allow",
            "policy.allow-category"
        ]
    );
}

#[test]
fn errors_point_at_the_key_or_value_with_a_caret() {
    let e = first_error("\n[policy]\nbudget = \"ten\"\n");
    assert!(
        e.starts_with(
            "nfdpi.toml:3:11: invalid value 'ten' for '--budget <BUDGET>': `ten` is not a size"
        ),
        "{e}"
    );
    assert!(e.ends_with("3 | budget = \"ten\"\n  |           ^"), "{e}");
    let e = first_error("udp-timeout = true\n");
    assert!(
        e.starts_with("nfdpi.toml:1:15: expected a string or an integer for `udp-timeout`, found the boolean true"),
        "{e}"
    );
    let e = first_error("no-signatures = \"yes\"\n");
    assert!(
        e.contains("expected true or false for `no-signatures`, found the string \"yes\""),
        "{e}"
    );
    let e = first_error("[policy]\ndeny-category = [\"VPN\", \"Tunel\"]\n");
    assert!(
        e.starts_with("nfdpi.toml:2:26: invalid value 'Tunel'")
            && e.contains("did you mean `Tunnel`?"),
        "{e}"
    );
    let e = first_error("queues = 1.5\n");
    assert!(e.contains("found the float 1.5"), "{e}");
    let e = first_error("queues = [\n");
    assert!(e.starts_with("nfdpi.toml:1:"), "{e}");
    assert!(e.contains("expected valid TOML"), "{e}");
}

#[test]
fn unknown_keys_and_tables_suggest_the_closest() {
    let e = first_error("qeues = \"0\"\n");
    assert!(
        e.starts_with("nfdpi.toml:1:1: unknown key `qeues` (did you mean `queues`?)"),
        "{e}"
    );
    let e = first_error("budget = \"10KiB\"\n");
    assert!(
        e.contains("expected `budget` in the [policy] table, found it at the top level"),
        "{e}"
    );
    let e = first_error("[policy]\nqueues = \"0\"\n");
    assert!(
        e.starts_with("nfdpi.toml:2:1: expected `queues` at the top of the file"),
        "{e}"
    );
    let e = first_error("budgt = 1\n");
    assert!(e.contains("did you mean `budget` (in [policy])?"), "{e}");
    let e = first_error("[polcy]\nallow = [\"DNS\"]\n");
    assert!(
        e.starts_with("nfdpi.toml:1:2: unknown table [polcy] (did you mean `policy`?)"),
        "{e}"
    );
    let e = first_error("config = \"x.toml\"\n");
    assert!(e.contains("unknown key `config`"), "{e}");
    let e = first_error("policy = 3\n");
    assert!(
        e.contains("expected a table [policy], found the integer 3"),
        "{e}"
    );
}

#[test]
fn keys_whose_options_exclude_each_other_are_an_error_at_the_second() {
    let e = first_error("signatures = [\"/a\"]\nsignatures-add = [\"/b\"]\n");
    assert!(
        e.starts_with("nfdpi.toml:2:1: expected `signatures` or `signatures-add`, found both (`signatures` is set on line 1)"),
        "{e}"
    );
    // A flag set to false is no option at all.
    assert!(parse("signatures = [\"/a\"]\nno-signatures = false\n").is_ok());
}

#[test]
fn command_line_options_override_the_file() {
    let d = Dir::new("queues = \"2\"\n[policy]\nbudget = \"1MB\"\nunlisted = \"accept\"\n");
    let p = d.parsed("run", &[]);
    let a = run_args(&p);
    assert_eq!((a.queues.first, a.policy.budget), (2, 1_000_000));
    assert_eq!(a.policy.lists.unlisted, cli::Action::Accept);
    let p = d.parsed("run", &["--budget", "5000", "--queues=7"]);
    let a = run_args(&p);
    assert_eq!((a.queues.first, a.policy.budget), (7, 5000));
    assert_eq!(
        a.policy.lists.unlisted,
        cli::Action::Accept,
        "the file still gives the rest"
    );
}

#[test]
fn classify_takes_the_keys_it_has_and_ignores_the_run_only_ones() {
    let d = Dir::new("queues = \"2\"\nuser = \"nfdpi\"\n[policy]\ndeny = [\"DNS\"]\n");
    let p = d.parsed("classify", &["x.pcap"]);
    let Command::Classify(a) = &p.cli.command else {
        panic!()
    };
    assert_eq!(a.policy.lists.deny, ["DNS"]);
    assert_eq!(a.captures, [PathBuf::from("x.pcap")]);
    // Still checked as `run` options: a bad run-only key refuses `classify` too.
    d.write("queues = \"x\"\n");
    assert!(matches!(
        parse_args(&d.argv("classify", &["x.pcap"])),
        Err(ParseFailure::Config(_))
    ));
}

#[test]
fn a_command_line_option_overrides_the_file_keys_it_excludes() {
    let d = Dir::new("signatures-add = [\"/nonexistent\"]\n");
    // --signatures (in argv) means exactly that set: the file's signatures-add is left out.
    let p = d.parsed("run", &[]);
    assert!(run_args(&p).policy.sources.signatures_add.is_empty());
}

#[test]
fn an_unknown_protocol_name_is_an_error_with_the_closest_names() {
    let d = Dir::new("[policy]\nallow = [\"DNS\", \"Skype_TeamCall\"]\n");
    let r = std::panic::catch_unwind(|| d.running(&[]));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(
        msg.starts_with(&format!(
            "{}:2:18: unknown protocol `Skype_TeamCall` (did you mean `Skype_TeamsCall`?)",
            d.path("nfdpi.toml").display()
        )),
        "{msg}"
    );
    // From the command line: named as the option.
    d.write("");
    let p = d.parsed("run", &["--deny", "openvpn,  Wireguard"]);
    let sigs = load_signatures(&run_args(&p).policy.sources).unwrap();
    let e = policy_lists(&run_args(&p).policy.lists, &sigs, &p.origin).unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].to_string()
            .starts_with("--deny Wireguard: unknown protocol `Wireguard`"),
        "{}",
        e[0]
    );
    // Names are matched in any case and kept as the signatures spell them.
    let p = d.parsed("run", &["--deny", "openvpn, dns"]);
    let pol = policy_lists(&run_args(&p).policy.lists, &sigs, &p.origin).unwrap();
    assert_eq!(pol.deny, ["OpenVPN", "DNS"]);
}

#[test]
fn none_empties_a_category_list_and_only_alone() {
    let d = Dir::new("[policy]\nallow-category = []\ndeny-category = [\"vpn\"]\n");
    let r = d.running(&[]);
    assert!(r.policy.allow_category.is_empty());
    assert_eq!(r.policy.deny_category, ["VPN"]);
    d.write("[policy]\nallow-category = [\"none\", \"VoIP\"]\n");
    let p = d.parsed("run", &[]);
    let e = policy_lists(
        &run_args(&p).policy.lists,
        &SignatureSet::empty(),
        &p.origin,
    )
    .unwrap_err();
    assert!(
        e[0].to_string()
            .contains(":2:20: `none` stands for no category"),
        "{}",
        e[0]
    );
}

#[test]
fn a_reload_applies_a_policy_change() {
    let d = Dir::new("[policy]\ndeny = [\"DNS\"]\n");
    let mut r = d.running(&[]);
    d.write("[policy]\ndeny = [\"OpenVPN\"]\nunlisted = \"accept\"\n");
    let (_, policy) = r.reload().unwrap();
    assert_eq!(policy.deny, ["OpenVPN"]);
    assert_eq!(policy.unlisted, Verdict::Accept);
    assert_eq!(
        r.policy.deny,
        ["OpenVPN"],
        "the new policy is the running one"
    );
}

#[test]
fn a_reload_refuses_a_key_that_disappeared() {
    let d = Dir::new("queues = \"0\"\n[policy]\ndeny = [\"DNS\"]\nallow-category = [\"VoIP\"]\n");
    let mut r = d.running(&[]);
    // The [policy] table lost: every key of it is reported, and nothing changes.
    d.write("queues = \"0\"\n");
    let e = r.reload().unwrap_err();
    let text = e.join("\n");
    assert!(
        text.contains("`policy.deny` (line 3 of the running configuration) is missing"),
        "{text}"
    );
    assert!(text.contains("`policy.allow-category` (line 4"), "{text}");
    assert_eq!(r.policy.deny, ["DNS"], "the running policy stays");
    // An empty file: the same.
    d.write("");
    assert!(r
        .reload()
        .unwrap_err()
        .join("\n")
        .contains("`queues` (line 1"));
}

#[test]
fn a_reload_refuses_an_allow_list_that_became_empty() {
    let d = Dir::new("[policy]\nallow = [\"DNS\"]\nallow-category = [\"VoIP\"]\n");
    let mut r = d.running(&[]);
    d.write("[policy]\nallow = []\nallow-category = []\n");
    let e = r.reload().unwrap_err().join("\n");
    assert!(e.contains("`allow` would become empty (it was DNS)"), "{e}");
    assert!(
        e.contains("`allow-category` would become empty (it was VoIP)"),
        "{e}"
    );
}

#[test]
fn a_reload_refuses_a_name_or_a_protocol_no_longer_loaded() {
    let d = Dir::new("[policy]\ndeny = [\"OpenVPN\"]\n");
    let mut r = d.running(&[]);
    std::fs::write(
        d.path("sigs/all.sig"),
        "protocol DNS id 5 category Network\n  rule d\n    port 53\n    u16@4 == 1\n",
    )
    .unwrap();
    let e = r.reload().unwrap_err().join("\n");
    assert!(e.contains("unknown protocol `OpenVPN`"), "{e}");
    d.write("");
    let e = r.reload().unwrap_err().join("\n");
    assert!(
        e.contains("protocol `Skype_TeamsCall` (id 38, declared at all.sig:8) is no longer loaded"),
        "{e}"
    );
    assert!(e.contains("`policy.deny` (line 2"), "{e}");
}

#[test]
fn a_reload_refuses_a_change_that_needs_a_restart() {
    let d = Dir::new("queues = \"0\"\n[policy]\nbudget = \"10KiB\"\n");
    let mut r = d.running(&[]);
    d.write("queues = \"0-3\"\n[policy]\nbudget = \"20KiB\"\n");
    let e = r.reload().unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("`queues` changed from `0` to `0-3`: it takes a restart"),
        "{}",
        e[0]
    );
    assert_eq!(r.policy.budget, 10 * 1024, "nothing of it applied");
    // An option given on the command line is what runs, whatever the file says.
    d.write("queues = \"0\"\n[policy]\nbudget = \"10KiB\"\n");
    let mut r = d.running(&["--queues", "5"]);
    d.write("queues = \"0-3\"\n[policy]\nbudget = \"20KiB\"\n");
    let (_, p) = r.reload().unwrap();
    assert_eq!(p.budget, 20 * 1024);
}

proptest::proptest! {
    /// Any text, and any cut or byte flip of the shipped file, is either accepted or refused with
    /// errors that each name a line of the file; it never panics.
    #[test]
    fn any_text_is_checked_without_panicking(
        text in "(?s).{0,200}",
        cut in 0usize..2000,
        flips in proptest::collection::vec((0usize..2000, proptest::prelude::any::<u8>()), 0..6),
    ) {
        let _ = check_text(Path::new("x.toml"), text);
        let mut shipped = include_bytes!("../../contrib/nfdpi.toml").to_vec();
        for (i, b) in flips {
            if let Some(x) = shipped.get_mut(i) {
                *x = b;
            }
        }
        shipped.truncate(cut.max(1));
        let text = String::from_utf8_lossy(&shipped).into_owned();
        if let Err(errors) = check_text(Path::new("x.toml"), text) {
            for e in errors {
                let shown = e.to_string();
                proptest::prop_assert!(shown.starts_with("x.toml:"), "{}", shown);
            }
        }
    }
}
