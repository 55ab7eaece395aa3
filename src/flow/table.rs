//! The flow table: a concurrent map from canonical key to state, bounded in size, with idle
//! timeouts. Time is passed in; the table never reads a clock. Callers get one entry at a time
//! through a closure, so no entry guard is held while the table is touched again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;

use super::key::{FlowKey, Side};
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
pub struct FlowTable {
    map: DashMap<FlowKey, FlowState, ahash::RandomState>,
    len: AtomicUsize,
    cfg: TableConfig,
    /// Flows found expired when a packet arrived for them (before a sweep got to them): kept
    /// here until the next sweep reports them, so nothing is lost and order stays by time.
    expired_on_access: Mutex<Vec<(FlowKey, FlowState)>>,
}

impl FlowTable {
    pub fn new(cfg: TableConfig) -> Self {
        FlowTable {
            // A randomized hasher: attackers choose the keys.
            map: DashMap::with_hasher(ahash::RandomState::new()),
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
            Entry::Occupied(mut e) => {
                let st = e.get_mut();
                if now > st.last_seen.saturating_add(timeout) {
                    let old = std::mem::replace(st, FlowState::new(side, now));
                    let result = f(st);
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
                let mut st = FlowState::new(side, now);
                let result = f(&mut st);
                v.insert(st);
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
        self.map.get_mut(key).map(|mut e| f(e.value_mut()))
    }

    /// Remove every flow idle past its timeout at `now`, and hand them to `out` ordered by first
    /// packet time then key (the map's own order is random), so output is reproducible.
    pub fn sweep(&self, now: u64, out: &mut Vec<(FlowKey, FlowState)>) {
        let start = out.len();
        out.append(&mut self.lock_expired());
        let cfg = self.cfg;
        let mut removed = 0usize;
        self.map.retain(|k, st| {
            if now > st.last_seen.saturating_add(cfg.timeout(k)) {
                out.push((*k, st.clone()));
                removed += 1;
                false
            } else {
                true
            }
        });
        self.len.fetch_sub(removed, Ordering::Relaxed);
        sort_flows(&mut out[start..]);
    }

    /// Remove every flow (end of a capture), ordered as in [`FlowTable::sweep`].
    pub fn drain(&self, out: &mut Vec<(FlowKey, FlowState)>) {
        let start = out.len();
        out.append(&mut self.lock_expired());
        let mut removed = 0usize;
        self.map.retain(|k, st| {
            out.push((*k, st.clone()));
            removed += 1;
            false
        });
        self.len.fetch_sub(removed, Ordering::Relaxed);
        sort_flows(&mut out[start..]);
    }

    /// Visit every tracked flow (for counters). Takes each shard's read lock in turn.
    pub fn for_each(&self, mut f: impl FnMut(&FlowKey, &FlowState)) {
        for e in self.map.iter() {
            f(e.key(), e.value());
        }
    }

    fn lock_expired(&self) -> std::sync::MutexGuard<'_, Vec<(FlowKey, FlowState)>> {
        // A poisoned lock only means another thread panicked mid-push; the Vec is still sound.
        self.expired_on_access
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
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
}
