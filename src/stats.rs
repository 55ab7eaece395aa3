//! Counters shared by every thread: atomic, never locked, never logged per packet.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// Engine counters. All monotonic.
        #[derive(Debug, Default)]
        pub struct Stats { $($(#[$doc])* pub $name: AtomicU64,)* }

        /// A plain copy of the counters at one moment.
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
        pub struct Snapshot { $(pub $name: u64,)* }

        impl Stats {
            pub fn snapshot(&self) -> Snapshot {
                Snapshot { $($name: self.$name.load(Relaxed),)* }
            }
        }

        impl Snapshot {
            /// The sum of two snapshots (shards of one capture).
            pub fn plus(&self, o: &Snapshot) -> Snapshot {
                Snapshot { $($name: self.$name + o.$name,)* }
            }

            /// (name, value) pairs, in declaration order.
            pub fn fields(&self) -> Vec<(&'static str, u64)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

counters! {
    /// Packets handed to the engine.
    packets,
    /// Their IP bytes.
    bytes,
    /// Packets that could not be parsed (bad lengths, broken headers).
    malformed,
    /// Frames that carry no IP (ARP, LLDP…).
    non_ip,
    /// IP packets that are neither UDP nor TCP (ICMP, ESP, GRE…): not tracked.
    other_ip,
    /// IP fragments seen.
    fragments,
    /// Fragments whose first fragment never came (or the fragment table was full).
    fragments_orphaned,
    /// Flows created.
    flows_created,
    /// Flows that left the table (expired or at the end of a capture).
    flows_ended,
    /// New flows not tracked because the table was full (they got the overflow verdict).
    flows_refused,
    /// Flows identified by a signature.
    flows_identified,
    /// Flows cut by the budget.
    flows_cut,
    /// Accept verdicts.
    verdict_accept,
    /// Drop verdicts.
    verdict_drop,
}

impl Stats {
    pub fn add(&self, c: &AtomicU64, n: u64) {
        c.fetch_add(n, Relaxed);
    }
}
