//! Memory per tracked flow: pushes N distinct UDP flows (half IPv4, half IPv6, one 100-byte
//! packet each) through the engine and reports the process's resident-set growth per flow, then
//! offers twice the cap to show that the cap holds memory flat.
//!
//! usage: cargo run --release --example flowmem -- [FLOWS] [--signatures DIR]   (default 1000000)

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use nfdpi::engine::{Engine, EngineConfig};
use nfdpi::flow::TableConfig;
use nfdpi::signature::SignatureSet;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
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
    let before = rss_kib();
    for i in 0..flows {
        packet(i, &mut buf);
        engine.process_ip(&buf, 1_000_000_000);
    }
    let filled = rss_kib();
    assert_eq!(engine.flows(), flows as usize);
    let per_flow = (filled - before) as f64 * 1024.0 / f64::from(flows);
    println!("flows={flows} rss_before_kib={before} rss_filled_kib={filled} bytes_per_flow={per_flow:.1}");
    // Offer as many again, all new: the table is full, they are refused, memory stays flat.
    for i in flows..flows.saturating_mul(2) {
        packet(i, &mut buf);
        engine.process_ip(&buf, 1_000_000_000);
    }
    let over = rss_kib();
    let s = engine.stats().snapshot();
    println!(
        "offered={} tracked={} refused={} rss_over_cap_kib={over} growth_over_cap_kib={}",
        u64::from(flows) * 2,
        engine.flows(),
        s.flows_refused,
        over.saturating_sub(filled)
    );
}
