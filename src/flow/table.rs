//! The flow table: a concurrent map from canonical key to state, bounded in size, with idle
//! timeouts. Time is passed in; the table never reads a clock. Callers get one entry at a time
//! through a closure, so no entry guard is held while the table is touched again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;

use super::key::{FlowKey, Side};
use super::slab::Slab;
use super::state::FlowState;
use crate::packet::{TCP, UDP};

/// Nanoseconds in a second.
pub const NS: u64 = 1_000_000_000;

/// Size and timeouts of the table.
#[derive(Debug, Clone, Copy)]
pub struct TableConfig {
    /// Most flows tracked at once. Default 1,000,000. When full, a packet of a new flow is not
    /// tracked: it gets the policy's overflow verdict and `flows_refused` counts it. Tracked
    /// flows are never evicted early: that would hand a flow a fresh budget.
    pub max_flows: usize,
    /// A UDP flow with no packet for this long expires, in nanoseconds. Default 120 s (the
    /// kernel's conntrack UDP stream timeout).
    pub udp_timeout: u64,
    /// A TCP flow with no packet for this long expires, in nanoseconds. Default 300 s.
    pub tcp_timeout: u64,
    /// Any other transport, in nanoseconds. Default 60 s.
    pub other_timeout: u64,
}

impl Default for TableConfig {
    fn default() -> Self {
        TableConfig {
            max_flows: 1_000_000,
            udp_timeout: 120 * NS,
            tcp_timeout: 300 * NS,
            other_timeout: 60 * NS,
        }
    }
}

impl TableConfig {
    /// The idle timeout of a flow, in nanoseconds.
    pub fn timeout(&self, key: &FlowKey) -> u64 {
        match key.proto() {
            UDP => self.udp_timeout,
            TCP => self.tcp_timeout,
            _ => self.other_timeout,
        }
    }
}

/// What [`FlowTable::with_flow`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Access<R> {
    /// The closure ran on the flow's state; `new` tells whether the flow was created by it.
    Done { result: R, new: bool },
    /// The table is full and the flow is not tracked.
    Refused,
}

/// The bounded flow table.
///
/// An index (a `DashMap` with a randomized `ahash` hasher) maps each key to the id of a slot in
/// one of a fixed set of slabs, which hold the states. The index's buckets are what doubles and
/// runs half empty, so they are kept small (key and a `u32`); the states sit in slab chunks
/// that never move. The slab of a new flow is the one numbered like the index shard of its key,
/// and a slot id carries its slab's number in its low bits.
///
/// Locking, in one order only: an index shard's lock first, then at most one slab's lock; never
/// an index lock while a slab lock is held. A state is touched only while its key's index guard
/// is held, and slots are freed only under the index shard's write lock (when the key is
/// removed), so no one can use a slot while it is freed or reused.
pub struct FlowTable {
    map: DashMap<FlowKey, u32, ahash::RandomState>,
    slabs: Box<[Padded]>,
    /// Low bits of a slot id that number its slab.
    slab_bits: u32,
    len: AtomicUsize,
    cfg: TableConfig,
    /// Flows found expired when a packet arrived for them (before a sweep got to them): kept
    /// here until the next sweep reports them, so nothing is lost and order stays by time.
    expired_on_access: Mutex<Vec<(FlowKey, FlowState)>>,
}

impl FlowTable {
    pub fn new(cfg: TableConfig) -> Self {
        // A randomized hasher: attackers choose the keys.
        let map = DashMap::with_hasher(ahash::RandomState::new());
        // DashMap's shard count is a power of two; one slab per shard.
        let shards = map.shards().len().max(1);
        let slab_bits = shards.trailing_zeros();
        // The slab part of an id leaves `32 - slab_bits` bits for the slot.
        let limit = u32::try_from(1u64 << (32 - slab_bits)).unwrap_or(u32::MAX);
        FlowTable {
            map,
            slabs: (0..shards)
                .map(|_| Padded(Mutex::new(Slab::new(limit))))
                .collect(),
            slab_bits,
            len: AtomicUsize::new(0),
            cfg,
            expired_on_access: Mutex::new(Vec::new()),
        }
    }

    pub fn config(&self) -> &TableConfig {
        &self.cfg
    }

