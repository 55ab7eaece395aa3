//! IP fragments: non-first fragments carry no ports, so they are tied to their flow by
//! (source, destination, IP protocol, identification), learnt from the first fragment. Fragments
//! that arrive before their first one wait here (counted, never parsed) until it comes.
//! Bounded in entries and time, like the flow table.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use dashmap::DashMap;

use super::key::{FlowKey, Side};
use crate::packet::Fragment;

/// Identity of one fragmented datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragId {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub id: u32,
}

/// Fragments whose first fragment has not been seen yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waiting {
    pub packets: u32,
    pub bytes: u64,
    /// Time of the earliest of them (0 when none).
    pub first_seen: u64,
}

impl Waiting {
    fn add(&mut self, ip_len: u32, now: u64) {
        if self.packets == 0 || now < self.first_seen {
            self.first_seen = now;
        }
        self.packets += 1;
        self.bytes += u64::from(ip_len);
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    flow: Option<(FlowKey, Side)>,
    waiting: Waiting,
    last_seen: u64,
    /// Datagram data bytes seen so far, and the datagram's length once its last fragment came.
    seen: u32,
    total: Option<u32>,
}

impl Entry {
    fn new(now: u64) -> Self {
        Entry {
            flow: None,
            waiting: Waiting::default(),
            last_seen: now,
            seen: 0,
            total: None,
        }
    }

    /// Count one fragment's data; true once the whole datagram has been seen, so the entry can
    /// go at once instead of holding a place for the reassembly timeout.
    fn account(&mut self, frag: &Fragment, now: u64) -> bool {
        self.last_seen = now;
        self.seen = self.seen.saturating_add(frag.len);
        if !frag.more {
            self.total = Some(frag.offset.saturating_add(frag.len));
        }
        self.flow.is_some() && self.total.is_some_and(|t| self.seen >= t)
    }
}

/// Datagram id → flow, for fragments.
pub struct FragTable {
    map: DashMap<FragId, Entry, ahash::RandomState>,
    len: AtomicUsize,
    /// Most datagrams tracked at once (default 65,536).
    pub max_entries: usize,
    /// A datagram with no fragment for this long is forgotten, in nanoseconds (default 30 s,
    /// the kernel's reassembly timeout).
    pub timeout: u64,
}

impl Default for FragTable {
    fn default() -> Self {
        FragTable {
            map: DashMap::with_hasher(ahash::RandomState::new()),
            len: AtomicUsize::new(0),
            max_entries: 65_536,
            timeout: 30 * super::table::NS,
        }
    }
}

impl FragTable {
    /// The first fragment of `id` belongs to `flow`; returns fragments that were waiting for it.
    pub fn first(&self, id: FragId, frag: &Fragment, flow: (FlowKey, Side), now: u64) -> Waiting {
        match self.map.entry(id) {
            dashmap::mapref::entry::Entry::Occupied(mut e) => {
                let entry = e.get_mut();
                entry.flow = Some(flow);
                let waiting = std::mem::take(&mut entry.waiting);
                if entry.account(frag, now) {
                    e.remove();
                    self.len.fetch_sub(1, Ordering::Relaxed);
                }
                waiting
            }
            dashmap::mapref::entry::Entry::Vacant(v) => {
                if self.admit() {
                    let mut entry = Entry::new(now);
                    entry.flow = Some(flow);
                    entry.account(frag, now);
                    v.insert(entry);
                }
                Waiting::default()
            }
        }
    }

    /// A later fragment of `id`: its flow if known; otherwise it is kept waiting (`None`).
    /// Returns `Err(())` when it can be neither placed nor kept (table full).
    #[allow(clippy::result_unit_err)]
    pub fn later(
        &self,
        id: FragId,
        frag: &Fragment,
        ip_len: u32,
        now: u64,
    ) -> Result<Option<(FlowKey, Side)>, ()> {
        match self.map.entry(id) {
            dashmap::mapref::entry::Entry::Occupied(mut e) => {
                let entry = e.get_mut();
                if entry.flow.is_none() {
                    entry.waiting.add(ip_len, now);
                }
                let flow = entry.flow;
                if entry.account(frag, now) {
                    e.remove();
                    self.len.fetch_sub(1, Ordering::Relaxed);
                }
                Ok(flow)
            }
            dashmap::mapref::entry::Entry::Vacant(v) => {
                if !self.admit() {
                    return Err(());
                }
                let mut entry = Entry::new(now);
                entry.waiting.add(ip_len, now);
                entry.account(frag, now);
                v.insert(entry);
                Ok(None)
            }
        }
    }

    /// Forget datagrams idle past the timeout; returns the fragments that never found their
    /// first one (packets, bytes), for the counters.
    pub fn sweep(&self, now: u64) -> Waiting {
        let mut lost = Waiting::default();
        let mut removed = 0;
        let timeout = self.timeout;
        self.map.retain(|_, e| {
            if now == u64::MAX || now > e.last_seen.saturating_add(timeout) {
                lost.packets += e.waiting.packets;
                lost.bytes += e.waiting.bytes;
                removed += 1;
                false
            } else {
                true
            }
        });
        self.len.fetch_sub(removed, Ordering::Relaxed);
        lost
    }

    fn admit(&self) -> bool {
        if self.len.fetch_add(1, Ordering::Relaxed) >= self.max_entries {
            self.len.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }
}
