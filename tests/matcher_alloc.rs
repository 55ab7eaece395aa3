//! Matching allocates nothing (`docs/signatures.md`, "Matching cost"): a counting allocator
//! watches the matcher on flows that exercise every path keeping state across packets — a
//! `repeat … same` rule, an `echo` rule whose request is recorded and whose reply matches, a
//! held match — and on the shipped set. Any allocation on the calling thread fails the test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use nfdpi::packet::{Direction, Packet, UDP};
use nfdpi::signature::matcher::{inspect, Ctx, Outcome, Progress};
use nfdpi::signature::SignatureSet;

struct Counting;

thread_local! {
    /// Allocations made by this thread while `WATCHING` is set.
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counter is a
// thread-local `Cell` with a const initializer, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Run (direction, payload) packets of one flow through `set`, counting allocations made
/// inside `inspect` only; returns the outcome of each packet (the protocol's name or "-").
fn run(set: &SignatureSet, flow: &[(Direction, Vec<u8>)]) -> (Vec<String>, usize) {
    let mut progress = Progress::default();
    let mut in_dir = [0u32; 2];
    let mut names = Vec::new();
    let mut allocations = 0;
    for (i, (dir, payload)) in flow.iter().enumerate() {
        let d = usize::from(*dir == Direction::ToClient);
        let ctx = Ctx {
            dir: *dir,
            index: u32::try_from(i).unwrap(),
            index_in_dir: in_dir[d],
        };
        in_dir[d] += 1;
        let (src, dst, sport, dport) = match dir {
            Direction::ToServer => ("10.0.0.1", "10.0.0.2", 40000, 5000),
            Direction::ToClient => ("10.0.0.2", "10.0.0.1", 5000, 40000),
        };
        let pkt = Packet {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: UDP,
            sport,
            dport,
            payload,
            ip_len: 28 + u32::try_from(payload.len()).unwrap(),
            frag: None,
        };
        COUNT.with(|c| c.set(0));
        WATCHING.with(|w| w.set(true));
        let outcome = inspect(set, &pkt, &ctx, &mut progress);
        let name = match outcome {
            Outcome::Matched(l) => Some(l.protocol.as_str()),
            Outcome::Undecided | Outcome::GaveUp => None,
        };
        WATCHING.with(|w| w.set(false));
        allocations += COUNT.with(Cell::get);
        names.push(name.unwrap_or("-").to_string());
    }
    (names, allocations)
}

#[test]
fn matching_allocates_nothing_on_repeat_echo_and_held_flows() {
    let set = SignatureSet::from_sources(&[(
        "t.sig",
        "protocol Echoed id 1 category Custom\n  rule e\n    packet within 3\n    u8@0 == 0x45\n    echo u16@1\n\
         protocol Stream id 2 category Custom\n  rule s\n    packet within 3\n    u8@0 == 0x53\n    repeat 3 same u32@1\n\
         protocol Held id 3 category Custom\n  rule h\n    priority -1\n    hold\n    u8@0 == 0x48\n",
    )])
    .unwrap_or_else(|e| panic!("{}", e[0]));
    let (c, s) = (Direction::ToServer, Direction::ToClient);
    let echo = [
        (c, vec![0x45, 1, 2]),
        (c, vec![0x45, 3, 4]),
        (s, vec![0x45, 3, 4]),
    ];
    let stream = [
        (c, vec![0x53, 9, 9, 9, 9]),
        (c, vec![0x53, 9, 9, 9, 9]),
        (c, vec![0x53, 9, 9, 9, 9]),
    ];
    // The held match is final once the rules that outrank it are past their window (3).
    let held = [(c, vec![0x48]), (s, vec![0x00]), (c, vec![0x00])];
    for (flow, want) in [
        (&echo[..], ["-", "-", "Echoed"]),
        (&stream[..], ["-", "-", "Stream"]),
        (&held[..], ["-", "-", "Held"]),
    ] {
        let (names, allocations) = run(&set, flow);
        assert_eq!(names, want, "{flow:?}");
        assert_eq!(allocations, 0, "{flow:?}");
    }
}

#[test]
fn the_shipped_set_matches_without_allocating() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    let set = SignatureSet::load(&[dir]).unwrap_or_else(|e| panic!("{}", e[0]));
    let (c, s) = (Direction::ToServer, Direction::ToClient);
    // A DNS query and a STUN binding request, their answers, then bytes no rule names.
    let dns = hex("629801000001000000000000046d7174740866616365626f6f6b03636f6d0000010001");
    let stun = hex("000100002112a4424133516369344e75724f4b41");
    let flow: Vec<(Direction, Vec<u8>)> = (0..30u8)
        .map(|i| match i % 3 {
            0 => (c, dns.clone()),
            1 => (s, stun.clone()),
            _ => (c, vec![i; usize::from(i) + 1]),
        })
        .collect();
    let (_, allocations) = run(&set, &flow);
    assert_eq!(allocations, 0);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
