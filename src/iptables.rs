//! The ruleset that feeds the daemon and obeys its marks, as text: `iptables-restore --noflush`
//! input (IPv4 or IPv6) or an `nft -f` table. It only prints; it runs nothing and decides
//! nothing about packets.
//!
//! The order of the rules matters. A packet that the daemon verdicts with NF_REPEAT comes back
//! through the same hook carrying nfdpi's mark: that mark must be checked and saved to the
//! connection *before* anything restores the connection's (still empty) mark over it, or the
//! packet is queued again and loops without end. Later packets of the flow carry no mark of
//! their own: for them the connection's mark is restored, and they are accepted or dropped
//! without reaching userspace.

use std::fmt::Write;

use crate::policy::MarkLayout;

/// Name of nfdpi's own chain (iptables) and table (nftables).
pub const CHAIN: &str = "NFDPI";
/// Name of nfdpi's nftables table.
pub const NFT_TABLE: &str = "nfdpi";
/// Rate of the LOG rule for dropped packets (`--log-drops`).
pub const LOG_LIMIT: &str = "10/minute";
/// Burst of the LOG rule for dropped packets.
pub const LOG_BURST: u32 = 10;

/// Which built-in chain (hook) the ruleset attaches to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Forward,
    Input,
    Output,
}

impl Hook {
    /// The iptables chain name.
    pub fn iptables(self) -> &'static str {
        match self {
            Hook::Forward => "FORWARD",
            Hook::Input => "INPUT",
            Hook::Output => "OUTPUT",
        }
    }

    /// The nftables hook name.
    pub fn nft(self) -> &'static str {
        match self {
            Hook::Forward => "forward",
            Hook::Input => "input",
            Hook::Output => "output",
        }
    }
}

/// What the ruleset is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesetConfig {
    /// First and last NFQUEUE number the daemon reads (equal for one queue).
    pub queues: (u16, u16),
    /// The built-in chain to hook.
    pub hook: Hook,
    /// When true, queued traffic is dropped while no daemon listens (no `--queue-bypass`).
    pub fail_closed: bool,
    /// Add a rate-limited LOG rule before dropping packets of flows decided "drop".
    pub log_drops: bool,
    /// Produce `ip6tables-restore` input.
    pub ipv6: bool,
    /// The daemon's mark layout (only `accept`, `drop` and `mask` are used).
    pub marks: MarkLayout,
}

/// One rule and the one-line explanation that goes into its comment and the README.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The chain the rule is appended to (or, for the hook rule, inserted at the top of).
    pub chain: String,
    /// The matches (may be empty).
    pub matches: String,
    /// The target and its options (what follows `-j`).
    pub target: String,
    /// What the rule does, one line.
    pub why: &'static str,
    /// Inserted at position 1 instead of appended.
    pub insert: bool,
}

impl Rule {
    /// The rule as an `iptables-restore` line, with its comment.
    pub fn line(&self) -> String {
        let op = if self.insert {
            format!("-I {} 1", self.chain)
        } else {
            format!("-A {}", self.chain)
        };
        let comment = if self.insert {
            "nfdpi: hook".to_string()
        } else {
            format!("nfdpi: {}", self.why)
        };
        let matches = if self.matches.is_empty() {
            String::new()
        } else {
            format!(" {}", self.matches)
        };
        format!(
            "{op}{matches} -m comment --comment \"{comment}\" -j {}",
            self.target
        )
    }
}

