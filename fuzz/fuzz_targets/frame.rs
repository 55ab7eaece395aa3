//! A frame of any link type nfdpi reads, as a capture gives it: the first byte picks the link
//! type, the rest is one or more frames (see `records`), through the engine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nfdpi::engine::LinkType;
use nfdpi_fuzz::{records, run_engines};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let link = LinkType::ALL[usize::from(pick) % LinkType::ALL.len()];
    let frames = records(rest);
    run_engines(&frames, |e, frame, now| e.process(link, frame, now));
});
