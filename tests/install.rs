//! What the Debian package is built from, checked on the built binary: the man pages and shell
//! completions `nfdpi generate` renders (one page per subcommand, every option `--help` shows),
//! and which signature set a binary outside its source tree loads by default.
//! `.ci/package-test` checks the installed package itself.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nfdpi(bin: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env_remove("NFDPI_SIGNATURES");
    c
}

fn built() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nfdpi"))
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands `nfdpi --help` lists (without clap's `help`).
fn subcommands() -> Vec<String> {
    let help = ok(nfdpi(&built()).arg("--help").output().unwrap());
    let list = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("--help has a Commands: section");
    // A name is indented two spaces; a description wrapped onto the next line, further.
    list.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The long options (`--name`) a help text or man page shows, in order of first appearance.
fn long_options(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (i, _) in text.match_indices("--") {
        let name: String = text[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let opt = format!("--{name}");
        if name.len() > 1 && !found.contains(&opt) {
            found.push(opt);
        }
    }
    found
}

#[test]
fn man_pages_cover_every_subcommand_and_every_option_of_its_help() {
    let dir = tempfile::tempdir().unwrap();
    let listed = ok(nfdpi(&built())
        .args(["generate", "man"])
        .arg(dir.path())
        .output()
        .unwrap());
    let subs = subcommands();
    assert!(subs.len() >= 4, "{subs:?}");
    let mut expected = vec!["nfdpi.1".to_string()];
    expected.extend(subs.iter().map(|s| format!("nfdpi-{s}.1")));
    let written: Vec<String> = listed
        .lines()
        .map(|l| {
            Path::new(l)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(written, expected);
    for sub in &subs {
        let help = ok(nfdpi(&built()).args([sub, "--help"]).output().unwrap());
        let page = std::fs::read_to_string(dir.path().join(format!("nfdpi-{sub}.1"))).unwrap();
        // roff writes a minus as `\-`.
        let page = page.replace("\\-", "-");
        for opt in long_options(&help) {
            assert!(page.contains(&opt), "nfdpi-{sub}.1 lacks {opt}");
        }
    }
}

#[test]
fn generate_is_hidden_from_help() {
    assert!(!subcommands().iter().any(|s| s == "generate"));
}

#[test]
fn completions_for_bash_zsh_and_fish_know_every_subcommand() {
    let subs = subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(nfdpi(&built())
            .args(["generate", "completions", shell])
            .output()
            .unwrap());
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell}: no {sub}");
        }
        assert!(
            !script.contains("generate"),
            "{shell}: offers the hidden generate"
        );
    }
    let out = nfdpi(&built())
        .args(["generate", "completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The `; loaded from …` part of `check-signatures`' summary.
fn loaded_from(bin: &Path, cwd: &Path) -> String {
    // A binary copied by this process can be "busy" (ETXTBSY) for a moment: a process forked by
    // another test thread while the copy's file was open for writing holds it until it execs.
    let mut attempts = 0;
    let output = loop {
        match nfdpi(bin).arg("check-signatures").current_dir(cwd).output() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && attempts < 100 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => break r.unwrap(),
        }
    };
    let out = ok(output);
    out.trim_end()
        .rsplit_once("; loaded from ")
        .unwrap_or_else(|| panic!("no `loaded from` in {out}"))
        .1
        .to_string()
}

#[test]
fn a_binary_in_its_source_tree_loads_the_tree_signatures() {
    let tree = common::root().join("signatures");
    let elsewhere = tempfile::tempdir().unwrap();
    assert_eq!(
        loaded_from(&built(), elsewhere.path()),
        tree.display().to_string()
    );
}

#[test]
fn a_binary_outside_its_source_tree_prefers_the_installed_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("nfdpi");
    std::fs::copy(built(), &copy).unwrap();
    let installed = Path::new("/usr/share/nfdpi/signatures");
    // With the package installed, its set wins even though the source tree is still there;
    // without it, the tree is the fallback (`cargo install --path .`).
    let expected = if installed.is_dir() {
        installed.to_path_buf()
    } else {
        common::root().join("signatures")
    };
    assert_eq!(
        loaded_from(&copy, dir.path()),
        expected.display().to_string()
    );
}