/// The rules in order: hook, save, restore, accept, (log), drop, queue.
pub fn rules(cfg: &RulesetConfig) -> Vec<Rule> {
    let m = cfg.marks;
    let decided = m.accept | m.drop;
    let mask = m.mask;
    let rule = |matches: String, target: String, why: &'static str| Rule {
        chain: CHAIN.to_string(),
        matches,
        target,
        why,
        insert: false,
    };
    let mut out = vec![
        Rule {
            chain: cfg.hook.iptables().to_string(),
            matches: "-p udp".to_string(),
            target: CHAIN.to_string(),
            why: "send UDP to the NFDPI chain, ahead of the other rules",
            insert: true,
        },
        rule(
            format!("-m mark ! --mark 0x0/{decided:#x}"),
            format!("CONNMARK --save-mark --nfmask {mask:#x} --ctmask {mask:#x}"),
            "a packet back from an NF_REPEAT verdict carries the decision: save it to the connection first",
        ),
        rule(
            format!("-m mark --mark 0x0/{decided:#x}"),
            format!("CONNMARK --restore-mark --nfmask {mask:#x} --ctmask {mask:#x}"),
            "any other packet: restore the connection mark (none while the flow is undecided)",
        ),
        rule(
            format!("-m mark --mark {:#x}/{decided:#x}", m.accept),
            "ACCEPT".to_string(),
            "flow decided accept: pass without queueing",
        ),
    ];
    if cfg.log_drops {
        out.push(rule(
            format!("-m mark --mark {:#x}/{decided:#x} -m limit --limit {LOG_LIMIT} --limit-burst {LOG_BURST}", m.drop),
            "LOG --log-prefix \"nfdpi drop: \"".to_string(),
            "flow decided drop: log it (rate-limited)",
        ));
    }
    out.push(rule(
        format!("-m mark --mark {:#x}/{decided:#x}", m.drop),
        "DROP".to_string(),
        "flow decided drop: drop without queueing",
    ));
    let target = match cfg.queues {
        (a, b) if a == b => format!("NFQUEUE --queue-num {a}"),
        (a, b) => format!("NFQUEUE --queue-balance {a}:{b}"),
    };
    out.push(if cfg.fail_closed {
        rule(
            String::new(),
            target,
            "undecided flow: queue to nfdpi (dropped while no daemon listens: fail closed)",
        )
    } else {
        rule(
            String::new(),
            format!("{target} --queue-bypass"),
            "undecided flow: queue to nfdpi (accepted while no daemon listens: fail open)",
        )
    });
    out
}

/// `iptables-restore --noflush` (or `ip6tables-restore --noflush`) input.
pub fn iptables_restore(cfg: &RulesetConfig) -> String {
    let tool = if cfg.ipv6 { "ip6tables" } else { "iptables" };
    let hook = cfg.hook.iptables();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# nfdpi {} ruleset: {tool}-restore --noflush < this-file",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(s, "# Only the {CHAIN} chain is (re)created and flushed; one jump is inserted at the top of {hook}.");
    let _ = writeln!(
        s,
        "# Applying it twice inserts the jump twice. To remove it:"
    );
    let _ = writeln!(
        s,
        "#   {tool} -D {hook} -p udp -m comment --comment \"nfdpi: hook\" -j {CHAIN}; {tool} -F {CHAIN}; {tool} -X {CHAIN}"
    );
    let _ = writeln!(s, "*filter");
    let _ = writeln!(s, ":{CHAIN} - [0:0]");
    for r in rules(cfg) {
        let _ = writeln!(s, "# {}", r.why);
        let _ = writeln!(s, "{}", r.line());
    }
    let _ = writeln!(s, "COMMIT");
    s
}

