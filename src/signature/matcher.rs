//! Matching one packet against the compiled set. Pure: (set, packet view, context, progress) →
//! outcome. No allocation per packet, no access to the flow table.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use super::{Label, SignatureSet};
use crate::packet::{Direction, Packet};

/// Per-flow matching progress, kept in the flow's state between packets. Small and fixed-size.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    _private: (),
}

/// Where a packet stands in its flow.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub dir: Direction,
    /// 0-based number of this packet in the flow, both directions counted.
    pub index: u32,
    /// 0-based number of this packet among the flow's packets in the same direction.
    pub index_in_dir: u32,
}

/// What the matcher says after one packet.
#[derive(Debug, Clone)]
pub enum Outcome<'s> {
    /// Nothing yet; later packets may still match.
    Undecided,
    /// A rule matched: the flow is identified.
    Matched(&'s Arc<Label>),
    /// No rule can match this flow any more; stop calling for it.
    GaveUp,
}

/// Inspect one packet of a flow.
pub fn inspect<'s>(
    set: &'s SignatureSet,
    _pkt: &Packet<'_>,
    _ctx: &Ctx,
    _progress: &mut Progress,
) -> Outcome<'s> {
    if set.labels.is_empty() {
        return Outcome::GaveUp;
    }
    Outcome::Undecided
}

/// A provisional identification the matcher holds in `progress` (a generic match kept while a
/// more specific rule may still match later packets), if any. The engine asks when a flow is
/// about to be cut by the budget, and when it ends undecided, so a held match is never lost.
pub fn settle<'s>(_set: &'s SignatureSet, _progress: &Progress) -> Option<&'s Arc<Label>> {
    None
}
