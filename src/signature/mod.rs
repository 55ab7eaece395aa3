//! The compiled, immutable signature set, shared behind an `Arc` and swapped whole on reload.
//!
//! It owns the set's types (labels, compiled rules, the summary, load errors) and its entry
//! points; the work is split by step: `load` reads files and directories, `parse` reads the
//! language, `compile` checks and orders the rules, `index` files them by transport, port,
//! address, first payload byte and payload shape, and `matcher` runs a packet against its
//! candidates. The protocol helpers the language calls (`stun`, `rtp`, `host`, …) live in
//! `crate::proto`. Nothing here touches packets except `matcher` and `explain` (the slow walk
//! that says why rules did not match a flow, for `nfdpi explain` and logs).

pub mod category;
mod compile;
pub mod confirm;
pub mod explain;
mod gate;
mod index;
mod load;
pub mod matcher;
pub mod parse;
pub mod precision;
mod prefilter;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use parse::{Echo, Repeat, SyntaxError, Test};

/// What an identified flow carries: the protocol and the rule that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// nDPI's protocol name where one exists (`Skype_Teams`, `STUN`, …).
    pub protocol: String,
    /// Numeric protocol id (nDPI's numbering where one exists); goes into the packet mark.
    pub id: u16,
    /// Category (`VoIP`, `VPN`, …).
    pub category: String,
    /// Where the rule that matched is written: `skype.sig:12`.
    pub location: String,
    /// What must confirm a flow this rule names before it is accepted (`confirm N by …`).
    pub confirm: Option<confirm::ConfirmSpec>,
}

/// Errors that refuse a whole set. Each is rendered like a compiler's.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{0}")]
    Syntax(SyntaxError),
    #[error("no signatures found in {0}")]
    Empty(String),
}

/// Packets a rule may look at when it names no `packet` position: nDPI's ndpiReader gives up on
/// a UDP flow after 24 packets, and so do we.
pub const DEFAULT_WINDOW: u32 = 24;

/// First id given to protocols named only by nDPI custom lines (nDPI numbers its custom
/// protocols after its own too); in order of first appearance in the load order.
pub const CUSTOM_ID_BASE: u16 = 1024;

/// Rules a set may hold (rule indexes are 16-bit in the per-flow progress).
pub const MAX_RULES: usize = 30_000;

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) label: Arc<Label>,
    /// The rule's name as written (`rule NAME`; empty for an nDPI custom line).
    pub(crate) name: String,
    pub(crate) transport: Option<u8>,
    pub(crate) tests: Vec<Test>,
    pub(crate) repeat: Option<Repeat>,
    pub(crate) echo: Option<Echo>,
    /// Packets (both directions, from the flow's first) during which the rule may match.
    pub(crate) window: u32,
    pub(crate) priority: i32,
    /// A match is provisional: a later non-held match in the window wins over it.
    pub(crate) hold: bool,
    pub(crate) specificity: u32,
    /// Length range and key fields its payload must have before the tests are tried.
    pub(crate) gate: gate::Gate,
    /// The tests the gate does not decide exactly, tried on the payloads it admits.
    pub(crate) left: Vec<Test>,
}

/// What `check-signatures` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub protocols: usize,
    pub rules: usize,
    pub examples: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok: {} files, {} protocols, {} rules, {} examples passed",
            self.files, self.protocols, self.rules, self.examples
        )
    }
}

/// A compiled set of signatures. Immutable once built.
#[derive(Debug, Default)]
pub struct SignatureSet {
    /// One label per protocol, in load order.
    pub(crate) labels: Vec<Arc<Label>>,
    /// Rules in precedence order: higher `priority` first, then higher specificity, then load
    /// order (file name, then line).
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) index: index::Index,
    pub(crate) prefilter: prefilter::Prefilter,
    /// No rule looks at packets at or past this index.
    pub(crate) max_window: u32,
    /// For each rule, the largest window of the rules that outrank it: a held match of that rule
    /// is final from that packet on.
    pub(crate) horizon: Vec<u32>,
    pub(crate) summary: Summary,
}

