//! The tap: what the cut-flow trace keeps of pending flows, so that a flow cut later can be
//! shown (its first payload bytes each way) and captured (its packets up to the one that cut
//! it). Off unless the cut-flow log or `--capture-unknown` is on; bounded by a cap on the
//! flows it holds at once. It parses no bytes, matches nothing and does no I/O.
//!
//! A record is kept in a map of its own (not in [`FlowState`](super::FlowState), whose size is
//! paid for by every flow) and touched only while the flow is pending: with packets off, on the
//! first packet of each direction only; with packets on, on every pending packet. The engine
//! takes it when the flow is cut, and forgets it when the flow is accepted or ends.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use dashmap::DashMap;

use super::key::FlowKey;
use crate::packet::Direction;

/// Payload bytes kept of the first packet of each direction.
pub const FIRST_BYTES: usize = 32;

/// What the tap keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TapConfig {
    /// Keep every packet of a pending flow (for `--capture-unknown`), not only the first
    /// payload bytes each way.
    pub packets: bool,
    /// Most pending flows held at once. A flow that starts while the tap is full is not kept
    /// (if it is cut, the engine counts it in `tap_skipped`).
    pub max_flows: usize,
}

/// The first payload bytes of one direction's first packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FirstBytes {
    len: u8,
    bytes: [u8; FIRST_BYTES],
    /// False until that direction sent a packet.
    pub seen: bool,
}

impl FirstBytes {
    fn of(payload: &[u8]) -> Self {
        let n = payload.len().min(FIRST_BYTES);
        let mut bytes = [0u8; FIRST_BYTES];
        if let (Some(dst), Some(src)) = (bytes.get_mut(..n), payload.get(..n)) {
            dst.copy_from_slice(src);
        }
        FirstBytes {
            len: n as u8,
            bytes,
            seen: true,
        }
    }

    /// The bytes kept (at most [`FIRST_BYTES`]).
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// A pending flow's record, handed over when the flow is cut.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tapped {
    /// First payload bytes of the first packet client→server and server→client.
    pub first: [FirstBytes; 2],
    /// The flow's packets as received (IP header first), back to back (packets mode only).
    pub data: Vec<u8>,
    /// Each packet's time (nanoseconds since the epoch) and length in `data`.
    pub packets: Vec<(u64, u32)>,
    /// Time of the flow's first packet: tells a record apart from a later flow of the same key.
    first_seen: u64,
}

impl Tapped {
    /// The packets kept, in arrival order: (time, bytes).
    pub fn packets(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let mut at = 0usize;
        self.packets.iter().map(move |&(t, len)| {
            let end = at + len as usize;
            let p = self.data.get(at..end).unwrap_or(&[]);
            at = end;
            (t, p)
        })
    }

    /// Heap bytes this record holds.
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.packets.capacity() * std::mem::size_of::<(u64, u32)>()
    }
}

/// One packet of a pending flow, as the tap sees it.
#[derive(Clone, Copy, Debug)]
pub struct TapPacket<'a> {
    pub dir: Direction,
    /// 0-based number of the packet in its flow, and in its direction.
    pub index: u32,
    pub index_in_dir: u32,
    pub payload: &'a [u8],
    /// The whole packet (IP header first), when the engine has it (live).
    pub raw: Option<&'a [u8]>,
    pub now: u64,
    /// Time of the flow's first packet.
    pub first_seen: u64,
}

/// Pending flows' records, bounded.
pub struct Tap {
    cfg: TapConfig,
    map: DashMap<FlowKey, Tapped, ahash::RandomState>,
    len: AtomicUsize,
}

impl Tap {
    pub fn new(cfg: TapConfig) -> Self {
        Tap {
            cfg,
            map: DashMap::with_hasher(ahash::RandomState::new()),
            len: AtomicUsize::new(0),
        }
    }

    pub fn config(&self) -> &TapConfig {
        &self.cfg
    }

    /// Records held now.
    pub fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keep what is needed of one packet of a pending flow.
    pub fn record(&self, key: &FlowKey, p: &TapPacket<'_>) {
        if p.index == 0 {
            self.start(key, p);
            return;
        }
        if !self.cfg.packets && p.index_in_dir != 0 {
            return;
        }
        if let Some(mut t) = self.map.get_mut(key) {
            if t.first_seen == p.first_seen {
                Self::add(&self.cfg, &mut t, p);
            }
        }
    }

