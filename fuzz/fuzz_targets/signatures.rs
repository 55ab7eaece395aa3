//! Signature files from text: the input is one file, valid UTF-8 or not (the loader reads
//! files as UTF-8; invalid bytes reach it as replacement characters). A set that loads is then
//! used on a few packets.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use nfdpi::engine::{Engine, EngineConfig, SignatureSet};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(set) = SignatureSet::from_sources(&[("fuzz.sig", &text)]) else {
        return;
    };
    let engine = Engine::new(EngineConfig::default(), Arc::new(set));
    // A DNS query, then the input itself as a UDP payload both ways.
    let dns = udp(&[
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7, b'e', b'x', b'a', b'm', b'p', b'l',
        b'e', 3, b'c', b'o', b'm', 0, 0, 1, 0, 1,
    ]);
    engine.process_ip(&dns, 0);
    let body: Vec<u8> = data.iter().copied().take(1400).collect();
    let mut packet = udp(&body);
    engine.process_ip(&packet, 1);
    // The reply: addresses and ports swapped.
    swap(&mut packet);
    engine.process_ip(&packet, 2);
    let mut out = Vec::new();
    engine.drain(&mut out);
});

/// An IPv4/UDP packet 192.0.2.1:40000 → 192.0.2.2:53 carrying `payload`.
fn udp(payload: &[u8]) -> Vec<u8> {
    let total = (28 + payload.len()) as u16;
    let mut p = vec![
        0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&40000u16.to_be_bytes());
    p.extend_from_slice(&53u16.to_be_bytes());
    p.extend_from_slice(&(total - 20).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

fn swap(p: &mut [u8]) {
    for i in 0..4 {
        p.swap(12 + i, 16 + i);
    }
    for i in 0..2 {
        p.swap(20 + i, 22 + i);
    }
}
