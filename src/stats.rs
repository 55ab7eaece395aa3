//! Counters shared by every thread: atomic, never locked, never logged per packet.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! counters {
    ($(#[$sdoc:meta])* $stats:ident, $snap:ident; $($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(#[$sdoc])*
        #[derive(Debug, Default)]
        pub struct $stats { $($(#[$doc])* pub $name: AtomicU64,)* }

        /// A plain copy of the counters at one moment.
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
        pub struct $snap { $(pub $name: u64,)* }

        impl $stats {
            pub fn snapshot(&self) -> $snap {
                $snap { $($name: self.$name.load(Relaxed),)* }
            }
        }

        impl $snap {
            /// The sum of two snapshots (shards of one capture).
            pub fn plus(&self, o: &$snap) -> $snap {
                $snap { $($name: self.$name + o.$name,)* }
            }

            /// (name, value) pairs, in declaration order.
            pub fn fields(&self) -> Vec<(&'static str, u64)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

counters! {
    /// Engine counters. All monotonic.
    Stats, Snapshot;
    /// Packets handed to the engine.
    packets,
    /// Their IP bytes.
    bytes,
    /// Packets whose IP or UDP/TCP header could not be read (cut short, bad lengths, an IPv6
    /// extension chain running past the packet): they get the malformed verdict, drop by
    /// default.
    malformed,
    /// Frames that carry no IP (ARP, LLDP…).
    non_ip,
    /// IP packets that are neither UDP nor TCP (ICMP, ESP, GRE…): not tracked.
    other_ip,
    /// UDP/TCP packets of a transport nfdpi does not inspect (`--transport`): passed, counted in
    /// their flow, never decided.
    uninspected,
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

counters! {
    /// Live daemon counters (the receive loops, signals, the kernel queue). All monotonic.
    DaemonStats, DaemonSnapshot;
    /// Packets received from the kernel queues.
    received,
    /// Verdicts sent (exactly one per received packet unless the socket failed).
    verdicted,
    /// Verdicts the kernel refused or that could not be sent.
    verdict_errors,
    /// NF_REPEAT verdicts (decided packets in `--verdict repeat` mode).
    repeats,
    /// Packets that came back to the queue already carrying nfdpi's decision bits: the ruleset
    /// does not obey the mark; they were verdicted from the mark without the engine.
    requeued_marked,
    /// Receive errors other than ENOBUFS (EINTR from shutdown is not counted).
    recv_errors,
    /// ENOBUFS: the socket buffer overflowed and the kernel dropped messages.
    enobufs,
    /// The engine panicked on a packet (it got the default verdict).
    engine_panics,
    /// Queue sockets reopened after a failure.
    reopens,
    /// Signature reloads that succeeded.
    reloads,
    /// Signature reloads refused (the old set stayed).
    reloads_failed,
}

impl Stats {
    pub fn add(&self, c: &AtomicU64, n: u64) {
        c.fetch_add(n, Relaxed);
    }
}
