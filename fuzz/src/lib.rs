//! What the fuzz targets share: the shipped signature set (loaded once per process), the split
//! of one input into several packets, and a run of those packets through fresh engines with and
//! without decapsulation, checking the engine's own accounting on the way.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use nfdpi::engine::{Engine, EngineConfig, FlowRecord, PacketVerdict, SignatureSet};

/// The signature set nfdpi ships (`signatures/`), loaded once.
pub fn shipped() -> Arc<SignatureSet> {
    static SET: OnceLock<Arc<SignatureSet>> = OnceLock::new();
    let set = SET.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../signatures");
        match SignatureSet::load(&[dir]) {
            Ok(set) => Arc::new(set),
            Err(e) => panic!("the shipped signatures do not load: {e:?}"),
        }
    });
    Arc::clone(set)
}

/// One input as packets: records of a big-endian u16 length and that many bytes. A length
/// running past the end takes what is left, so any input is at least one packet.
pub fn records(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((len, rest)) = data.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (packet, tail) = rest.split_at(len);
        out.push(packet);
        data = tail;
    }
    if out.is_empty() {
        out.push(data);
    }
    out
}

/// Process `packets`, 1 ms apart, through a fresh engine with decapsulation off (the daemon's
/// way) and one with it on (classify's way), both with the shipped set, with `process`; then
/// sweep and drain. Checks what must hold whatever the bytes: one verdict per packet, every flow
/// created is reported exactly once, no flow is left behind.
pub fn run_engines(packets: &[&[u8]], process: impl Fn(&Engine, &[u8], u64) -> PacketVerdict) {
    for decapsulate in [false, true] {
        let cfg = EngineConfig {
            decapsulate,
            ..EngineConfig::default()
        };
        let engine = Engine::new(cfg, shipped());
        let mut records: Vec<FlowRecord> = Vec::new();
        for (i, p) in packets.iter().enumerate() {
            let now = 1_700_000_000_000_000_000 + i as u64 * 1_000_000;
            let v = process(&engine, p, now);
            assert!(!v.decided || v.mark != 0, "a decided packet carries a mark");
        }
        // Half-way through the idle timeout nothing expires; past it everything does.
        let end = 1_700_000_000_000_000_000 + packets.len() as u64 * 1_000_000;
        engine.sweep(end + 1_000_000_000, &mut records);
        engine.drain(&mut records);
        let s = engine.stats().snapshot();
        assert_eq!(s.packets, packets.len() as u64);
        assert_eq!(s.verdict_accept + s.verdict_drop, s.packets);
        assert_eq!(records.len() as u64, s.flows_created);
        assert_eq!(s.flows_ended, s.flows_created);
        assert_eq!(engine.flows(), 0);
    }
}
