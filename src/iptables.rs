//! The ruleset that feeds the daemon and obeys its marks, as text: a POSIX `sh` script that
//! installs or removes it idempotently, plain `iptables-restore --noflush` input, or an `nft -f`
//! table. It only prints; it runs nothing and decides nothing about packets.
//!
//! **nfdpi can only take away.** Its chain lives in the `security` table, which the kernel runs
//! at each hook *after* the `filter` table (priority 50 with iptables-legacy, 150 with
//! iptables-nft; `filter` is 0). A packet reaches nfdpi only once every rule of the operator's in
//! `raw`, `mangle`, `nat` and `filter` at that hook has let it through, and whatever nfdpi does
//! then — RETURN, the NF_ACCEPT of a pending packet, the kernel's bypass or fail-open, the
//! NF_REPEAT that re-runs the security table — ends or repeats the security table's traversal
//! only. The jump is appended, so the operator's own `security` rules run first.
//!
//! The order inside the chain matters. A packet that the daemon verdicts with NF_REPEAT comes
//! back through the same hook entry carrying nfdpi's mark: that mark must be checked and saved to
//! the connection *before* anything restores the connection's (still empty) mark over it, or the
//! packet is queued again and loops without end. Later packets of the flow carry no mark of
//! their own: for them the connection's mark is restored, and they return or are dropped without
//! reaching userspace.

use std::fmt::Write;

use crate::policy::{MarkLayout, Transports};

/// Name of nfdpi's own chain (iptables).
pub const CHAIN: &str = "NFDPI";
/// The iptables table nfdpi's chain lives in (runs after `filter` at every hook).
pub const TABLE: &str = "security";
/// Tables earlier versions of nfdpi put their chain in; `--remove` and the install script take
/// it away from there (the `filter` table's chain ACCEPTed past the operator's rules).
pub const LEGACY_TABLES: [&str; 1] = ["filter"];
/// Name of nfdpi's nftables table.
pub const NFT_TABLE: &str = "nfdpi";
/// The comment that marks nfdpi's jump rules (removal deletes rules by it).
pub const HOOK_COMMENT: &str = "nfdpi: hook";
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
    /// Every hook, in the order removal visits them.
    pub const ALL: [Hook; 3] = [Hook::Forward, Hook::Input, Hook::Output];

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

/// The protocol names of the transports the ruleset queues (`--transport`), UDP first.
pub fn transport_names(t: Transports) -> Vec<&'static str> {
    [(t.udp, "udp"), (t.tcp, "tcp")]
        .into_iter()
        .filter_map(|(on, n)| on.then_some(n))
        .collect()
}

/// What `nfdpi iptables` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A POSIX `sh` script: idempotent install (or removal with `--remove`).
    Sh,
    /// Plain `iptables-restore` / `nft -f` input, for rules files.
    Restore,
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
    /// Produce `ip6tables` rules.
    pub ipv6: bool,
    /// The daemon's mark layout (only `accept`, `drop` and `mask` are used).
    pub marks: MarkLayout,
    /// The transports sent to nfdpi's chain.
    pub transports: Transports,
}

/// One rule of nfdpi's chain and the one-line explanation that goes into its comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The matches (may be empty).
    pub matches: String,
    /// The target and its options (what follows `-j`).
    pub target: String,
    /// What the rule does, one line.
    pub why: &'static str,
}

impl Rule {
    /// The rule as an `iptables-restore` line appending to nfdpi's chain, with its comment.
    pub fn line(&self) -> String {
        let matches = if self.matches.is_empty() {
            String::new()
        } else {
            format!(" {}", self.matches)
        };
        format!(
            "-A {CHAIN}{matches} -m comment --comment \"nfdpi: {}\" -j {}",
            self.why, self.target
        )
    }
}

