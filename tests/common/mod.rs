//! Helpers shared by the integration tests: where the shared corpora are, and what a test does
//! when they are absent (skips with a message locally, fails when `NFDPI_REQUIRE_CORPUS=1`, as
//! CI sets it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The crate's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/pcaps` next to the crate.
pub fn shared_pcaps() -> PathBuf {
    root().join("../shared/pcaps")
}

/// True when tests must fail instead of skipping for an absent corpus (`NFDPI_REQUIRE_CORPUS=1`).
pub fn corpus_required() -> bool {
    std::env::var("NFDPI_REQUIRE_CORPUS").as_deref() == Ok("1")
}

/// Report that `what` is absent: a panic when the corpus is required, else a message on stderr
/// (the harness captures stdout of passing tests). Returns `None` for `?`-style use.
pub fn absent<T>(what: &Path, test: &str) -> Option<T> {
    if corpus_required() {
        panic!(
            "NFDPI_REQUIRE_CORPUS=1 but {} is absent: `{test}` cannot run",
            what.display()
        );
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: {} is absent (set NFDPI_REQUIRE_CORPUS=1 to make this an error)",
        what.display()
    );
    None
}

/// A capture named relative to the corpora: `ndpi/x.pcap` and `ndpi-more/x.pcap` live under
/// `../shared/pcaps/`, `pcaps/x.pcap` in this repository. `None` (after [`absent`]) when missing.
pub fn capture(rel: &str, test: &str) -> Option<PathBuf> {
    let p = if rel.starts_with("pcaps/") {
        root().join(rel)
    } else {
        shared_pcaps().join(rel)
    };
    if p.is_file() {
        Some(p)
    } else {
        absent(&p, test)
    }
}
