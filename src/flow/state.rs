//! Per-flow state: timestamps, per-direction counters, matcher progress and the decision.
//! It parses no bytes and matches nothing; the engine updates it.

use std::sync::Arc;

use super::key::Side;
use crate::packet::Direction;
use crate::signature::matcher::Progress;
use crate::signature::Label;

/// Why a flow was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionReason {
    /// A signature identified the flow; the policy gave its protocol this verdict.
    Identified,
    /// Still unidentified when a packet took it past the budget.
    Budget,
}

impl DecisionReason {
    /// Why a flow was cut, as logs and metrics name it: `budget`, or `policy` (identified as a
    /// protocol the policy drops).
    pub fn cut_reason(self) -> &'static str {
        match self {
            DecisionReason::Budget => "budget",
            DecisionReason::Identified => "policy",
        }
    }
}

/// A flow's decision. Once made it never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Not decided yet: packets pass while the budget lasts.
    Pending,
    /// Every packet passes from the deciding one on.
    Accept(DecisionReason),
    /// Every packet is dropped from the deciding one on.
    Drop(DecisionReason),
}

/// The state of one flow. Kept small: the table holds up to a million of them.
#[derive(Debug, Clone)]
pub struct FlowState {
    /// Capture or clock time of the first packet, nanoseconds since the epoch.
    pub first_seen: u64,
    /// Time of the latest packet, nanoseconds since the epoch.
    pub last_seen: u64,
    /// IP bytes, both directions (only the total is ever read; one counter saturates exactly
    /// as the sum of two saturating ones would).
    pub bytes: u64,
    /// Packets, client→server and server→client.
    pub packets: [u32; 2],
    /// Packets given a drop verdict.
    pub dropped_packets: u32,
    /// 1-based number of the packet that decided the flow (0 while pending).
    pub decided_at_packet: u32,
    /// The flow's byte count including the deciding packet (0 while pending). A flow is
    /// decided within its budget (at most 1 GiB) plus one packet, so 32 bits hold it.
    pub decided_at_bytes: u32,
    /// IP bytes server→client (saturating at 4 GiB: exact for the cut-flow trace, which reads
    /// it at the decision, within the budget plus one packet).
    pub bytes_to_client: u32,
    /// Which side of the key is the client (the first packet's sender).
    pub client: Side,
    pub decision: Decision,
    /// False once the matcher gave up or the flow was decided: no more matching.
    pub matching: bool,
    /// The protocol and rule, once named. A rule with `confirm` names the flow while it is
    /// still pending; a flow cut by its budget before confirming keeps the label it was given
    /// (its decision says `Budget`), but it is not identified.
    pub label: Option<Arc<Label>>,
    /// The matcher's progress between packets; once a rule with `confirm` named the flow,
    /// its confirmation so far.
    pub progress: Progress,
}

impl FlowState {
    /// A new flow whose first packet was sent from `client` at `now`.
    pub fn new(client: Side, now: u64) -> Self {
        FlowState {
            first_seen: now,
            last_seen: now,
            bytes: 0,
            packets: [0; 2],
            dropped_packets: 0,
            decided_at_packet: 0,
            decided_at_bytes: 0,
            bytes_to_client: 0,
            client,
            decision: Decision::Pending,
            matching: true,
            label: None,
            progress: Progress::default(),
        }
    }

    /// Direction of a packet sent from `side`.
    pub fn direction(&self, side: Side) -> Direction {
        if side == self.client {
            Direction::ToServer
        } else {
            Direction::ToClient
        }
    }

    /// Total packets, both directions.
    pub fn total_packets(&self) -> u32 {
        self.packets[0].saturating_add(self.packets[1])
    }

    /// Total IP bytes, both directions.
    pub fn total_bytes(&self) -> u64 {
        self.bytes
    }

    /// IP bytes client→server and server→client (exact while the flow is under 4 GiB each
    /// way, as every flow is at its decision).
    pub fn bytes_each_way(&self) -> [u64; 2] {
        let back = u64::from(self.bytes_to_client);
        [self.bytes.saturating_sub(back), back]
    }

    /// Count one packet of `ip_len` bytes going `dir` at `now`.
    pub fn count(&mut self, dir: Direction, ip_len: u32, now: u64) {
        let i = dir as usize;
        self.packets[i] = self.packets[i].saturating_add(1);
        self.bytes = self.bytes.saturating_add(u64::from(ip_len));
        if dir == Direction::ToClient {
            self.bytes_to_client = self.bytes_to_client.saturating_add(ip_len);
        }
        // Captures are not always in order; time never runs backwards for a flow.
        self.last_seen = self.last_seen.max(now);
    }

    /// Record the decision made by the packet just counted.
    pub fn decide(&mut self, decision: Decision) {
        self.decision = decision;
        self.decided_at_packet = self.total_packets();
        self.decided_at_bytes = u32::try_from(self.total_bytes()).unwrap_or(u32::MAX);
        self.matching = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_fits_in_96_bytes() {
        // A million of them are stored: every 8 bytes here is 8 MB there.
        assert!(
            std::mem::size_of::<FlowState>() <= 96,
            "{}",
            std::mem::size_of::<FlowState>()
        );
    }

    #[test]
    fn bytes_are_counted_each_way() {
        let mut st = FlowState::new(Side::Lo, 0);
        st.count(Direction::ToServer, 100, 1);
        st.count(Direction::ToClient, 30, 2);
        st.count(Direction::ToServer, 7, 3);
        assert_eq!(st.bytes_each_way(), [107, 30]);
        st.decide(Decision::Drop(DecisionReason::Budget));
        assert_eq!((st.decided_at_packet, st.decided_at_bytes), (3, 137));
    }

    #[test]
    fn byte_total_saturates() {
        let mut st = FlowState::new(Side::Lo, 0);
        st.bytes = u64::MAX - 10;
        st.count(Direction::ToClient, 100, 1);
        assert_eq!(st.total_bytes(), u64::MAX);
    }
}
