//! Policy: turns a matcher outcome and a flow's budget into a verdict and a packet mark.
//! It knows nothing of `nfq` and does no I/O.

use crate::flow::{Decision, DecisionReason};
use crate::signature::Label;

/// What happens to one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Drop => "drop",
        }
    }
}

/// The transports nfdpi inspects. The default ruleset queues UDP only, so by default only UDP is
/// inspected; flows of another transport are reported as `uninspected` and never decided, which
/// is what the live daemon does with them (it never sees them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transports {
    pub udp: bool,
    pub tcp: bool,
}

impl Default for Transports {
    fn default() -> Self {
        Transports {
            udp: true,
            tcp: false,
        }
    }
}

impl Transports {
    /// Whether packets of IP protocol `proto` (17 UDP, 6 TCP) are inspected.
    pub fn inspects(&self, proto: u8) -> bool {
        match proto {
            crate::packet::UDP => self.udp,
            crate::packet::TCP => self.tcp,
            _ => false,
        }
    }

    /// `udp`, `tcp` or `udp,tcp`, as `--transport` takes it.
    pub fn name(&self) -> &'static str {
        match (self.udp, self.tcp) {
            (true, true) => "udp,tcp",
            (false, true) => "tcp",
            _ => "udp",
        }
    }
}

/// Default budget: 10 KiB of IP bytes, both directions.
pub const DEFAULT_BUDGET: u64 = 10 * 1024;

/// How nfdpi's decision is written into the packet mark.
///
/// Default layout (mask `0xffff0003`): bit 0 (`0x1`) = decided accept, bit 1 (`0x2`) = decided
/// drop, bits 16–31 = the protocol's numeric id (0 when unknown). Pending packets carry no
/// nfdpi bits. Bits outside `mask` are never touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkLayout {
    /// Bit set on packets of flows decided "accept".
    pub accept: u32,
    /// Bit set on packets of flows decided "drop".
    pub drop: u32,
    /// Left shift of the protocol id; the id field is 16 bits wide.
    pub proto_shift: u32,
    /// The bits nfdpi owns in the mark.
    pub mask: u32,
}

impl Default for MarkLayout {
    fn default() -> Self {
        MarkLayout {
            accept: 0x1,
            drop: 0x2,
            proto_shift: 16,
            mask: 0xffff_0003,
        }
    }
}

impl MarkLayout {
    /// The mark bits for a decision (only bits inside `mask`).
    pub fn mark(&self, decision: Decision, proto_id: u16) -> u32 {
        let bits = match decision {
            Decision::Pending => return 0,
            Decision::Accept(_) => self.accept,
            Decision::Drop(_) => self.drop,
        };
        let proto = u32::from(proto_id)
            .checked_shl(self.proto_shift)
            .unwrap_or(0);
        (bits | proto) & self.mask
    }

    /// Merge nfdpi's bits into a packet's existing mark, keeping every bit outside `mask`.
    pub fn apply(&self, existing: u32, ours: u32) -> u32 {
        (existing & !self.mask) | (ours & self.mask)
    }
}

/// The verdict configuration.
#[derive(Clone, Debug)]
pub struct Policy {
    /// IP bytes (both directions) an unidentified flow may use before it is cut. Default 10 KiB.
    pub budget: u64,
    /// When set, only these protocols are accepted once identified (names, case-insensitive);
    /// every other identified protocol is dropped.
    pub allow: Option<Vec<String>>,
    /// These protocols are dropped once identified (names, case-insensitive).
    pub deny: Vec<String>,
    /// Verdict for a packet of a new flow when the flow table is full. Default accept (fail
    /// open): an overloaded classifier must not cut everyone off.
    pub on_overflow: Verdict,
    /// Verdict for a packet nfdpi cannot parse, or that is not UDP/TCP. Default accept.
    pub on_unparsed: Verdict,
    /// The transports inspected; packets of the others pass uninspected (UDP only by default).
    pub transports: Transports,
    pub marks: MarkLayout,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            budget: DEFAULT_BUDGET,
            allow: None,
            deny: Vec::new(),
            on_overflow: Verdict::Accept,
            on_unparsed: Verdict::Accept,
            transports: Transports::default(),
            marks: MarkLayout::default(),
        }
    }
}

impl Policy {
    /// The decision for a flow just identified as `label`.
    pub fn on_identified(&self, label: &Label) -> Decision {
        let named = |list: &[String]| list.iter().any(|n| n.eq_ignore_ascii_case(&label.protocol));
        let allowed = self.allow.as_deref().is_none_or(named) && !named(&self.deny);
        if allowed {
            Decision::Accept(DecisionReason::Identified)
        } else {
            Decision::Drop(DecisionReason::Identified)
        }
    }

    /// True when a still-unidentified flow with `bytes` IP bytes so far must be cut.
    pub fn over_budget(&self, bytes: u64) -> bool {
        bytes > self.budget
    }

    /// The verdict a packet of a flow in this state gets.
    pub fn verdict(&self, decision: Decision) -> Verdict {
        match decision {
            Decision::Pending | Decision::Accept(_) => Verdict::Accept,
            Decision::Drop(_) => Verdict::Drop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str) -> Label {
        Label {
            protocol: name.into(),
            id: 7,
            category: "VoIP".into(),
            location: "x.sig:1".into(),
        }
    }

    #[test]
    fn budget_edges() {
        let p = Policy::default();
        assert!(!p.over_budget(10240), "exactly at the budget still passes");
        assert!(p.over_budget(10241), "one byte over is cut");
    }

    #[test]
    fn allow_and_deny() {
        let mut p = Policy::default();
        assert_eq!(
            p.on_identified(&label("OpenVPN")),
            Decision::Accept(DecisionReason::Identified)
        );
        p.deny = vec!["openvpn".into()];
        assert_eq!(
            p.on_identified(&label("OpenVPN")),
            Decision::Drop(DecisionReason::Identified)
        );
        p.deny.clear();
        p.allow = Some(vec!["Skype_Teams".into()]);
        assert_eq!(
            p.on_identified(&label("OpenVPN")),
            Decision::Drop(DecisionReason::Identified)
        );
        assert_eq!(
            p.on_identified(&label("skype_teams")),
            Decision::Accept(DecisionReason::Identified)
        );
    }

    #[test]
    fn marks() {
        let m = MarkLayout::default();
        assert_eq!(m.mark(Decision::Pending, 125), 0);
        assert_eq!(
            m.mark(Decision::Accept(DecisionReason::Identified), 125),
            0x007d_0001
        );
        assert_eq!(m.mark(Decision::Drop(DecisionReason::Budget), 0), 0x2);
        assert_eq!(m.apply(0x0000_ff00, 0x007d_0001), 0x007d_ff01);
        let narrow = MarkLayout { mask: 0x3, ..m };
        assert_eq!(
            narrow.mark(Decision::Accept(DecisionReason::Identified), 125),
            0x1
        );
    }
}