impl SignatureSet {
    /// A set without rules: every flow stays Unknown. Used by `--no-signatures` measurements.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Load every `*.sig` file under each path (a directory or a file). Any error refuses the
    /// whole set; an empty set is an error too.
    pub fn load(paths: &[PathBuf]) -> Result<Self, Vec<LoadError>> {
        let sources = load::read_sources(paths)?;
        let refs: Vec<(&str, &str)> = sources
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        match Self::from_sources(&refs) {
            Ok(set) if set.rules.is_empty() => Err(vec![LoadError::Empty(
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            )]),
            Ok(set) => Ok(set),
            Err(errs) => Err(errs.into_iter().map(LoadError::Syntax).collect()),
        }
    }

    /// Parse, compile and check the examples of sources given as (file name, text). Used by
    /// `load` and by tests. An empty result is not an error here.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, Vec<SyntaxError>> {
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for (name, text) in sources {
            match parse::parse_file(name, text) {
                Ok(file) => parsed.push(compile::Source { name, text, file }),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        compile::compile(&parsed)
    }

    /// Number of protocols the set can name.
    pub fn protocol_count(&self) -> usize {
        self.labels.len()
    }

    /// The protocol names this set can give, for validating `--allow`/`--deny`.
    pub fn protocol_names(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(|l| l.protocol.as_str())
    }

    /// One label per protocol (name, id, category, where declared), in load order.
    pub fn labels(&self) -> &[Arc<Label>] {
        &self.labels
    }

    /// No rule looks at a flow's packets past this many (1-based: packets `1..=max_window`).
    pub fn max_window(&self) -> u32 {
        self.max_window
    }

    /// Files, protocols, rules and examples checked, for `check-signatures`.
    pub fn summary(&self) -> Summary {
        self.summary
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]
mod tests {
    use super::matcher::{inspect, Ctx, Outcome, Progress};
    use super::*;
    use crate::packet::{Direction, Packet, TCP, UDP};

    fn set(src: &str) -> SignatureSet {
        SignatureSet::from_sources(&[("t.sig", src)]).unwrap_or_else(|e| panic!("{}", e[0]))
    }

    fn udp<'a>(src: &str, sport: u16, dst: &str, dport: u16, payload: &'a [u8]) -> Packet<'a> {
        Packet {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: UDP,
            sport,
            dport,
            payload,
            ip_len: 28 + payload.len() as u32,
            frag: None,
        }
    }

    fn first() -> Ctx {
        Ctx {
            dir: Direction::ToServer,
            index: 0,
            index_in_dir: 0,
        }
    }

