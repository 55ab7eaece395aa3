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

/// Categories whose protocols are accepted once identified, by default: calls (VoIP, Video,
/// Media) and network infrastructure (DNS, NTP, DHCP, QUIC, STUN, …: Network, System, Web).
pub const DEFAULT_ALLOW_CATEGORIES: [&str; 6] =
    ["VoIP", "Video", "Media", "Network", "System", "Web"];

/// Categories whose protocols are dropped once identified, by default: whatever carries
/// arbitrary traffic past the firewall.
pub const DEFAULT_DENY_CATEGORIES: [&str; 3] = ["VPN", "Tunnel", "Anonymizer"];

/// What an identified protocol that no list names gets by default: drop. nfdpi exists to open
/// UDP for calls in a firewall that otherwise keeps it closed; a protocol nobody chose to let
/// through (a game, a P2P client, …) keeps what that firewall gave it before nfdpi.
pub const DEFAULT_UNLISTED: Verdict = Verdict::Drop;

/// The verdict configuration.
///
/// An identified protocol gets the first of these that names it: `deny` (by name), `allow` (by
/// name), `deny_category`, `allow_category`, then `unlisted`. A name beats a category, and at
/// the same level deny beats allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// IP bytes (both directions) an unidentified flow may use before it is cut. Default 10 KiB.
    pub budget: u64,
    /// Protocols accepted once identified, whatever their category (names, case-insensitive).
    pub allow: Vec<String>,
    /// Protocols dropped once identified, whatever their category (names, case-insensitive).
    pub deny: Vec<String>,
    /// Categories accepted once identified. Default [`DEFAULT_ALLOW_CATEGORIES`].
    pub allow_category: Vec<String>,
    /// Categories dropped once identified. Default [`DEFAULT_DENY_CATEGORIES`].
    pub deny_category: Vec<String>,
    /// Verdict for an identified protocol that no list names. Default [`DEFAULT_UNLISTED`].
    pub unlisted: Verdict,
    /// Verdict for a packet of a new flow when the flow table is full. Default accept (fail
    /// open): an overloaded classifier must not cut everyone off.
    pub on_overflow: Verdict,
    /// Verdict for a packet that is not IP, or IP whose transport is neither UDP nor TCP (after
    /// the extension headers the kernel skips): nothing nfdpi tracks. Default accept.
    pub on_unparsed: Verdict,
    /// The transports inspected; packets of the others pass uninspected (UDP only by default).
    pub transports: Transports,
    /// Verdict for a packet whose IP or UDP/TCP header nfdpi cannot read: cut short, lengths
    /// that contradict each other, an IPv6 extension-header chain that runs past the packet or
    /// is longer than the kernel walks. Such a packet has no flow, so no budget could stop it;
    /// the kernel queues only what it parsed as UDP, so it is broken or built to pass
    /// uninspected. Default drop (counted as `malformed`).
    pub on_malformed: Verdict,
    pub marks: MarkLayout,
}

impl Default for Policy {
    fn default() -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Policy {
            budget: DEFAULT_BUDGET,
            allow: Vec::new(),
            deny: Vec::new(),
            allow_category: own(&DEFAULT_ALLOW_CATEGORIES),
            deny_category: own(&DEFAULT_DENY_CATEGORIES),
            unlisted: DEFAULT_UNLISTED,
            on_overflow: Verdict::Accept,
            on_unparsed: Verdict::Accept,
            transports: Transports::default(),
            on_malformed: Verdict::Drop,
            marks: MarkLayout::default(),
        }
    }
}

/// Which part of the policy decided an identified protocol's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    DenyName,
    AllowName,
    DenyCategory,
    AllowCategory,
    Unlisted,
}

impl Rule {
    /// The option (and configuration key) that holds this rule.
    pub fn key(self) -> &'static str {
        match self {
            Rule::DenyName => "deny",
            Rule::AllowName => "allow",
            Rule::DenyCategory => "deny-category",
            Rule::AllowCategory => "allow-category",
            Rule::Unlisted => "unlisted",
        }
    }
}