/// The rules of nfdpi's chain in order: save, restore, return, (log), drop, queue.
pub fn rules(cfg: &RulesetConfig) -> Vec<Rule> {
    let m = cfg.marks;
    let decided = m.accept | m.drop;
    let mask = m.mask;
    let rule = |matches: String, target: String, why: &'static str| Rule {
        matches,
        target,
        why,
    };
    let mut out = vec![
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
            "RETURN".to_string(),
            "flow decided accept: back to the hooked chain, without queueing",
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
            "undecided flow: queue to nfdpi (passed on while no daemon listens: fail open)",
        )
    });
    out
}

/// The jump rules (one per transport) as iptables arguments after `-A`/`-C`/`-D`: the hook's
/// chain, the protocol, the comment and the target.
pub fn jumps(cfg: &RulesetConfig) -> Vec<String> {
    transport_names(cfg.transports)
        .into_iter()
        .map(|p| jump(cfg.hook, p))
        .collect()
}

fn jump(hook: Hook, proto: &str) -> String {
    format!(
        "{} -p {proto} -m comment --comment \"{HOOK_COMMENT}\" -j {CHAIN}",
        hook.iptables()
    )
}

fn tool(ipv6: bool) -> &'static str {
    if ipv6 {
        "ip6tables"
    } else {
        "iptables"
    }
}

/// The `*security` section declaring and filling nfdpi's chain (no jump, no COMMIT).
fn chain_section(cfg: &RulesetConfig, s: &mut String) {
    let _ = writeln!(s, "*{TABLE}");
    let _ = writeln!(s, ":{CHAIN} - [0:0]");
    for r in rules(cfg) {
        let _ = writeln!(s, "# {}", r.why);
        let _ = writeln!(s, "{}", r.line());
    }
}

/// Plain `iptables-restore` (or `ip6tables-restore`) input: the chain and the jumps. Meant for
/// rules files loaded whole (the table is rebuilt each time); with `--noflush`, applying it
/// twice appends the jumps twice — the `sh` format is the idempotent one.
pub fn iptables_restore(cfg: &RulesetConfig) -> String {
    let tool = tool(cfg.ipv6);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# nfdpi {} ruleset: {tool}-restore input (table {TABLE}, after the operator's filter rules)",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        s,
        "# For rules files loaded whole. With --noflush, loading it twice appends the jump twice:"
    );
    let _ = writeln!(
        s,
        "# `nfdpi iptables ... | sh` installs idempotently, `nfdpi iptables --remove | sh` removes."
    );
    chain_section(cfg, &mut s);
    let _ = writeln!(s, "# send {} to nfdpi's chain", cfg.transports.name());
    for j in jumps(cfg) {
        let _ = writeln!(s, "-A {j}");
    }
    let _ = writeln!(s, "COMMIT");
    s
}

/// Shell lines defining `ipt` (the tool with `-w`) and `nfdpi_remove TABLE`, which deletes every
/// nfdpi jump from every hook of TABLE, then flushes and deletes nfdpi's chain there.
fn remove_function(ipv6: bool, s: &mut String) {
    let hooks: Vec<&str> = Hook::ALL.iter().map(|h| h.iptables()).collect();
    let _ = writeln!(s, "ipt() {{ {} -w \"$@\"; }}", tool(ipv6));
    let _ = writeln!(s, "nfdpi_remove() {{");
    let _ = writeln!(s, "\tfor hook in {}; do", hooks.join(" "));
    let _ = writeln!(s, "\t\tfor proto in udp tcp; do");
    let _ = writeln!(
        s,
        "\t\t\twhile ipt -t \"$1\" -D \"$hook\" -p \"$proto\" -m comment --comment \"{HOOK_COMMENT}\" -j {CHAIN} 2>/dev/null; do :; done"
    );
    let _ = writeln!(s, "\t\tdone");
    let _ = writeln!(s, "\tdone");
    let _ = writeln!(
        s,
        "\tif ipt -t \"$1\" -n -L {CHAIN} >/dev/null 2>&1; then ipt -t \"$1\" -F {CHAIN}; ipt -t \"$1\" -X {CHAIN}; fi"
    );
    let _ = writeln!(s, "}}");
}