    fn name<'s>(o: Outcome<'s>) -> Option<&'s str> {
        match o {
            Outcome::Matched(l) => Some(l.protocol.as_str()),
            _ => None,
        }
    }

    #[test]
    fn labels_name_the_rule_line() {
        let s = set("protocol DNS id 5 category Network\n  rule a\n    broad\n    port 53\n");
        let pkt = udp("10.0.0.1", 5000, "10.0.0.2", 53, b"x");
        let Outcome::Matched(l) = inspect(&s, &pkt, &first(), &mut Progress::default()) else {
            panic!()
        };
        assert_eq!(
            (
                l.protocol.as_str(),
                l.id,
                l.category.as_str(),
                l.location.as_str()
            ),
            ("DNS", 5, "Network", "t.sig:2")
        );
        assert_eq!(
            s.summary(),
            Summary {
                files: 1,
                protocols: 1,
                rules: 1,
                examples: 0
            }
        );
    }

    #[test]
    fn the_more_specific_rule_wins_then_priority_then_file_order() {
        let src = "protocol Generic id 1 category Custom\n  rule g\n    u8@0 == 1\n\
                   protocol Specific id 2 category Custom\n  rule s\n    u8@0 == 1\n    len == 3\n\
                   protocol Late id 3 category Custom\n  rule l\n    u8@0 == 1\n    len == 3\n";
        let s = set(src);
        let pkt = udp("10.0.0.1", 1, "10.0.0.2", 2, &[1, 2, 3]);
        assert_eq!(
            name(inspect(&s, &pkt, &first(), &mut Progress::default())),
            Some("Specific")
        );
        let s = set(&src.replace("  rule g\n", "  rule g\n    priority 1\n"));
        assert_eq!(
            name(inspect(&s, &pkt, &first(), &mut Progress::default())),
            Some("Generic")
        );
    }

    #[test]
    fn repeat_same_counts_packets_of_one_direction() {
        let s = set(
            "protocol R id 1 category Custom\n  rule r\n    u8@0 == 0x80\n    repeat 3 same u32@1\n",
        );
        let a = [0x80, 0, 0, 0, 7];
        let b = [0x80, 0, 0, 0, 8];
        let mut p = Progress::default();
        let at = |i, d| Ctx {
            dir: d,
            index: i,
            index_in_dir: i,
        };
        let c2s = udp("10.0.0.1", 1, "10.0.0.2", 2, &a);
        let other = udp("10.0.0.1", 1, "10.0.0.2", 2, &b);
        assert!(name(inspect(&s, &c2s, &at(0, Direction::ToServer), &mut p)).is_none());
        // A different value resets the count; the other direction counts on its own.
        assert!(name(inspect(&s, &other, &at(1, Direction::ToClient), &mut p)).is_none());
        assert!(name(inspect(&s, &c2s, &at(2, Direction::ToServer), &mut p)).is_none());
        assert_eq!(
            name(inspect(&s, &c2s, &at(3, Direction::ToServer), &mut p)),
            Some("R")
        );
    }

    /// A flow of (direction, payload) packets through `s`; the outcome of each packet.
    fn run_flow<'s>(s: &'s SignatureSet, packets: &[(Direction, &[u8])]) -> Vec<Option<&'s str>> {
        let mut p = Progress::default();
        let mut n = [0u32; 2];
        packets
            .iter()
            .enumerate()
            .map(|(i, (dir, payload))| {
                let d = usize::from(*dir == Direction::ToClient);
                let ctx = Ctx {
                    dir: *dir,
                    index: u32::try_from(i).unwrap(),
                    index_in_dir: n[d],
                };
                n[d] += 1;
                let pkt = udp("10.0.0.1", 1000, "10.0.0.2", 2000, payload);
                name(inspect(s, &pkt, &ctx, &mut p))
            })
            .collect()
    }

    #[test]
    fn echo_matches_the_reply_that_carries_the_request_value() {
        let s =
            set("protocol E id 1 category Custom\n  rule e\n    u8@0 == 0x80\n    echo u16@1\n");
        let (c, sv) = (Direction::ToServer, Direction::ToClient);
        let got = run_flow(
            &s,
            &[
                (c, &[0x80, 0x12, 0x34]),
                // The same direction never answers, nor does another value or a packet whose
                // tests fail.
                (c, &[0x80, 0x12, 0x34]),
                (sv, &[0x80, 0x99, 0x99]),
                (sv, &[0x81, 0x12, 0x34]),
                (sv, &[0x80, 0x12, 0x34]),
            ],
        );
        assert_eq!(got, vec![None, None, None, None, Some("E")]);
        // Two requests in flight (a resolver's A and AAAA queries), answered in either order.
        let got = run_flow(
            &s,
            &[
                (c, &[0x80, 0, 1]),
                (c, &[0x80, 0, 2]),
                (sv, &[0x80, 0, 1]),
                (sv, &[0x80, 0, 2]),
            ],
        );
        assert_eq!(got, vec![None, None, None, Some("E")]);
        // The server may speak first.
        let got = run_flow(&s, &[(sv, &[0x80, 0, 9]), (c, &[0x80, 0, 9])]);
        assert_eq!(got, vec![None, Some("E")]);
    }

    #[test]
    fn echo_as_reads_the_reply_at_another_offset() {
        // NTP-like: the reply's u32@0 carries the request's u32@4.
        let s = set(
            "protocol N id 1 category Custom\n  rule n\n    len == 8\n    echo u32@4 as u32@0\n",
        );
        let (c, sv) = (Direction::ToServer, Direction::ToClient);
        let got = run_flow(
            &s,
            &[
                (c, &[0, 0, 0, 0, 1, 2, 3, 4]),
                (sv, &[1, 2, 3, 5, 0, 0, 0, 0]),
            ],
        );
        assert_eq!(got, vec![None, None]);
        let got = run_flow(
            &s,
            &[
                (c, &[0, 0, 0, 0, 1, 2, 3, 4]),
                (sv, &[1, 2, 3, 4, 0, 0, 0, 0]),
            ],
        );
        assert_eq!(got, vec![None, Some("N")]);
    }

    #[test]
    fn full_slots_go_to_the_rules_that_outrank() {
        // Four low-ranked `repeat` rules fill the slots on the first packet; the echo rule that
        // outranks them (priority 1) holds from the second packet on and still gets its slots.
        let mut src = String::new();
        for i in 1..=4 {
            src.push_str(&format!(
                "protocol L{i} id {i} category Custom\n  rule l\n    u8@0 == 0x80\n    repeat 9\n"
            ));
        }
        src.push_str("protocol H id 9 category Custom\n  rule h\n    priority 1\n    u8@0 == 0x80\n    u8@1 == 0xaa\n    echo u8@2\n");
        let s = set(&src);
        let (c, sv) = (Direction::ToServer, Direction::ToClient);
        let got = run_flow(
            &s,
            &[
                (c, &[0x80, 0, 0]),
                (c, &[0x80, 0xaa, 5]),
                (sv, &[0x80, 0xaa, 5]),
            ],
        );
        assert_eq!(got, vec![None, None, Some("H")]);
        assert_eq!(std::mem::size_of::<Progress>(), 36);
    }

    #[test]
    fn a_held_match_yields_to_a_later_deciding_rule_or_settles() {
        let s = set("protocol Guess id 1 category Custom\n  rule g\n    priority -1\n    hold\n    packet within 4\n    u8@2 == 2\n\
                     protocol Real id 2 category Custom\n  rule r\n    packet within 4\n    u8@0 == 0x90\n    repeat 2\n");
        let pkt = udp("10.0.0.1", 1, "10.0.0.2", 2, &[0x90, 0, 2]);
        let at = |i| Ctx {
            dir: Direction::ToServer,
            index: i,
            index_in_dir: i,
        };
        let mut p = Progress::default();
        assert!(matches!(
            inspect(&s, &pkt, &at(0), &mut p),
            Outcome::Undecided
        ));
        assert_eq!(
            matcher::settle(&s, &p).map(|l| l.protocol.as_str()),
            Some("Guess")
        );
        assert_eq!(name(inspect(&s, &pkt, &at(1), &mut p)), Some("Real"));
        // Alone, the held match is final once no rule looks further.
        let other = udp("10.0.0.1", 1, "10.0.0.2", 2, &[0x10, 0, 2]);
        let mut p = Progress::default();
        for i in 0..3 {
            assert!(matches!(
                inspect(&s, &other, &at(i), &mut p),
                Outcome::Undecided
            ));
        }
        assert_eq!(name(inspect(&s, &other, &at(3), &mut p)), Some("Guess"));
    }

    #[test]
    fn gives_up_past_every_window() {
        let s =
            set("protocol W id 1 category Custom\n  rule w\n    packet within 2\n    u8@0 == 9\n");
        let pkt = udp("10.0.0.1", 1, "10.0.0.2", 2, &[0]);
        let mut p = Progress::default();
        assert!(matches!(
            inspect(&s, &pkt, &first(), &mut p),
            Outcome::Undecided
        ));
        let ctx = Ctx {
            dir: Direction::ToServer,
            index: 1,
            index_in_dir: 1,
        };
        assert!(matches!(inspect(&s, &pkt, &ctx, &mut p), Outcome::GaveUp));
    }

    #[test]
    fn positions_directions_sides_and_cidrs() {
        let s = set(
            "protocol S id 1 category Custom\n  rule s\n    packet first-to-client\n    both-directions\n    server-ip 52.112.0.0/14\n    server-port 3478-3481\n",
        );
        let reply = udp("52.114.1.1", 3478, "10.0.0.1", 50000, b"");
        let ctx = Ctx {
            dir: Direction::ToClient,
            index: 1,
            index_in_dir: 0,
        };
        assert_eq!(
            name(inspect(&s, &reply, &ctx, &mut Progress::default())),
            Some("S")
        );
        let ctx = Ctx {
            dir: Direction::ToServer,
            index: 1,
            index_in_dir: 1,
        };
        assert!(name(inspect(&s, &reply, &ctx, &mut Progress::default())).is_none());
    }

    #[test]
    fn ndpi_custom_lines_load_and_match() {
        let s = set("protocol DNS id 5 category Network\n  rule d\n    port 53\n    len >= 12\n\
                     tcp:81,udp:5061-5062@Name\nip:192.0.2.0/24:443@Net\nhost:\"example.org\"@Web\nudp:53@DNS\n");
        let names: Vec<&str> = s.protocol_names().collect();
        assert_eq!(names, vec!["DNS", "Name", "Net", "Web"]);
        let sip = udp("10.0.0.1", 5061, "10.0.0.2", 40000, b"");
        let Outcome::Matched(l) = inspect(&s, &sip, &first(), &mut Progress::default()) else {
            panic!()
        };
        assert_eq!(
            (l.protocol.as_str(), l.id, l.location.as_str()),
            ("Name", CUSTOM_ID_BASE, "t.sig:5")
        );
        let net = udp("192.0.2.9", 443, "10.0.0.2", 40000, b"");
        assert_eq!(
            name(inspect(&s, &net, &first(), &mut Progress::default())),
            Some("Net")
        );
        // A DNS query for www.example.org: the host rule is more specific than the DNS rule.
        let q = [
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'w', b'w', b'w', 7, b'e', b'x',
            b'a', b'm', b'p', b'l', b'e', 3, b'o', b'r', b'g', 0, 0, 1, 0, 1,
        ];
        let dns = udp("10.0.0.1", 5000, "10.0.0.2", 53, &q);
        assert_eq!(
            name(inspect(&s, &dns, &first(), &mut Progress::default())),
            Some("Web")
        );
        // A custom line naming a declared protocol takes its id.
        let d = udp("10.0.0.1", 5000, "10.0.0.2", 53, b"");
        let Outcome::Matched(l) = inspect(&s, &d, &first(), &mut Progress::default()) else {
            panic!()
        };
        assert_eq!((l.protocol.as_str(), l.id), ("DNS", 5));
    }

    #[test]
    fn tls_sni_matches_host_rules() {
        let s = set("host:\"teams.microsoft.com\"@Teams\n");
        // A minimal TLS 1.2 ClientHello with only a server_name extension.
        let name = b"eu.teams.microsoft.com";
        let sni_ext_len = 2 + 1 + 2 + name.len();
        let exts_len = 4 + sni_ext_len;
        let body_len = 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + exts_len;
        let mut p = vec![0x16, 3, 1];
        p.extend_from_slice(&u16::try_from(4 + body_len).unwrap().to_be_bytes());
        p.extend_from_slice(&[1, 0]); // ClientHello, 24-bit length
        p.extend_from_slice(&u16::try_from(body_len).unwrap().to_be_bytes());
        p.extend_from_slice(&[3, 3]); // version
        p.extend_from_slice(&[0; 32]); // random
        p.push(0); // session id
        p.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
        p.extend_from_slice(&[1, 0]); // null compression
        p.extend_from_slice(&u16::try_from(exts_len).unwrap().to_be_bytes());
        p.extend_from_slice(&[0, 0]); // server_name
        p.extend_from_slice(&u16::try_from(sni_ext_len).unwrap().to_be_bytes());
        p.extend_from_slice(&u16::try_from(sni_ext_len - 2).unwrap().to_be_bytes());
        p.push(0); // host_name
        p.extend_from_slice(&u16::try_from(name.len()).unwrap().to_be_bytes());
        p.extend_from_slice(name);
        let mut pkt = udp("10.0.0.1", 50000, "52.113.194.132", 443, &p);
        pkt.proto = TCP;
        assert_eq!(
            self::name(inspect(&s, &pkt, &first(), &mut Progress::default())),
            Some("Teams")
        );
    }

    #[test]
    fn compile_errors_point_at_the_rule() {
        let cases = [
            ("protocol P id 1 category Custom\n  rule r\n    transport udp\n    transport tcp\n", 2, "one transport per rule"),
            ("protocol P id 1 category Custom\n  rule r\n    u8@0 == 256\n", 2, "fit in u8@0"),
            ("protocol P id 1 category Custom\n  rule r\n    u8@0 in 5..1\n", 2, "LOW ≤ HIGH"),
            ("protocol P id 1 category Custom\n  rule r\n    repeat 1\n", 2, "N ≥ 2"),
            ("protocol P id 1 category Custom\n  rule r\n    packet within 0\n", 2, "N ≥ 1"),
            ("protocol P id 1 category Custom\n  rule r\n    hold\n    u32@0 == 7\n    confirm 4 by tag\n", 2, "`confirm … by tag` on a rule without `hold`"),
            ("protocol P id 1 category Custom\n  rule r\n    u8@0 == 1\n    direction to-server\n    echo u8@1\n", 2, "both directions can pass with `echo`, found `direction to-server`"),
            ("protocol P id 1 category Custom\n  rule r\n    u8@0 == 1\n    packet within 1\n    echo u8@1\n", 2, "found `packet within 1`"),
            ("protocol P id 1 category Custom\n", 1, "at least one `rule`"),
            ("protocol P id 1 category Custom\n  rule r\n    len == 1\nprotocol P id 2 category Custom\n  rule s\n    len == 2\n", 4, "same id and category"),
            ("protocol P id 1 category Custom\n  rule r\n    len == 2\n    example match 00\n", 4, "expected this example to match rule `r` of P"),
            ("protocol P id 1 category Custom\n  rule r\n    len == 1\n    example nomatch 00\n", 4, "to not match rule `r` of P, found that it matches"),
        ];
        for (src, line, msg) in cases {
            let e = SignatureSet::from_sources(&[("t.sig", src)]).unwrap_err();
            assert_eq!(e[0].line, line, "{src:?}: {}", e[0]);
            assert!(e[0].message.contains(msg), "{src:?}: {}", e[0]);
            assert!(
                e[0].to_string().starts_with(&format!("t.sig:{line}:")),
                "{}",
                e[0]
            );
        }
    }

    /// Issue 9.2: a rule that would name every flow its transport and ports let through is
    /// refused at its `rule` keyword unless it says `broad`; `broad` where a payload or address
    /// test exists is refused too.
    #[test]
    fn rules_without_evidence_are_refused_unless_broad() {
        let head = "protocol P id 1 category Custom\n  rule r\n";
        for body in [
            "",
            "    transport udp\n",
            "    transport udp\n    port 53, 5353\n    packet first\n",
            "    not u8@0 == 1\n",
            "    repeat 3\n",
        ] {
            let src = format!("{head}{body}");
            let e = SignatureSet::from_sources(&[("t.sig", src.as_str())]).unwrap_err();
            let shown = e[0].to_string();
            assert!(
                shown.starts_with("t.sig:2:3: expected a payload test"),
                "{src:?}: {shown}"
            );
            assert!(shown.contains("found none"), "{shown}");
            assert!(shown.contains("write `broad`"), "{shown}");
            let broad = format!("{head}    broad\n{body}");
            SignatureSet::from_sources(&[("t.sig", broad.as_str())])
                .unwrap_or_else(|e| panic!("{broad:?}: {}", e[0]));
        }
        for body in [
            "    u8@0 == 1\n",
            "    ip 10.0.0.0/8\n",
            "    stun\n",
            "    echo u16@0\n",
            "    repeat 2 same u32@8\n",
        ] {
            let src = format!("{head}{body}");
            SignatureSet::from_sources(&[("t.sig", src.as_str())])
                .unwrap_or_else(|e| panic!("{src:?}: {}", e[0]));
            let broad = format!("{head}    broad\n{body}");
            let e = SignatureSet::from_sources(&[("t.sig", broad.as_str())]).unwrap_err();
            let shown = e[0].to_string();
            assert!(
                shown.starts_with("t.sig:2:3: expected `broad` only on a rule without"),
                "{broad:?}: {shown}"
            );
        }
    }

    /// Issue 9.2: two protocols with one id would share their mark bits; the second
    /// declaration is refused at its id, naming the first.
    #[test]
    fn a_reused_id_is_refused_naming_both_places() {
        let a = "protocol DNS id 5 category Network\n  rule r\n    u16@4 == 1\n";
        let b = "# mine\nprotocol MyDNS id 5 category Network\n  rule r\n    u16@4 == 2\n";
        let e = SignatureSet::from_sources(&[("a.sig", a), ("b.sig", b)]).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        let shown = e[0].to_string();
        assert!(
            shown.starts_with(
                "b.sig:2:19: expected an id no other protocol has, found id 5 of `DNS` declared at a.sig:1"
            ),
            "{shown}"
        );
        assert!(
            shown.contains("2 | protocol MyDNS id 5 category Network"),
            "{shown}"
        );
        // The same protocol in two files is one declaration, not a reuse.
        let c = "protocol DNS id 5 category Network\n  rule s\n    u16@4 == 3\n";
        SignatureSet::from_sources(&[("a.sig", a), ("c.sig", c)])
            .unwrap_or_else(|e| panic!("{}", e[0]));
        // nDPI custom lines take the next id no protocol block declared.
        let d = "protocol Mine id 1024 category Custom\n  rule r\n    u8@0 == 1\nudp:99@Other\n";
        let s = SignatureSet::from_sources(&[("d.sig", d)]).unwrap_or_else(|e| panic!("{}", e[0]));
        let other = s.labels().iter().find(|l| l.protocol == "Other").unwrap();
        assert_eq!(other.id, 1025);
    }

    #[test]
    fn load_refuses_missing_paths_and_empty_sets() {
        let dir = tempfile::tempdir().unwrap();
        let e = SignatureSet::load(&[dir.path().join("nope")]).unwrap_err();
        assert!(e[0].to_string().contains("no such file or directory"));
        let e = SignatureSet::load(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(e[0], LoadError::Empty(_)));
        std::fs::write(
            dir.path().join("a.sig"),
            "protocol P id 1 category Custom\n  rule r\n    transport sctp\n",
        )
        .unwrap();
        let e = SignatureSet::load(&[dir.path().to_path_buf()]).unwrap_err();
        let shown = e[0].to_string();
        assert!(
            shown.contains("a.sig:3:15: expected `udp` or `tcp`, found `sctp`"),
            "{shown}"
        );
        assert!(shown.contains("3 |     transport sctp"), "{shown}");
    }

    #[test]
    fn the_shipped_set_loads_and_its_examples_pass() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
        let s =
            SignatureSet::load(std::slice::from_ref(&dir)).unwrap_or_else(|e| panic!("{}", e[0]));
        let sum = s.summary();
        assert!(sum.protocols >= 20 && sum.examples >= 40, "{sum}");
        for p in [
            "Skype_TeamsCall",
            "STUN",
            "DTLS",
            "RTP",
            "RTCP",
            "QUIC",
            "DNS",
            "WireGuard",
            "OpenVPN",
            "IPSec",
        ] {
            assert!(s.protocol_names().any(|n| n == p), "{p} missing");
        }
        // Classic Skype's rule B names `Skype_Teams`: opt-in only.
        assert!(!s.protocol_names().any(|n| n == "Skype_Teams"));
        let classic = dir.join("opt-in/skype_classic.sig");
        let with = SignatureSet::load(&[dir, classic]).unwrap_or_else(|e| panic!("{}", e[0]));
        assert!(with.protocol_names().any(|n| n == "Skype_Teams"));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod proptests {
    use super::matcher::{inspect, Ctx, Progress};
    use super::*;
    use crate::packet::{Direction, Packet, TCP, UDP};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    pub(crate) fn shipped() -> &'static SignatureSet {
        static SET: OnceLock<SignatureSet> = OnceLock::new();
        SET.get_or_init(|| {
            SignatureSet::load(&[
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures")
            ])
            .unwrap()
        })
    }

    /// Lines made of the language's words, quotes, escapes, comments, multi-byte and odd
    /// whitespace characters, and arbitrary characters.
    fn text_s() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            4 => prop::sample::select(vec![
                "protocol", "P", "id", "1", "category", "C", "rule", "r", "hold", "priority",
                "transport", "udp", "port", "53", "ip", "10.0.0.0/8", "u8@0", "u16@-2", "==",
                "in", "0x1..0x9", "{1, 2}", "len", "prefix", "at", "contains", "stun", "attr",
                "rtp", "pt", "quic", "version", "host", "repeat", "3", "same", "example",
                "match", "nomatch", "00ff", "not", "udp:53@X", "host:\"a.b\"@H", "ip:1.2.3.4:5@I",
                "#", "\"", "\\x", "\\", "é", "ééééé", "\u{3000}", "\t", " ", "  ", "@", ":",
                ",", "-", "..", "𝄞", "\u{200b}",
            ]).prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
        ];
        let comment = prop_oneof![
            Just(String::new()),
            "[ é😀\u{3000}a#\"]{0,8}".prop_map(|c| format!(" #{c}")),
        ];
        let statement = prop::sample::select(vec![
            "protocol P id 1 category Custom",
            "protocol Q id 2 category Custom",
            "rule r",
            "hold",
            "priority -1",
            "transport udp",
            "port 53",
            "len == 5",
            "prefix \"é\"",
            "at 2 \"ü#\"",
            "u8@0 in {1, 2}",
            "stun attr 0x8054",
            "rtp pt 96..127",
            "host \"é.org\"",
            "repeat 2 same u16@0",
            "example match 00",
            "example nomatch 0102",
            "udp:53@X",
        ])
        .prop_map(String::from);
        let indent = "[ \t\u{3000}\u{a0}]{0,3}";
        let words = prop::collection::vec(token, 0..8).prop_map(|t| t.join(" "));
        let line = (indent, prop_oneof![statement, words], comment)
            .prop_map(|(i, t, c)| format!("{i}{t}{c}"));
        prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
    }

    proptest! {
        /// Arbitrary text never panics the parser or the loader (issue 9.1: `hold # ééééé`), and
        /// every error renders, with a column inside its line.
        #[test]
        fn arbitrary_text_never_panics_the_loader(text in text_s(), raw in any::<String>()) {
            for t in [&text, &raw] {
                if let Err(errors) = SignatureSet::from_sources(&[("t.sig", t.as_str())]) {
                    for e in errors {
                        let shown = e.to_string();
                        prop_assert!(shown.starts_with("t.sig:"));
                        prop_assert!(e.col >= 1 && e.col as usize <= e.text.chars().count() + 1, "{}", shown);
                    }
                }
            }
        }
    }

    proptest! {
        /// Arbitrary payloads, ports and positions never panic the matcher on the shipped set.
        #[test]
        fn arbitrary_packets_never_panic(
            flows in prop::collection::vec(
                (any::<bool>(), any::<u16>(), any::<u16>(), prop::collection::vec(any::<u8>(), 0..200)),
                1..30,
            )
        ) {
            let set = shipped();
            let mut p = Progress::default();
            let mut n = [0u32; 2];
            for (i, (tcp, sport, dport, payload)) in flows.iter().enumerate() {
                let dir = if i % 3 == 1 { Direction::ToClient } else { Direction::ToServer };
                let d = usize::from(dir == Direction::ToClient);
                let pkt = Packet {
                    src: "10.0.0.1".parse().unwrap(),
                    dst: "52.112.0.1".parse().unwrap(),
                    proto: if *tcp { TCP } else { UDP },
                    sport: *sport,
                    dport: *dport,
                    payload,
                    ip_len: 40,
                    frag: None,
                };
                let ctx = Ctx { dir, index: u32::try_from(i).unwrap(), index_in_dir: n[d] };
                n[d] += 1;
                let _ = inspect(set, &pkt, &ctx, &mut p);
                let _ = matcher::settle(set, &p);
            }
        }
    }
}
