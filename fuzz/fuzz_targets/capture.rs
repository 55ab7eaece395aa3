//! A whole capture file through classify's reader (pcap or pcapng, any link type) with the
//! shipped signatures, tunnels opened (classify's default) and closed (`--no-decapsulate`).
//! Reading the same capture twice must give the same records: time comes from the capture, and
//! no output order may depend on the flow table's randomized hasher.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nfdpi::engine::{EngineConfig, FlowRecord};
use nfdpi::replay::classify_capture;
use nfdpi::report::{render, Format};
use nfdpi_fuzz::shipped;

/// The file each input is written to (the reader takes a path), one per fuzzing process.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("nfdpi-fuzz-capture-{}.pcap", std::process::id()))
    })
}

/// The capture's error, if any, and its records as JSON lines.
fn classify(decapsulate: bool) -> (Option<String>, Vec<u8>) {
    let cfg = EngineConfig {
        decapsulate,
        ..EngineConfig::default()
    };
    let line = |r: &FlowRecord, buf: &mut Vec<u8>| render(Format::Jsonl, "fuzz", r, buf);
    let mut out = Vec::new();
    let result = classify_capture(scratch(), &cfg, shipped(), false, &line, |_, l| {
        out.extend_from_slice(l);
        Ok(())
    });
    (result.err().map(|e| e.to_string()), out)
}

fuzz_target!(|data: &[u8]| {
    if std::fs::write(scratch(), data).is_err() {
        return;
    }
    let first = classify(true);
    assert_eq!(first, classify(true), "two reads of one capture differ");
    classify(false);
});