/// A POSIX `sh` script that installs the ruleset idempotently: it takes away what earlier
/// versions left in the `filter` table, refuses a security-table policy other than ACCEPT,
/// replaces the chain's rules atomically (`iptables-restore --noflush`), then appends each jump
/// unless it is already there.
pub fn install_script(cfg: &RulesetConfig) -> String {
    let tool = tool(cfg.ipv6);
    let hook = cfg.hook.iptables();
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/sh");
    let _ = writeln!(
        s,
        "# nfdpi {}: install nfdpi's {tool} rules (chain {CHAIN} in table {TABLE}, jumped to from {hook} for {}).",
        env!("CARGO_PKG_VERSION"),
        cfg.transports.name()
    );
    let _ = writeln!(
        s,
        "# Run it as root: nfdpi iptables [OPTIONS] | sh. Running it again leaves one jump per transport."
    );
    let _ = writeln!(
        s,
        "# Remove with: nfdpi iptables --remove{} | sh",
        if cfg.ipv6 { " --ipv6" } else { "" }
    );
    let _ = writeln!(s, "set -eu");
    remove_function(cfg.ipv6, &mut s);
    for legacy in LEGACY_TABLES {
        let _ = writeln!(
            s,
            "# Earlier versions hooked the {legacy} table, where their ACCEPT skipped the operator's rules."
        );
        let _ = writeln!(s, "nfdpi_remove {legacy}");
    }
    let _ = writeln!(
        s,
        "# A pending packet's accept ends the {TABLE} table's traversal: that is harmless only under policy ACCEPT."
    );
    let _ = writeln!(
        s,
        "rules=$(ipt -t {TABLE} -S {hook})\ncase \"$rules\" in\n\"-P {hook} ACCEPT\"*) ;;\n*) echo \"nfdpi: the {TABLE} table's {hook} policy is not ACCEPT; nfdpi's accepts would skip it, so nothing was installed\" >&2; exit 1 ;;\nesac"
    );
    let _ = writeln!(s, "{tool}-restore -w --noflush <<'NFDPI_RULES'");
    chain_section(cfg, &mut s);
    let _ = writeln!(s, "COMMIT");
    let _ = writeln!(s, "NFDPI_RULES");
    for j in jumps(cfg) {
        let _ = writeln!(
            s,
            "ipt -t {TABLE} -C {j} 2>/dev/null || ipt -t {TABLE} -A {j}"
        );
    }
    s
}