impl Policy {
    /// The verdict for an identified `protocol` of `category`, and the rule that gave it.
    pub fn decide(&self, protocol: &str, category: &str) -> (Verdict, Rule) {
        let has = |list: &[String], x: &str| list.iter().any(|n| n.eq_ignore_ascii_case(x));
        if has(&self.deny, protocol) {
            (Verdict::Drop, Rule::DenyName)
        } else if has(&self.allow, protocol) {
            (Verdict::Accept, Rule::AllowName)
        } else if has(&self.deny_category, category) {
            (Verdict::Drop, Rule::DenyCategory)
        } else if has(&self.allow_category, category) {
            (Verdict::Accept, Rule::AllowCategory)
        } else {
            (self.unlisted, Rule::Unlisted)
        }
    }

    /// The decision for a flow just identified as `label`.
    pub fn on_identified(&self, label: &Label) -> Decision {
        match self.decide(&label.protocol, &label.category).0 {
            Verdict::Accept => Decision::Accept(DecisionReason::Identified),
            Verdict::Drop => Decision::Drop(DecisionReason::Identified),
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

    fn label(name: &str, category: &str) -> Label {
        Label {
            protocol: name.into(),
            id: 7,
            category: category.into(),
            location: "x.sig:1".into(),
            confirm: None,
        }
    }

    #[test]
    fn budget_edges() {
        let p = Policy::default();
        assert!(!p.over_budget(10240), "exactly at the budget still passes");
        assert!(p.over_budget(10241), "one byte over is cut");
    }

    fn policy() -> Policy {
        Policy {
            allow: vec!["OpenVPN".into()],
            deny: vec!["skype_teams".into()],
            allow_category: vec!["VoIP".into(), "Game".into()],
            deny_category: vec!["VPN".into(), "game".into()],
            unlisted: Verdict::Drop,
            ..Policy::default()
        }
    }

    #[test]
    fn a_name_beats_a_category_and_deny_beats_allow_at_the_same_level() {
        let p = policy();
        // Name rules first: an allowed VPN passes, a denied VoIP protocol does not.
        assert_eq!(
            p.decide("OpenVPN", "VPN"),
            (Verdict::Accept, Rule::AllowName)
        );
        assert_eq!(
            p.decide("Skype_Teams", "VoIP"),
            (Verdict::Drop, Rule::DenyName)
        );
        // The same name in both lists: deny wins.
        let both = Policy {
            allow: vec!["X".into()],
            deny: vec!["x".into()],
            ..p.clone()
        };
        assert_eq!(both.decide("X", "VoIP"), (Verdict::Drop, Rule::DenyName));
        // Categories next; Game is in both lists, so deny wins.
        assert_eq!(
            p.decide("WireGuard", "VPN"),
            (Verdict::Drop, Rule::DenyCategory)
        );
        assert_eq!(
            p.decide("RakNet", "Game"),
            (Verdict::Drop, Rule::DenyCategory)
        );
        assert_eq!(
            p.decide("Zoom", "voip"),
            (Verdict::Accept, Rule::AllowCategory)
        );
        // Nothing names it: `unlisted`.
        assert_eq!(
            p.decide("BitTorrent", "P2P"),
            (Verdict::Drop, Rule::Unlisted)
        );
        let open = Policy {
            unlisted: Verdict::Accept,
            ..p
        };
        assert_eq!(
            open.decide("BitTorrent", "P2P"),
            (Verdict::Accept, Rule::Unlisted)
        );
        assert_eq!(
            open.on_identified(&label("BitTorrent", "P2P")),
            Decision::Accept(DecisionReason::Identified)
        );
    }

    #[test]
    fn the_default_policy_accepts_calls_and_infrastructure_and_denies_vpns_tunnels_anonymizers() {
        let p = Policy::default();
        for c in ["VoIP", "Video", "Media", "Network", "System", "Web"] {
            assert_eq!(
                p.decide("P", c),
                (Verdict::Accept, Rule::AllowCategory),
                "{c}"
            );
        }
        for c in ["VPN", "Tunnel", "Anonymizer"] {
            assert_eq!(p.decide("P", c), (Verdict::Drop, Rule::DenyCategory), "{c}");
        }
        for c in ["Game", "P2P", "Chat", "Custom"] {
            assert_eq!(p.decide("P", c), (Verdict::Drop, Rule::Unlisted), "{c}");
        }
        assert_eq!(
            p.on_identified(&label("Skype_TeamsCall", "VoIP")),
            Decision::Accept(DecisionReason::Identified)
        );
        assert_eq!(
            p.on_identified(&label("OpenVPN", "VPN")),
            Decision::Drop(DecisionReason::Identified)
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