    /// Flows tracked now.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Run `f` on the state of `key`'s flow, creating it (client = `side`) if it is new or its
    /// predecessor has expired. Refused when the table is full and the flow is new.
    pub fn with_flow<R>(
        &self,
        key: FlowKey,
        side: Side,
        now: u64,
        f: impl FnOnce(&mut FlowState) -> R,
    ) -> Access<R> {
        let timeout = self.cfg.timeout(&key);
        match self.map.entry(key) {
            Entry::Occupied(e) => {
                let (mut slab, slot) = self.slab_of(*e.get());
                let Some(st) = slab.get_mut(slot) else {
                    unreachable!("an indexed slot is in use")
                };
                if now > st.last_seen.saturating_add(timeout) {
                    let old = std::mem::replace(st, FlowState::new(side, now));
                    let result = f(st);
                    drop(slab);
                    drop(e);
                    self.lock_expired().push((key, old));
                    return Access::Done { result, new: true };
                }
                Access::Done {
                    result: f(st),
                    new: false,
                }
            }
            Entry::Vacant(v) => {
                if self.len.fetch_add(1, Ordering::Relaxed) >= self.cfg.max_flows {
                    self.len.fetch_sub(1, Ordering::Relaxed);
                    return Access::Refused;
                }
                let n = self.map.determine_map(&key);
                let mut slab = lock(&self.slabs[n].0);
                let Some(slot) = slab.insert(FlowState::new(side, now)) else {
                    // Billions of flows in one slab: no id left to give.
                    self.len.fetch_sub(1, Ordering::Relaxed);
                    return Access::Refused;
                };
                let Some(st) = slab.get_mut(slot) else {
                    unreachable!("a slot just filled is in use")
                };
                let result = f(st);
                drop(slab);
                v.insert(slot << self.slab_bits | n as u32);
                Access::Done { result, new: true }
            }
        }
    }

    /// Run `f` on an existing flow's state without creating one; `None` if it is not tracked.
    pub fn with_existing<R>(
        &self,
        key: &FlowKey,
        f: impl FnOnce(&mut FlowState) -> R,
    ) -> Option<R> {
        let e = self.map.get(key)?;
        let (mut slab, slot) = self.slab_of(*e.value());
        slab.get_mut(slot).map(f)
    }

    /// Remove every flow idle past its timeout at `now`, and hand them to `out` ordered by first
    /// packet time then key (the map's own order is random), so output is reproducible.
    pub fn sweep(&self, now: u64, out: &mut Vec<(FlowKey, FlowState)>) {
        let cfg = self.cfg;
        self.extract(out, |k, st| {
            now > st.last_seen.saturating_add(cfg.timeout(k))
        });
    }

    /// Remove every flow (end of a capture), ordered as in [`FlowTable::sweep`].
    pub fn drain(&self, out: &mut Vec<(FlowKey, FlowState)>) {
        self.extract(out, |_, _| true);
    }

    /// Remove the flows `pred` picks, and those found expired on access, into `out`, sorted.
    fn extract(
        &self,
        out: &mut Vec<(FlowKey, FlowState)>,
        mut pred: impl FnMut(&FlowKey, &FlowState) -> bool,
    ) {
        let start = out.len();
        out.append(&mut self.lock_expired());
        let mut removed = 0usize;
        // `retain` holds each shard's write lock while it visits the shard's keys.
        self.map.retain(|k, id| {
            let (mut slab, slot) = self.slab_of(*id);
            let Some(st) = slab.get(slot) else {
                return false; // cannot happen: an index entry without a state is dropped
            };
            if !pred(k, st) {
                return true;
            }
            if let Some(st) = slab.remove(slot) {
                out.push((*k, st));
                removed += 1;
            }
            false
        });
        self.len.fetch_sub(removed, Ordering::Relaxed);
        sort_flows(&mut out[start..]);
    }

    /// Visit every tracked flow (for counters). Takes each shard's read lock in turn.
    pub fn for_each(&self, mut f: impl FnMut(&FlowKey, &FlowState)) {
        for e in self.map.iter() {
            let (slab, slot) = self.slab_of(*e.value());
            if let Some(st) = slab.get(slot) {
                f(e.key(), st);
            }
        }
    }