/// A POSIX `sh` script that removes every nfdpi rule and chain of one family: the jumps from
/// every hook and both transports, in the `security` table and the legacy `filter` table.
pub fn remove_script(ipv6: bool) -> String {
    let tool = tool(ipv6);
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/sh");
    let _ = writeln!(
        s,
        "# nfdpi {}: remove every nfdpi {tool} rule and chain (any hook, any transport). Run it as root.",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(s, "set -eu");
    remove_function(ipv6, &mut s);
    let _ = writeln!(s, "nfdpi_remove {TABLE}");
    for legacy in LEGACY_TABLES {
        let _ = writeln!(s, "nfdpi_remove {legacy}");
    }
    s
}

/// An `nft -f` script: replaces nfdpi's own table (`inet nfdpi`) and touches nothing else, so
/// applying it twice leaves one table. `ipv6` is ignored: the `inet` table covers both families.
///
/// Its base chain runs at priority `security` (50), after the usual filter chains (0, and
/// firewalld's 10). In nftables an accept ends only the base chain it is in: every other base
/// chain at the hook still runs, so nothing here can pass a packet that the operator's chains
/// drop. nft 1.0.6 cannot merge two marks under a mask (`ct mark and C or meta mark and D` needs
/// a constant on the right), so this variant saves `meta mark and MASK` into the conntrack mark
/// (clearing the conntrack mark's other bits) and, for later packets, matches the conntrack mark
/// directly instead of restoring it into the packet mark.
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
    let protos = match transport_names(cfg.transports).as_slice() {
        [one] => one.to_string(),
        many => format!("{{ {} }}", many.join(", ")),
    };
    let mut s = String::new();
    let mut line = |why: &str, rule: String| {
        let _ = writeln!(s, "\t\t# {why}");
        let _ = writeln!(s, "\t\t{rule}");
    };
    line(
        "only these transports are inspected",
        format!("meta l4proto != {protos} return"),
    );
    line(
        "a packet back from an NF_REPEAT verdict carries the decision: save it to the connection first",
        format!("meta mark and {decided:#x} != 0x0 ct mark set meta mark and {mask:#x} comment \"nfdpi: save\""),
    );
    line(
        "... and obey it: on to the other chains",
        format!("meta mark and {decided:#x} == {acc:#x} return comment \"nfdpi: accept\""),
    );
    line(
        "... or drop",
        format!("meta mark and {decided:#x} == {drp:#x} drop comment \"nfdpi: drop\""),
    );
    line(
        "later packets of a flow decided accept: on without queueing",
        format!("ct mark and {decided:#x} == {acc:#x} return comment \"nfdpi: flow accepted\""),
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
            "undecided flow: queue to nfdpi (passed on while no daemon listens: fail open)"
        },
        format!("queue num {queue}{bypass} comment \"nfdpi: queue\""),
    );
    nft_table(hook, &s)
}

/// nfdpi's nftables table around the rules of its one base chain (`body`, indented).
fn nft_table(hook: &str, body: &str) -> String {
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
        "\t\ttype filter hook {hook} priority security; policy accept;"
    );
    s.push_str(body);
    let _ = writeln!(s, "\t}}");
    let _ = writeln!(s, "}}");
    s
}