    /// A flow's first packet: a fresh record (replacing one left by an expired flow of the same
    /// key), unless the tap is full.
    fn start(&self, key: &FlowKey, p: &TapPacket<'_>) {
        let mut t = Tapped {
            first_seen: p.first_seen,
            ..Tapped::default()
        };
        Self::add(&self.cfg, &mut t, p);
        if let Some(mut old) = self.map.get_mut(key) {
            *old = t;
            return;
        }
        if self.len.fetch_add(1, Relaxed) >= self.cfg.max_flows {
            self.len.fetch_sub(1, Relaxed);
            return;
        }
        if self.map.insert(*key, t).is_some() {
            self.len.fetch_sub(1, Relaxed);
        }
    }

    fn add(cfg: &TapConfig, t: &mut Tapped, p: &TapPacket<'_>) {
        if p.index_in_dir == 0 {
            if let Some(f) = t.first.get_mut(p.dir as usize) {
                *f = FirstBytes::of(p.payload);
            }
        }
        if let (true, Some(raw)) = (cfg.packets, p.raw) {
            t.data.extend_from_slice(raw);
            t.packets.push((p.now, raw.len() as u32));
        }
    }

    /// Take the record of a flow just cut (`None` when the tap did not keep it).
    pub fn take(&self, key: &FlowKey, first_seen: u64) -> Option<Tapped> {
        let (_, t) = self.map.remove_if(key, |_, t| t.first_seen == first_seen)?;
        self.len.fetch_sub(1, Relaxed);
        Some(t)
    }

    /// Drop the record of a flow accepted or ended.
    pub fn forget(&self, key: &FlowKey, first_seen: u64) {
        let _ = self.take(key, first_seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};

    fn key(port: u16) -> FlowKey {
        let a = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), port);
        let b = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 53);
        FlowKey::from_parts(crate::packet::UDP, a, b).0
    }

    fn pkt<'a>(index: u32, dir: Direction, in_dir: u32, raw: &'a [u8]) -> TapPacket<'a> {
        TapPacket {
            dir,
            index,
            index_in_dir: in_dir,
            payload: raw.get(2..).unwrap_or(&[]),
            raw: Some(raw),
            now: 100 + u64::from(index),
            first_seen: 100,
        }
    }

    #[test]
    fn first_bytes_only_keeps_the_first_packet_each_way() {
        let tap = Tap::new(TapConfig {
            packets: false,
            max_flows: 10,
        });
        let k = key(1);
        tap.record(&k, &pkt(0, Direction::ToServer, 0, &[0, 0, 1, 2, 3]));
        tap.record(&k, &pkt(1, Direction::ToServer, 1, &[0, 0, 9]));
        let long = [7u8; 40];
        tap.record(&k, &pkt(2, Direction::ToClient, 0, &long));
        let t = tap.take(&k, 100).expect("kept");
        assert_eq!(t.first[0].bytes(), &[1, 2, 3]);
        assert_eq!(
            t.first[1].bytes(),
            &[7u8; FIRST_BYTES][..],
            "cut to 32 bytes"
        );
        assert!(t.packets.is_empty() && t.data.is_empty(), "no packets kept");
        assert!(tap.is_empty());
    }

    #[test]
    fn packets_mode_keeps_every_packet_and_the_cap_holds() {
        let tap = Tap::new(TapConfig {
            packets: true,
            max_flows: 1,
        });
        let (a, b) = (key(1), key(2));
        tap.record(&a, &pkt(0, Direction::ToServer, 0, &[0, 0, 1]));
        tap.record(&b, &pkt(0, Direction::ToServer, 0, &[0, 0, 2]));
        tap.record(&a, &pkt(1, Direction::ToClient, 0, &[0, 0, 3, 4]));
        assert_eq!(tap.len(), 1, "the second flow is over the cap");
        assert!(tap.take(&b, 100).is_none());
        let t = tap.take(&a, 100).expect("kept");
        let got: Vec<(u64, Vec<u8>)> = t.packets().map(|(at, p)| (at, p.to_vec())).collect();
        assert_eq!(got, vec![(100, vec![0, 0, 1]), (101, vec![0, 0, 3, 4])]);
        // A record of an earlier flow of the same key is neither taken nor extended.
        tap.record(&a, &pkt(0, Direction::ToServer, 0, &[0, 0, 5]));
        assert!(tap.take(&a, 99).is_none());
        tap.forget(&a, 100);
        assert!(tap.is_empty());
    }
}