    /// The locked slab holding slot id `id`, and the slot's number in it. Call only while
    /// holding the index guard of the key that maps to `id`.
    fn slab_of(&self, id: u32) -> (MutexGuard<'_, Slab>, u32) {
        let n = id & ((1 << self.slab_bits) - 1);
        (lock(&self.slabs[n as usize].0), id >> self.slab_bits)
    }

    fn lock_expired(&self) -> MutexGuard<'_, Vec<(FlowKey, FlowState)>> {
        lock(&self.expired_on_access)
    }
}

/// A slab's lock on a cache line of its own: threads on different shards do not contend for
/// the line.
#[repr(align(64))]
struct Padded(Mutex<Slab>);

/// Lock a mutex. A poisoned lock only means another thread panicked while holding it; what it
/// guards is still sound (a slab's slots and free list are each updated in one step).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sort_flows(flows: &mut [(FlowKey, FlowState)]) {
    flows.sort_by(|a, b| (a.1.first_seen, &a.0).cmp(&(b.1.first_seen, &b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn key(port: u16) -> (FlowKey, Side) {
        let a: SocketAddr = format!("10.0.0.1:{port}").parse().unwrap();
        let b: SocketAddr = "10.0.0.2:53".parse().unwrap();
        FlowKey::from_parts(UDP, a, b)
    }

    #[test]
    fn cap_refuses_new_flows_and_keeps_old_ones() {
        let t = FlowTable::new(TableConfig {
            max_flows: 3,
            ..Default::default()
        });
        for p in 0..3 {
            let (k, s) = key(1000 + p);
            assert!(matches!(
                t.with_flow(k, s, 0, |_| ()),
                Access::Done { new: true, .. }
            ));
        }
        let (k, s) = key(2000);
        assert_eq!(t.with_flow(k, s, 0, |_| ()), Access::Refused);
        assert_eq!(t.len(), 3);
        // An existing flow still gets through.
        let (k, s) = key(1000);
        assert!(matches!(
            t.with_flow(k, s, 1, |_| ()),
            Access::Done { new: false, .. }
        ));
        // Once one expires, a new flow fits again.
        let mut out = Vec::new();
        t.sweep(200 * NS, &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(t.len(), 0);
        let (k, s) = key(2000);
        assert!(matches!(
            t.with_flow(k, s, 200 * NS, |_| ()),
            Access::Done { new: true, .. }
        ));
    }

    #[test]
    fn udp_timeout_edges() {
        let t = FlowTable::new(TableConfig::default());
        let (k, s) = key(1);
        t.with_flow(k, s, 0, |st| st.last_seen = 0);
        let mut out = Vec::new();
        t.sweep(120 * NS, &mut out); // exactly at the timeout: still alive
        assert!(out.is_empty());
        t.sweep(120 * NS + 1, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn expired_flow_restarts_on_access_and_is_reported() {
        let t = FlowTable::new(TableConfig::default());
        let (k, s) = key(1);
        t.with_flow(k, s, 0, |_| ());
        let r = t.with_flow(k, s.other(), 121 * NS, |st| st.client);
        assert_eq!(
            r,
            Access::Done {
                result: s.other(),
                new: true
            }
        );
        let mut out = Vec::new();
        t.sweep(121 * NS, &mut out);
        assert_eq!(
            out.len(),
            1,
            "the predecessor is reported by the next sweep"
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn drain_orders_by_first_seen() {
        let t = FlowTable::new(TableConfig::default());
        for (p, ts) in [(1u16, 30u64), (2, 10), (3, 20)] {
            let (k, s) = key(p);
            t.with_flow(k, s, ts, |_| ());
        }
        let mut out = Vec::new();
        t.drain(&mut out);
        let times: Vec<u64> = out.iter().map(|(_, st)| st.first_seen).collect();
        assert_eq!(times, vec![10, 20, 30]);
    }

    /// Every index entry points at a used slot in its key's slab, no two at the same slot, every
    /// used slot is indexed, and `len` counts them all.
    fn check(t: &FlowTable) {
        let mut seen = std::collections::HashSet::new();
        for e in t.map.iter() {
            let id = *e.value();
            let n = (id & ((1 << t.slab_bits) - 1)) as usize;
            assert_eq!(
                n,
                t.map.determine_map(e.key()),
                "a flow lives in its shard's slab"
            );
            let (slab, slot) = t.slab_of(id);
            assert!(slab.get(slot).is_some(), "an indexed slot is in use");
            assert!(seen.insert(id), "one slot per flow");
        }
        let used: usize = t.slabs.iter().map(|s| lock(&s.0).len()).sum();
        assert_eq!(used, seen.len());
        assert_eq!(t.len(), seen.len());
    }

    /// Per slab: one past the highest slot in use.
    fn high_water(t: &FlowTable) -> Vec<u32> {
        t.slabs
            .iter()
            .map(|s| lock(&s.0).ids().last().map_or(0, |id| id + 1))
            .collect()
    }

    #[test]
    fn sweep_keeps_the_living_findable_and_frees_slots_for_reuse() {
        let t = FlowTable::new(TableConfig::default());
        // Even ports are last seen at 100 s, odd ones at 0: a sweep at 121 s takes the odd ones.
        for p in 0..10_000u16 {
            let (k, s) = key(p);
            t.with_flow(k, s, u64::from(p % 2 == 0) * 100 * NS, |_| ());
        }
        check(&t);
        let before = high_water(&t);
        let mut out = Vec::new();
        t.sweep(121 * NS, &mut out);
        assert_eq!(out.len(), 5_000);
        assert!(out.iter().all(|(_, st)| st.first_seen == 0));
        check(&t);
        for p in 0..10_000u16 {
            let (k, _) = key(p);
            let seen = t.with_existing(&k, |st| st.first_seen);
            assert_eq!(seen, (p % 2 == 0).then_some(100 * NS));
        }
        // New flows take the freed slots: the slabs grow by little (only where a shard gets more
        // new flows than it lost).
        for p in 20_000..25_000u16 {
            let (k, s) = key(p);
            assert!(matches!(
                t.with_flow(k, s, 121 * NS, |_| ()),
                Access::Done { new: true, .. }
            ));
        }
        check(&t);
        assert_eq!(t.len(), 10_000);
        let grown: u32 = high_water(&t)
            .iter()
            .zip(&before)
            .map(|(now, then)| now.saturating_sub(*then))
            .sum();
        assert!(grown < 1_000, "freed slots are reused ({grown} new ones)");
    }

    #[test]
    fn drain_empties_every_slab() {
        let t = FlowTable::new(TableConfig::default());
        for p in 0..3_000u16 {
            let (k, s) = key(p);
            t.with_flow(k, s, u64::from(p), |_| ());
        }
        let mut n = 0;
        t.for_each(|_, _| n += 1);
        assert_eq!(n, 3_000);
        let mut out = Vec::new();
        t.drain(&mut out);
        assert_eq!(out.len(), 3_000);
        assert!(out
            .windows(2)
            .all(|w| w[0].1.first_seen < w[1].1.first_seen));
        check(&t);
        assert!(t.slabs.iter().all(|s| lock(&s.0).len() == 0));
    }

    #[test]
    fn threads_share_the_table_while_it_is_swept() {
        const WORKERS: u32 = 3;
        const ROUNDS: u64 = 4;
        const KEYS: u16 = 8_000;
        let t = FlowTable::new(TableConfig::default());
        let mut reported = Vec::new();
        std::thread::scope(|sc| {
            for w in 0..WORKERS {
                let t = &t;
                sc.spawn(move || {
                    // Overlapping keys; time moves on, so flows expire and start again, found
                    // expired either by a packet or by a sweep.
                    for round in 0..ROUNDS {
                        for p in 0..KEYS {
                            let (k, s) = key(p);
                            let now = round * 200 * NS + u64::from(w);
                            t.with_flow(k, s, now, |st| st.packets[0] += 1);
                            t.with_existing(&k, |st| assert!(st.packets[0] >= 1));
                        }
                    }
                });
            }
            let t = &t;
            let reported = &mut reported;
            sc.spawn(move || {
                for i in 0..20u64 {
                    t.sweep(i * 40 * NS, reported);
                    t.for_each(|_, st| assert!(st.packets[0] >= 1));
                }
            });
        });
        check(&t);
        t.drain(&mut reported);
        assert_eq!(t.len(), 0);
        check(&t);
        // Every packet counted in exactly one reported flow.
        let packets: u64 = reported
            .iter()
            .map(|(_, st)| u64::from(st.packets[0]))
            .sum();
        assert_eq!(packets, u64::from(WORKERS) * ROUNDS * u64::from(KEYS));
    }
}
