//! Packets from their IP header, as NFQUEUE hands them to the daemon: one or more packets (see
//! `records`) through the engine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nfdpi_fuzz::{records, run_engines};

fuzz_target!(|data: &[u8]| {
    let packets = records(data);
    run_engines(&packets, |e, packet, now| e.process_ip(packet, now));
});
