//! Memory per tracked flow: pushes N distinct UDP flows (half IPv4, half IPv6, one 100-byte
//! packet each) through the engine and reports the process's peak resident-set growth per flow
//! (`VmHWM`, so a transient peak such as a table resize counts), then offers as many flows again
//! past the cap to show that the cap holds memory flat.
//!
//! usage: cargo run --release --example flowmem -- [FLOWS] [--signatures DIR]   (default 1000000)

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use nfdpi::engine::{Engine, EngineConfig};
use nfdpi::flow::TableConfig;
use nfdpi::signature::SignatureSet;

/// A `/proc/self/status` field in KiB (`VmRSS`: resident now, `VmHWM`: peak resident).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Reset the peak (`VmHWM`) to the current resident set (Linux 4.0+); false if refused.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The i-th flow's first packet, as NFQUEUE would hand it over (IP header first).
fn packet(i: u32, buf: &mut Vec<u8>) {
    buf.clear();
    let payload = [0x42u8; 72];
    let sport = 1024 + (i % 64_000) as u16;
    let b = if i.is_multiple_of(2) {
        let src = Ipv4Addr::from(0x0a00_0000 | (i / 64_000));
        etherparse::PacketBuilder::ipv4(src.octets(), [192, 0, 2, 1], 64).udp(sport, 40000)
    } else {
        let src = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, (i >> 16) as u16, i as u16);
        let dst = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
        etherparse::PacketBuilder::ipv6(src.octets(), dst.octets(), 64).udp(sport, 40000)
    };
    b.write(buf, &payload).expect("write to a Vec");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flows: u32 = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let sigs = match args.iter().position(|a| a == "--signatures") {
        Some(i) => SignatureSet::load(&[args[i + 1].clone().into()]).expect("signature set"),
        None => SignatureSet::empty(),
    };
    let cfg = EngineConfig {
        table: TableConfig {
            max_flows: flows as usize,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut buf = Vec::with_capacity(256);
    let engine = Engine::new(cfg, Arc::new(sigs));
    // Without a reset the peak may predate the fill (loading signatures): growth is then
    // measured from that earlier peak, which can only understate it, so say so.
    let reset = reset_peak();
    let before = status_kib("VmRSS");
    let hwm_before = status_kib("VmHWM");
    for i in 0..flows {
        packet(i, &mut buf);
        engine.process_ip(&buf, 1_000_000_000);
    }
    let filled = status_kib("VmRSS");
    let peak = status_kib("VmHWM");
    assert_eq!(engine.flows(), flows as usize);
    let base = if reset { before } else { hwm_before };
    let per_flow = peak.saturating_sub(base) as f64 * 1024.0 / f64::from(flows);
    let now_per_flow = filled.saturating_sub(before) as f64 * 1024.0 / f64::from(flows);
    println!(
        "flows={flows} rss_before_kib={before} rss_filled_kib={filled} peak_filled_kib={peak} \
         peak_reset={reset} bytes_per_flow={per_flow:.1} (peak growth; current growth {now_per_flow:.1})"
    );
    // Offer as many again, all new: the table is full, they are refused, memory stays flat.
    for i in flows..flows.saturating_mul(2) {
        packet(i, &mut buf);
        engine.process_ip(&buf, 1_000_000_000);
    }
    let over = status_kib("VmRSS");
    let peak_over = status_kib("VmHWM");
    let s = engine.stats().snapshot();
    println!(
        "offered={} tracked={} refused={} rss_over_cap_kib={over} peak_over_cap_kib={peak_over} \
         growth_over_cap_kib={} (peak)",
        u64::from(flows) * 2,
        engine.flows(),
        s.flows_refused,
        peak_over.saturating_sub(peak)
    );
}