/// An `nft -f` script: replaces nfdpi's own table (`inet nfdpi`) and touches nothing else.
/// `ipv6` is ignored: the `inet` table covers both families.
///
/// nft 1.0.6 cannot merge two marks under a mask (`ct mark and C or meta mark and D` needs a
/// constant on the right), so this variant saves `meta mark and MASK` into the conntrack mark
/// (clearing the conntrack mark's other bits) and, for later packets, matches the conntrack
/// mark directly instead of restoring it into the packet mark.
pub fn nft(cfg: &RulesetConfig) -> String {
    let m = cfg.marks;
    let decided = m.accept | m.drop;
    let mask = m.mask;
    let hook = cfg.hook.nft();
    let queue = match cfg.queues {
        (a, b) if a == b => format!("{a}"),
        (a, b) => format!("{a}-{b}"),
    };
    let bypass = if cfg.fail_closed { "" } else { " bypass" };
    let (acc, drp) = (m.accept, m.drop);
    let mut s = String::new();
    let mut line = |why: &str, rule: String| {
        let _ = writeln!(s, "\t\t# {why}");
        let _ = writeln!(s, "\t\t{rule}");
    };
    line("only UDP is inspected", "meta l4proto != udp return".into());
    line(
        "a packet back from an NF_REPEAT verdict carries the decision: save it to the connection first",
        format!("meta mark and {decided:#x} != 0x0 ct mark set meta mark and {mask:#x} comment \"nfdpi: save\""),
    );
    line(
        "... and obey it: accept",
        format!("meta mark and {decided:#x} == {acc:#x} accept comment \"nfdpi: accept\""),
    );
    line(
        "... or drop",
        format!("meta mark and {decided:#x} == {drp:#x} drop comment \"nfdpi: drop\""),
    );
    line(
        "later packets of a flow decided accept: pass without queueing",
        format!("ct mark and {decided:#x} == {acc:#x} accept comment \"nfdpi: flow accepted\""),
    );
    if cfg.log_drops {
        line(
            "later packets of a flow decided drop: log them (rate-limited)",
            format!(
                "ct mark and {decided:#x} == {drp:#x} limit rate {LOG_LIMIT} burst {LOG_BURST} packets log prefix \"nfdpi drop: \""
            ),
        );
    }
    line(
        "later packets of a flow decided drop: drop without queueing",
        format!("ct mark and {decided:#x} == {drp:#x} drop comment \"nfdpi: flow dropped\""),
    );
    line(
        if cfg.fail_closed {
            "undecided flow: queue to nfdpi (dropped while no daemon listens: fail closed)"
        } else {
            "undecided flow: queue to nfdpi (accepted while no daemon listens: fail open)"
        },
        format!("queue num {queue}{bypass} comment \"nfdpi: queue\""),
    );
    let body = s;
    let mut s = String::new();
    let _ = writeln!(s, "#!/usr/sbin/nft -f");
    let _ = writeln!(
        s,
        "# nfdpi {} ruleset: nft -f this-file (replaces table inet {NFT_TABLE} only)",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(s, "table inet {NFT_TABLE}");
    let _ = writeln!(s, "delete table inet {NFT_TABLE}");
    let _ = writeln!(s, "table inet {NFT_TABLE} {{");
    let _ = writeln!(s, "\tchain {hook} {{");
    let _ = writeln!(
        s,
        "\t\ttype filter hook {hook} priority filter; policy accept;"
    );
    s.push_str(&body);
    let _ = writeln!(s, "\t}}");
    let _ = writeln!(s, "}}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RulesetConfig {
        RulesetConfig {
            queues: (0, 0),
            hook: Hook::Forward,
            fail_closed: false,
            log_drops: false,
            ipv6: false,
            marks: MarkLayout::default(),
        }
    }

    fn rule_lines(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|l| l.starts_with("-A ") || l.starts_with("-I "))
            .collect()
    }

    #[test]
    fn default_ruleset_is_exactly_this() {
        let text = iptables_restore(&cfg());
        let lines = rule_lines(&text);
        let strip = |l: &str| {
            // Drop the comment match for a compact comparison.
            let a = l.find(" -m comment").unwrap_or(l.len());
            let b = l.find(" -j ").unwrap_or(l.len());
            format!("{}{}", &l[..a], &l[b..])
        };
        let got: Vec<String> = lines.iter().map(|l| strip(l)).collect();
        assert_eq!(
            got,
            [
                "-I FORWARD 1 -p udp -j NFDPI",
                "-A NFDPI -m mark ! --mark 0x0/0x3 -j CONNMARK --save-mark --nfmask 0xffff0003 --ctmask 0xffff0003",
                "-A NFDPI -m mark --mark 0x0/0x3 -j CONNMARK --restore-mark --nfmask 0xffff0003 --ctmask 0xffff0003",
                "-A NFDPI -m mark --mark 0x1/0x3 -j ACCEPT",
                "-A NFDPI -m mark --mark 0x2/0x3 -j DROP",
                "-A NFDPI -j NFQUEUE --queue-num 0 --queue-bypass",
            ]
        );
        assert!(text.contains("*filter\n:NFDPI - [0:0]\n"));
        assert!(text.trim_end().ends_with("COMMIT"));
        // Every rule carries a comment, and no comment contains a quote that would end it.
        for l in &lines {
            let c = l.split("--comment \"").nth(1).expect("comment");
            assert!(c.find('"').is_some_and(|end| end > 6), "{l}");
            assert!(!c.contains('\''), "{l}");
        }
    }

    /// Regression guard for the endless NF_REPEAT loop: the packet's own mark must be checked and
    /// saved before the connection mark is restored over it.
    #[test]
    fn save_comes_before_restore() {
        let text = iptables_restore(&cfg());
        let save = text.find("--save-mark").expect("save rule");
        let restore = text.find("--restore-mark").expect("restore rule");
        let queue = text.find("-j NFQUEUE").expect("queue rule");
        assert!(save < restore && restore < queue);
        // The restore only applies to packets without a decision of their own.
        let rl = text
            .lines()
            .find(|l| l.contains("--restore-mark"))
            .unwrap_or_default();
        assert!(rl.contains("-m mark --mark 0x0/0x3"), "{rl}");
    }

    #[test]
    fn never_flushes_other_chains() {
        let text = iptables_restore(&RulesetConfig {
            log_drops: true,
            ..cfg()
        });
        let declared: Vec<&str> = text.lines().filter(|l| l.starts_with(':')).collect();
        assert_eq!(declared, [":NFDPI - [0:0]"]);
        assert!(!text
            .lines()
            .any(|l| l.starts_with("-F") || l.starts_with("-X") || l.starts_with("-P")));
        assert_eq!(text.lines().filter(|l| l.starts_with("-I ")).count(), 1);
        assert!(rule_lines(&text)
            .iter()
            .filter(|l| !l.starts_with("-I "))
            .all(|l| l.starts_with("-A NFDPI ")));
    }

    #[test]
    fn options_change_the_right_rules() {
        let t = iptables_restore(&RulesetConfig {
            queues: (0, 3),
            fail_closed: true,
            ..cfg()
        });
        assert!(t.contains("-j NFQUEUE --queue-balance 0:3\n"), "{t}");
        assert!(!t.contains("--queue-bypass"));
        let t = iptables_restore(&RulesetConfig {
            log_drops: true,
            hook: Hook::Input,
            ..cfg()
        });
        let log = t
            .lines()
            .position(|l| l.contains("-j LOG"))
            .expect("log rule");
        let drop = t
            .lines()
            .position(|l| l.ends_with("-j DROP"))
            .expect("drop rule");
        assert!(log < drop);
        assert!(t.contains("-m limit --limit 10/minute --limit-burst 10"));
        assert!(t.contains("-I INPUT 1 -p udp"));
        let t = iptables_restore(&RulesetConfig {
            ipv6: true,
            hook: Hook::Output,
            ..cfg()
        });
        assert!(t.starts_with("# nfdpi") && t.contains("ip6tables-restore"));
        assert!(t.contains("-I OUTPUT 1 -p udp"));
        let marks = MarkLayout {
            accept: 0x100,
            drop: 0x200,
            proto_shift: 16,
            mask: 0xffff_0300,
        };
        let t = iptables_restore(&RulesetConfig { marks, ..cfg() });
        assert!(t.contains("-m mark --mark 0x100/0x300 -m comment"));
        assert!(t.contains("--nfmask 0xffff0300 --ctmask 0xffff0300"));
    }

    #[test]
    fn nft_table_is_self_contained() {
        let t = nft(&RulesetConfig {
            queues: (2, 5),
            log_drops: true,
            ..cfg()
        });
        assert!(t.contains("table inet nfdpi\ndelete table inet nfdpi\ntable inet nfdpi {"));
        assert!(t.contains("type filter hook forward priority filter; policy accept;"));
        assert!(t.contains("queue num 2-5 bypass"));
        let save = t
            .find("ct mark set meta mark and 0xffff0003")
            .expect("save");
        let ct_match = t.find("ct mark and 0x3 == 0x1 accept").expect("ct accept");
        assert!(save < ct_match);
        assert!(!t.contains("flush ruleset"));
        let t = nft(&RulesetConfig {
            fail_closed: true,
            hook: Hook::Input,
            ..cfg()
        });
        assert!(t.contains("queue num 0 comment"));
        assert!(t.contains("hook input"));
    }
}
