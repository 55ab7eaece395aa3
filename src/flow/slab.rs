//! A chunked slab of flow states, the storage behind the flow table's index. Each state lives in
//! a slot with a stable `u32` id; freed slots are reused first (a free list threaded through
//! them); storage grows one fixed-size chunk at a time, so growing never moves a state and never
//! needs room for two copies, unlike a doubling vector. It does no locking and no hashing.

use super::state::FlowState;

/// Slots per chunk (a power of two): about 384 KiB of states per chunk.
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;
/// No slot: the end of the free list. Never a slot id (ids are below the slab's limit).
const NONE: u32 = u32::MAX;

enum Slot {
    Used(FlowState),
    /// A freed slot, linking to the next free one (`NONE` ends the list).
    Free(u32),
}

/// Slots in chunks; a slot id is its chunk number times `CHUNK` plus its place in the chunk.
pub(super) struct Slab {
    /// Each chunk is allocated with room for `CHUNK` slots and filled by pushing, so a chunk is
    /// touched (made resident) only as far as it is used and never reallocates.
    chunks: Vec<Vec<Slot>>,
    /// The most recently freed slot (`NONE`: none).
    free: u32,
    len: usize,
    /// Slot ids are below this (at most `NONE`).
    limit: u32,
}

impl Slab {
    /// An empty slab whose slot ids will all be below `limit`.
    pub fn new(limit: u32) -> Self {
        Slab {
            chunks: Vec::new(),
            free: NONE,
            len: 0,
            limit,
        }
    }

    /// States stored.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Slots ever pushed (used or free); the id the next new slot would get.
    fn pushed(&self) -> usize {
        match self.chunks.last() {
            Some(last) => (self.chunks.len() - 1) * CHUNK + last.len(),
            None => 0,
        }
    }

    /// Store a state and return its slot id, reusing the latest freed slot if there is one;
    /// `None` if every id below the limit is in use.
    pub fn insert(&mut self, st: FlowState) -> Option<u32> {
        if self.free != NONE {
            let id = self.free;
            let slot = self.slot_mut(id)?;
            let Slot::Free(next) = *slot else {
                // The free list holds only free slots; were it broken, stop using it.
                self.free = NONE;
                return self.insert(st);
            };
            *slot = Slot::Used(st);
            self.free = next;
            self.len += 1;
            return Some(id);
        }
        let id = u32::try_from(self.pushed())
            .ok()
            .filter(|&id| id < self.limit)?;
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks.last_mut()?.push(Slot::Used(st));
        self.len += 1;
        Some(id)
    }

    fn slot(&self, id: u32) -> Option<&Slot> {
        let (c, o) = split(id);
        self.chunks.get(c)?.get(o)
    }

    fn slot_mut(&mut self, id: u32) -> Option<&mut Slot> {
        let (c, o) = split(id);
        self.chunks.get_mut(c)?.get_mut(o)
    }

    /// The state in slot `id`, if that slot is in use.
    pub fn get(&self, id: u32) -> Option<&FlowState> {
        match self.slot(id)? {
            Slot::Used(st) => Some(st),
            Slot::Free(_) => None,
        }
    }

    /// The state in slot `id`, mutably, if that slot is in use.
    pub fn get_mut(&mut self, id: u32) -> Option<&mut FlowState> {
        match self.slot_mut(id)? {
            Slot::Used(st) => Some(st),
            Slot::Free(_) => None,
        }
    }

    /// Take the state out of slot `id` and free the slot; `None` if it was not in use.
    pub fn remove(&mut self, id: u32) -> Option<FlowState> {
        let free = self.free;
        let slot = self.slot_mut(id)?;
        if let Slot::Free(_) = slot {
            return None;
        }
        let Slot::Used(st) = std::mem::replace(slot, Slot::Free(free)) else {
            return None;
        };
        self.free = id;
        self.len -= 1;
        Some(st)
    }

    /// Every slot id in use, in slot order.
    #[cfg(test)]
    pub fn ids(&self) -> Vec<u32> {
        (0..self.pushed() as u32)
            .filter(|&id| self.get(id).is_some())
            .collect()
    }
}

/// A slot id's chunk number and place in the chunk.
fn split(id: u32) -> (usize, usize) {
    let id = id as usize;
    (id >> CHUNK_BITS, id & (CHUNK - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::Side;

    fn st(t: u64) -> FlowState {
        FlowState::new(Side::Lo, t)
    }

    fn seen(s: &Slab, id: u32) -> Option<u64> {
        s.get(id).map(|st| st.first_seen)
    }

    #[test]
    fn a_free_slot_costs_no_more_than_a_state() {
        assert_eq!(
            std::mem::size_of::<Slot>(),
            std::mem::size_of::<FlowState>()
        );
    }

    #[test]
    fn ids_are_stable_and_freed_slots_are_reused_latest_first() {
        let mut s = Slab::new(NONE);
        let ids: Vec<Option<u32>> = (0..5).map(|t| s.insert(st(t))).collect();
        assert_eq!(ids, vec![Some(0), Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(s.len(), 5);
        assert_eq!(s.remove(1).map(|st| st.first_seen), Some(1));
        assert_eq!(s.remove(3).map(|st| st.first_seen), Some(3));
        assert!(s.remove(3).is_none(), "a free slot is not removed twice");
        assert!(s.remove(99).is_none(), "nor one never pushed");
        assert!(s.get(1).is_none());
        assert_eq!(s.len(), 3);
        // The other states keep their ids.
        assert_eq!(seen(&s, 4), Some(4));
        // Reuse: the latest freed first, then the one before, then fresh ids.
        assert_eq!(s.insert(st(10)), Some(3));
        assert_eq!(s.insert(st(11)), Some(1));
        assert_eq!(s.insert(st(12)), Some(5));
        assert_eq!(seen(&s, 1), Some(11));
        assert_eq!(s.len(), 6);
        assert_eq!(s.ids(), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn grows_by_chunks_and_reuses_them_instead_of_growing() {
        let mut s = Slab::new(NONE);
        let n = CHUNK as u32 + 10;
        for t in 0..n {
            assert_eq!(s.insert(st(u64::from(t))), Some(t));
        }
        assert_eq!(s.chunks.len(), 2);
        assert!(s.chunks.iter().all(|c| c.capacity() == CHUNK));
        let id = CHUNK as u32 + 3;
        assert_eq!(seen(&s, id), Some(u64::from(id)));
        // Free half, insert as many again: no new chunk.
        for id in (0..n).step_by(2) {
            assert!(s.remove(id).is_some());
        }
        for t in 0..n.div_ceil(2) {
            let id = s.insert(st(u64::from(t) + 20_000)).unwrap();
            assert!(id.is_multiple_of(2) && id < n);
        }
        assert_eq!(s.chunks.len(), 2);
        assert_eq!(s.len(), n as usize);
        assert_eq!(s.ids().len(), n as usize);
    }

    #[test]
    fn the_limit_holds_but_freed_slots_still_serve() {
        let mut s = Slab::new(3);
        for t in 0..3 {
            assert_eq!(s.insert(st(t)), Some(t as u32));
        }
        assert_eq!(s.insert(st(3)), None);
        assert_eq!(s.len(), 3);
        assert!(s.remove(0).is_some());
        assert_eq!(s.insert(st(4)), Some(0));
        assert_eq!(s.insert(st(5)), None);
    }
}