/// `nft -f` input that removes nfdpi's table whether or not it exists.
pub fn nft_remove() -> String {
    format!(
        "# nfdpi {}: remove table inet {NFT_TABLE} (nft -f this-file)\ntable inet {NFT_TABLE}\ndelete table inet {NFT_TABLE}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `nft -f` input wrapped in a POSIX `sh` script.
fn nft_sh(what: &str, nft_input: &str) -> String {
    format!(
        "#!/bin/sh\n# nfdpi {}: {what} (run it as root)\nset -eu\nnft -f - <<'NFDPI_RULES'\n{nft_input}NFDPI_RULES\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// What `nfdpi iptables` prints for these options, or why the combination cannot be printed.
pub fn render(
    cfg: &RulesetConfig,
    nft_variant: bool,
    format: Format,
    remove: bool,
) -> Result<String, String> {
    Ok(match (nft_variant, format, remove) {
        (false, Format::Sh, false) => install_script(cfg),
        (false, Format::Sh, true) => remove_script(cfg.ipv6),
        (false, Format::Restore, false) => iptables_restore(cfg),
        (false, Format::Restore, true) => {
            return Err(
                "--remove --format restore: iptables-restore input cannot delete rules \
                 that may be absent; use the sh script (`nfdpi iptables --remove | sh`)"
                    .to_string(),
            )
        }
        (true, Format::Sh, false) => nft_sh(
            &format!("install table inet {NFT_TABLE} (replaced whole)"),
            &nft(cfg),
        ),
        (true, Format::Sh, true) => {
            nft_sh(&format!("remove table inet {NFT_TABLE}"), &nft_remove())
        }
        (true, Format::Restore, false) => nft(cfg),
        (true, Format::Restore, true) => nft_remove(),
    })
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
            transports: Transports::default(),
        }
    }

    fn rule_lines(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with("-A ")).collect()
    }

    /// A rule line without its comment match, for compact comparisons.
    fn strip(l: &str) -> String {
        let a = l.find(" -m comment").unwrap_or(l.len());
        let b = l.find(" -j ").unwrap_or(l.len());
        format!("{}{}", &l[..a], &l[b..])
    }

    #[test]
    fn default_ruleset_is_exactly_this() {
        let text = iptables_restore(&cfg());
        let lines = rule_lines(&text);
        let got: Vec<String> = lines.iter().map(|l| strip(l)).collect();
        assert_eq!(
            got,
            [
                "-A NFDPI -m mark ! --mark 0x0/0x3 -j CONNMARK --save-mark --nfmask 0xffff0003 --ctmask 0xffff0003",
                "-A NFDPI -m mark --mark 0x0/0x3 -j CONNMARK --restore-mark --nfmask 0xffff0003 --ctmask 0xffff0003",
                "-A NFDPI -m mark --mark 0x1/0x3 -j RETURN",
                "-A NFDPI -m mark --mark 0x2/0x3 -j DROP",
                "-A NFDPI -j NFQUEUE --queue-num 0 --queue-bypass",
                "-A FORWARD -p udp -j NFDPI",
            ]
        );
        assert!(text.contains("*security\n:NFDPI - [0:0]\n"));
        assert!(text.trim_end().ends_with("COMMIT"));
        // Every rule carries a comment, and no comment contains a quote that would end it.
        for l in &lines {
            let c = l.split("--comment \"").nth(1).expect("comment");
            assert!(c.find('"').is_some_and(|end| end > 6), "{l}");
            assert!(!c.contains('\''), "{l}");
        }
    }

    /// Only take away: nothing nfdpi installs accepts, and nothing lives outside the security
    /// table (whose traversal an accept would end) or before the operator's rules.
    #[test]
    fn nothing_accepts_and_nothing_is_inserted_ahead() {
        for c in [
            cfg(),
            RulesetConfig {
                log_drops: true,
                fail_closed: true,
                queues: (0, 3),
                transports: Transports {
                    udp: true,
                    tcp: true,
                },
                ..cfg()
            },
        ] {
            let t = iptables_restore(&c);
            assert!(!t.contains("ACCEPT"), "{t}");
            assert!(!t.contains("-I "), "{t}");
            let tables: Vec<&str> = t.lines().filter(|l| l.starts_with('*')).collect();
            assert_eq!(tables, ["*security"]);
            let sh = install_script(&c);
            assert!(!sh.contains("-j ACCEPT") && !sh.contains(" -I "), "{sh}");
            assert!(!nft(&c).contains(" accept comment"), "{}", nft(&c));
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
        assert!(rule_lines(&text)
            .iter()
            .filter(|l| !l.contains(HOOK_COMMENT))
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
        assert!(t.contains("-A INPUT -p udp"));
        let t = iptables_restore(&RulesetConfig {
            ipv6: true,
            hook: Hook::Output,
            transports: Transports {
                udp: true,
                tcp: true,
            },
            ..cfg()
        });
        assert!(t.starts_with("# nfdpi") && t.contains("ip6tables-restore"));
        assert!(t.contains("-A OUTPUT -p udp -m comment"));
        assert!(t.contains("-A OUTPUT -p tcp -m comment"));
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
    fn install_script_is_idempotent_by_construction() {
        let c = RulesetConfig {
            transports: Transports {
                udp: true,
                tcp: true,
            },
            ..cfg()
        };
        let s = install_script(&c);
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains("set -eu\n"));
        // The chain goes in atomically; each jump is added only when absent.
        assert!(s.contains(
            "iptables-restore -w --noflush <<'NFDPI_RULES'\n*security\n:NFDPI - [0:0]\n"
        ));
        for p in ["udp", "tcp"] {
            let j = format!("FORWARD -p {p} -m comment --comment \"nfdpi: hook\" -j NFDPI");
            assert!(
                s.contains(&format!(
                    "ipt -t security -C {j} 2>/dev/null || ipt -t security -A {j}\n"
                )),
                "{s}"
            );
        }
        // What earlier versions left in the filter table goes first; the policy is checked
        // before anything is installed.
        let legacy = s.find("nfdpi_remove filter").expect("legacy removal");
        let policy = s.find("-S FORWARD").expect("policy check");
        let restore = s.find("iptables-restore").expect("restore");
        assert!(legacy < policy && policy < restore);
        // The heredoc holds restore input only: its lines are comments, rules or the table.
        let body = s
            .split("<<'NFDPI_RULES'\n")
            .nth(1)
            .and_then(|b| b.split("NFDPI_RULES\n").next())
            .expect("heredoc");
        assert!(body.lines().all(|l| l.starts_with('#')
            || l.starts_with("-A NFDPI ")
            || l.starts_with(':')
            || l == "*security"
            || l == "COMMIT"));
        assert!(install_script(&RulesetConfig {
            ipv6: true,
            ..cfg()
        })
        .contains("ipt() { ip6tables -w \"$@\"; }"));
    }

    #[test]
    fn remove_script_takes_every_jump_and_chain_away() {
        let s = remove_script(false);
        assert!(s.contains("for hook in FORWARD INPUT OUTPUT; do"));
        assert!(s.contains("for proto in udp tcp; do"));
        assert!(s.contains("while ipt -t \"$1\" -D \"$hook\" -p \"$proto\" -m comment --comment \"nfdpi: hook\" -j NFDPI 2>/dev/null; do :; done"));
        assert!(s.contains("nfdpi_remove security\nnfdpi_remove filter\n"));
        assert!(s.contains("-F NFDPI; ipt -t \"$1\" -X NFDPI"));
        assert!(remove_script(true).contains("ip6tables -w"));
    }

    #[test]
    fn nft_table_is_self_contained() {
        let t = nft(&RulesetConfig {
            queues: (2, 5),
            log_drops: true,
            ..cfg()
        });
        assert!(t.contains("table inet nfdpi\ndelete table inet nfdpi\ntable inet nfdpi {"));
        assert!(t.contains("type filter hook forward priority security; policy accept;"));
        assert!(t.contains("meta l4proto != udp return"));
        assert!(t.contains("queue num 2-5 bypass"));
        let save = t
            .find("ct mark set meta mark and 0xffff0003")
            .expect("save");
        let ct_match = t.find("ct mark and 0x3 == 0x1 return").expect("ct return");
        assert!(save < ct_match);
        assert!(!t.contains("flush ruleset"));
        let t = nft(&RulesetConfig {
            fail_closed: true,
            hook: Hook::Input,
            transports: Transports {
                udp: true,
                tcp: true,
            },
            ..cfg()
        });
        assert!(t.contains("queue num 0 comment"));
        assert!(t.contains("hook input"));
        assert!(t.contains("meta l4proto != { udp, tcp } return"));
        assert_eq!(
            nft_remove().lines().skip(1).collect::<Vec<_>>(),
            ["table inet nfdpi", "delete table inet nfdpi"]
        );
        let sh = render(&cfg(), true, Format::Sh, false).expect("nft sh");
        assert!(sh.starts_with("#!/bin/sh\n") && sh.contains("nft -f - <<'NFDPI_RULES'\n"));
    }

    #[test]
    fn render_refuses_only_a_restore_removal() {
        assert!(render(&cfg(), false, Format::Restore, true)
            .unwrap_err()
            .contains("--remove | sh"));
        for nft in [false, true] {
            for format in [Format::Sh, Format::Restore] {
                for remove in [false, true] {
                    if !nft && format == Format::Restore && remove {
                        continue;
                    }
                    assert!(render(&cfg(), nft, format, remove).is_ok());
                }
            }
        }
    }

    #[test]
    fn transports_list() {
        assert_eq!(transport_names(Transports::default()), ["udp"]);
        let both = Transports {
            udp: true,
            tcp: true,
        };
        assert_eq!(transport_names(both), ["udp", "tcp"]);
        assert_eq!(
            transport_names(Transports {
                udp: false,
                tcp: true
            }),
            ["tcp"]
        );
    }
}
