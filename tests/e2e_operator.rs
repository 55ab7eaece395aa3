//! nfdpi can only take away: end to end, next to an operator's own ruleset. The operator's rules
//! go in first (IPv4: a UDP port dropped; IPv6: FORWARD policy DROP with an ESTABLISHED,RELATED
//! accept and a LAN→WAN accept), then `nfdpi iptables … | sh`, and in every state of the daemon
//! — running (flows pending, accepted, cut), `--verdict accept`, flow table full, queue full,
//! killed with fail-open — whatever the operator's rules dropped is still dropped, while nfdpi's
//! own behaviour on the traffic the operator allows is unchanged (budget cut, calls passing,
//! fail-open). Also: the ruleset installs idempotently and `--remove` leaves the firewall as it
//! was; the INPUT and OUTPUT hooks obey the same rule.
//!
//! Needs root; gated like `e2e_live.rs`. `NFDPI_E2E_OLD_RULES=/path/to/old/nfdpi` installs an
//! older binary's ruleset instead, to measure the table of the old design (the assertions then
//! fail; the table is printed first).

mod lab;

use lab::*;

/// The operator's IPv4 rule: this UDP port is dropped.
const DROPPED_PORT: u16 = 5555;

/// What the tests send where the operator's rules drop it: a small flow nfdpi leaves pending,
/// a call nfdpi would accept, and a bulk flow nfdpi would cut at the budget.
struct Probes {
    small: Vec<Vec<u8>>,
    call: Vec<Vec<u8>>,
    bulk: Vec<Vec<u8>>,
}

impl Probes {
    fn new() -> Probes {
        let mut seed = 0x5eed_0f0b_5e55;
        Probes {
            small: (0..5).map(|_| random_bytes(200, &mut seed)).collect(),
            call: call_then_bulk(&teams_p2p(), &mut seed),
            bulk: (0..50).map(|_| random_bytes(1000, &mut seed)).collect(),
        }
    }

    fn sets(&self) -> [(&'static str, &[Vec<u8>]); 3] {
        [
            ("small", &self.small),
            ("call", &self.call),
            ("bulk", &self.bulk),
        ]
    }
}

/// A peer-to-peer Teams call's first datagrams (STUN with Microsoft attributes).
fn teams_p2p() -> Vec<Vec<u8>> {
    client_payloads("teams.pcap", "93.71.110.205:16332", "192.168.1.6:50016")
}

/// A call's first datagrams, then 40 × 1000 bytes of RTP: past the budget, so all of it passes
/// only when nfdpi named the call, its media confirmed it, and the flow was accepted.
fn call_then_bulk(call: &[Vec<u8>], seed: &mut u64) -> Vec<Vec<u8>> {
    let mut out = call.to_vec();
    out.extend(rtp_media(40, 1000, seed));
    out
}

/// One state's line of the before/after table.
struct Row {
    state: &'static str,
    /// Datagrams through to the IPv4 port the operator drops: (arrived, sent) per probe.
    v4: Vec<(usize, usize)>,
    /// Unsolicited IPv6 datagrams from the WAN side to the LAN side.
    v6: Vec<(usize, usize)>,
    /// nfdpi's own behaviour on traffic the operator allows: (what, arrived, expected).
    own: Vec<(&'static str, usize, usize)>,
}

impl Row {
    fn new(state: &'static str) -> Row {
        Row {
            state,
            v4: Vec::new(),
            v6: Vec::new(),
            own: Vec::new(),
        }
    }

    fn line(&self) -> String {
        let f = |v: &[(usize, usize)]| {
            v.iter()
                .map(|(a, s)| format!("{a}/{s}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let own = self
            .own
            .iter()
            .map(|(w, a, e)| format!("{w} {a}/{e}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "| {} | {} | {} | {own} |",
            self.state,
            f(&self.v4),
            f(&self.v6)
        )
    }
}

/// The operator's rules, installed before nfdpi's.
fn install_operator_rules(lab: &Lab) {
    lab.fw(&format!(
        "iptables -A FORWARD -p udp --dport {DROPPED_PORT} -j DROP"
    ));
    lab.fw("ip6tables -P FORWARD DROP");
    lab.fw("ip6tables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
    lab.fw("ip6tables -A FORWARD -i c0 -o s0 -j ACCEPT");
}

/// Send every probe where the operator's rules drop it (each from a fresh address, so no
/// conntrack entry is reused) and note how many datagrams got through.
fn probe_operator_drops(lab: &mut Lab, p: &Probes, port: &mut u16, row: &mut Row) {
    for (_, set) in p.sets() {
        *port += 1;
        let pair = lab.pair(*port, DROPPED_PORT);
        row.v4.push((pair.blast(Dir::ToServer, set), set.len()));
        // Unsolicited from the WAN (server side) to the LAN (client side).
        let pair6 = lab.pair6(*port, *port);
        row.v6.push((pair6.blast(Dir::ToClient, set), set.len()));
    }
}

/// An unknown flow the operator allows: 50 × 1000 bytes, one at a time; returns how many
/// arrived (9 when nfdpi inspects it: 9 × 1028 IP bytes fit in 10 KiB).
fn unknown_flow(pair: &Pair, n: usize, seed: u64) -> usize {
    let mut seed = seed;
    let steps: Vec<(Dir, Vec<u8>)> = (0..n)
        .map(|_| (Dir::ToServer, random_bytes(1000, &mut seed)))
        .collect();
    pair.replay(&steps).iter().filter(|a| **a).count()
}

/// nfdpi running (`extra` daemon options): budget cut on IPv4 and IPv6, Skype and Teams calls
/// passing, and an accepted call that the operator blocks afterwards stops.
fn running_state(lab: &mut Lab, p: &Probes, port: &mut u16, row: &mut Row) {
    probe_operator_drops(lab, p, port, row);
    *port += 1;
    let cut = unknown_flow(&lab.pair(*port, 5001), 50, u64::from(*port));
    row.own.push(("v4 unknown", cut, BUDGET / 1028));
    *port += 1;
    let cut6 = unknown_flow(&lab.pair6(*port, 5001), 30, u64::from(*port));
    row.own.push(("v6 unknown", cut6, BUDGET / 1048));
    let mut seed = u64::from(*port);
    let teams = call_then_bulk(
        &client_payloads("teams.pcap", "192.168.1.6:50016", "192.168.0.4:50005"),
        &mut seed,
    );
    for (what, payloads, cport, sport) in [
        ("teams p2p + 40 KB", &p.call, 13021, 45493),
        ("teams + 40 KB", &teams, 50016, 50005),
    ] {
        let pair = lab.pair(cport, sport);
        let steps: Vec<(Dir, Vec<u8>)> = payloads
            .iter()
            .map(|x| (Dir::ToServer, x.clone()))
            .collect();
        let got = pair.replay(&steps).iter().filter(|a| **a).count();
        row.own.push((what, got, steps.len()));
        if sport == 45493 {
            // The call is decided "accept" now. The operator blocks the client: its rule,
            // appended after nfdpi was installed, must still stop the call.
            let block = format!("FORWARD -s {} -j DROP", pair.caddr.ip());
            lab.fw(&format!("iptables -A {block}"));
            let more: Vec<Vec<u8>> = (0..20).map(|_| random_bytes(1000, &mut seed)).collect();
            let after = pair.blast(Dir::ToServer, &more);
            lab.fw(&format!("iptables -D {block}"));
            row.v4.push((after, more.len()));
        }
    }
}

fn print_table(rows: &[Row]) {
    eprintln!(
        "| state | IPv4 to the dropped port: small call bulk (+ call after the operator's block) \
         | IPv6 WAN→LAN unsolicited: small call bulk | nfdpi on allowed traffic |"
    );
    eprintln!("| --- | --- | --- | --- |");
    for r in rows {
        eprintln!("{}", r.line());
    }
}

/// Everything the operator's rules drop stays dropped in every state, and nfdpi's own
/// behaviour on allowed traffic is unchanged.
#[test]
fn live_operator_drops_stay_dropped_in_every_state() {
    let _g = serial();
    if !gate("live_operator_drops_stay_dropped_in_every_state") {
        return;
    }
    let t0 = Instant::now();
    let p = Probes::new();
    let mut lab = Lab::new("op");
    install_operator_rules(&lab);
    lab.install_rules(&[]);
    lab.install_rules(&["--ipv6"]);
    let sig = signature_args();
    let mut port = 20000u16;
    let mut rows = Vec::new();

    let mut row = Row::new("daemon up (repeat): pending, accepted, cut");
    lab.start_daemon(&sig);
    running_state(&mut lab, &p, &mut port, &mut row);
    lab.stop_daemon();
    rows.push(row);

    let mut row = Row::new("--verdict accept");
    let mut args = sig.clone();
    args.extend(["--verdict".to_string(), "accept".to_string()]);
    lab.start_daemon(&args);
    running_state(&mut lab, &p, &mut port, &mut row);
    lab.stop_daemon();
    rows.push(row);

    let mut row = Row::new("flow table full (--max-flows 1)");
    let mut args = sig.clone();
    args.extend(["--max-flows".to_string(), "1".to_string()]);
    lab.start_daemon(&args);
    port += 1;
    lab.pair(port, 7000).blast(Dir::ToServer, &p.small[..1]);
    probe_operator_drops(&mut lab, &p, &mut port, &mut row);
    port += 1;
    let untracked = lab.pair(port, 5001).blast(Dir::ToServer, &p.bulk);
    row.own
        .push(("v4 unknown, untracked", untracked, p.bulk.len()));
    lab.stop_daemon();
    rows.push(row);

    let mut row = Row::new("queue full (daemon stopped, --queue-maxlen 1)");
    let mut args = sig.clone();
    args.extend(["--queue-maxlen".to_string(), "1".to_string()]);
    lab.start_daemon(&args);
    let pid = lab.daemon_pid();
    // SAFETY: kill on the pid of our own child.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    port += 1;
    // The first packet fills the queue and waits there; the others pass by fail-open.
    let open = lab.pair(port, 5001).blast(Dir::ToServer, &p.bulk);
    row.own
        .push(("v4 unknown, fail-open", open, p.bulk.len() - 1));
    probe_operator_drops(&mut lab, &p, &mut port, &mut row);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    lab.stop_daemon();
    rows.push(row);

    let mut row = Row::new("daemon killed (fail-open rules)");
    lab.start_daemon(&sig);
    lab.kill_daemon();
    let end = Instant::now() + Duration::from_secs(5);
    while lab.queue0().is_some() {
        assert!(Instant::now() < end, "queue 0 still bound after SIGKILL");
        thread::sleep(Duration::from_millis(20));
    }
    probe_operator_drops(&mut lab, &p, &mut port, &mut row);
    port += 1;
    let open = lab.pair(port, 5001).blast(Dir::ToServer, &p.bulk);
    row.own.push(("v4 unknown, fail-open", open, p.bulk.len()));
    port += 1;
    let open6 = lab.pair6(port, 5001).blast(Dir::ToServer, &p.bulk);
    row.own.push(("v6 unknown, fail-open", open6, p.bulk.len()));
    rows.push(row);

    print_table(&rows);
    eprintln!("operator-ruleset test took {:?}", t0.elapsed());
    let mut wrong = Vec::new();
    for r in &rows {
        for (i, (a, s)) in r.v4.iter().chain(&r.v6).enumerate() {
            if *a != 0 {
                wrong.push(format!(
                    "{}: probe {i}: {a} of {s} datagrams the operator drops got through",
                    r.state
                ));
            }
        }
        for (what, a, e) in &r.own {
            if a != e {
                wrong.push(format!("{}: {what}: {a} arrived, expected {e}", r.state));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The rules of one table as a set: rule lines and user chains (built-in chains and their
/// counters left out), to compare a firewall before and after.
fn rules_of(lab: &Lab, save: &str) -> Vec<String> {
    let mut out: Vec<String> = lab
        .fw(save)
        .lines()
        .filter(|l| {
            l.starts_with("-A ")
                || (l.starts_with(':')
                    && !["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"]
                        .iter()
                        .any(|b| l.starts_with(&format!(":{b} "))))
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// `nfdpi iptables | sh` twice leaves one jump per transport; it takes away what the old
/// filter-table layout left; `--remove | sh` (twice) leaves the firewall exactly as it was,
/// the operator's rules included.
#[test]
fn ruleset_installs_idempotently_and_removes_everything() {
    let _g = serial();
    if !gate("ruleset_installs_idempotently_and_removes_everything") {
        return;
    }
    let lab = Lab::new("rl");
    install_operator_rules(&lab);
    lab.fw("iptables -t security -A INPUT -p icmp -j RETURN");
    let before = (
        rules_of(&lab, "iptables-save"),
        rules_of(&lab, "ip6tables-save"),
    );
    // What nfdpi 0.1 at main 8db98d8 installed: its chain in the filter table, jumped to first.
    lab.pipe_in_fw(
        &["iptables-restore", "--noflush"],
        "*filter\n:NFDPI - [0:0]\n-I FORWARD 1 -p udp -m comment --comment \"nfdpi: hook\" -j NFDPI\n-A NFDPI -j ACCEPT\nCOMMIT\n",
    );
    for family in [&[][..], &["--ipv6"][..]] {
        let (save, tool) = if family.is_empty() {
            ("iptables-save", "iptables")
        } else {
            ("ip6tables-save", "ip6tables")
        };
        let both = [family, &["--transport", "udp,tcp"][..]].concat();
        lab.install_rules(&both);
        lab.install_rules(&both);
        let again = [&both[..], &["--queues", "0-3"][..]].concat();
        lab.install_rules(&again);
        let text = lab.fw(save);
        let jumps: Vec<&str> = text.lines().filter(|l| l.contains("-j NFDPI")).collect();
        assert_eq!(jumps.len(), 2, "one jump per transport:\n{text}");
        assert!(
            jumps.iter().all(|l| l.starts_with("-A FORWARD -p ")),
            "{jumps:?}"
        );
        let chain = lab.fw(&format!("{tool} -t security -S NFDPI"));
        assert_eq!(chain.lines().filter(|l| l.starts_with("-A")).count(), 5);
        assert!(chain.contains("--queue-balance 0:3"), "replaced:\n{chain}");
        assert!(
            !lab.fw(&format!("{tool} -t filter -S")).contains("NFDPI"),
            "the old filter-table chain is gone"
        );
        lab.remove_rules(family);
        lab.remove_rules(family);
    }
    let after = (
        rules_of(&lab, "iptables-save"),
        rules_of(&lab, "ip6tables-save"),
    );
    assert_eq!(before, after, "the firewall after --remove");
    // nftables: removal works whether or not the table exists; installing needs the kernel's
    // nft `queue` statement, which some kernels (this one, 6.18) lack.
    let nft_remove = run(Command::new(BIN).args(["iptables", "--nft", "--remove"]));
    lab.pipe_in_fw(&["sh"], &nft_remove);
    let nft_install = run(Command::new(BIN).args(["iptables", "--nft"]));
    let ok = Command::new("ip")
        .args(["netns", "exec", &lab.fw, "sh", "-c", &nft_install])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        lab.pipe_in_fw(&["sh"], &nft_install);
        let tables = lab.fw("nft list tables");
        assert_eq!(tables.matches("inet nfdpi").count(), 1, "{tables}");
        lab.pipe_in_fw(&["sh"], &nft_remove);
        assert!(!lab.fw("nft list tables").contains("nfdpi"));
    } else {
        eprintln!("nft install skipped: this kernel has no nft `queue` statement");
    }
}

/// `--chain INPUT` and `--chain OUTPUT`: the firewall's own traffic, next to operator rules
/// that drop a UDP port on each hook, with the daemon up and killed.
#[test]
fn live_input_and_output_hooks_only_take_away() {
    let _g = serial();
    if !gate("live_input_and_output_hooks_only_take_away") {
        return;
    }
    let mut lab = Lab::new("io");
    for hook in ["INPUT", "OUTPUT"] {
        lab.fw(&format!(
            "iptables -A {hook} -p udp --dport {DROPPED_PORT} -j DROP"
        ));
    }
    lab.install_rules(&["--chain", "INPUT"]);
    lab.install_rules(&["--chain", "OUTPUT"]);
    let fw_ip: IpAddr = format!("{CLIENT_NET}.1").parse().expect("addr");
    let mut seed = 11;
    let small: Vec<Vec<u8>> = (0..5).map(|_| random_bytes(200, &mut seed)).collect();
    let bulk: Vec<Vec<u8>> = (0..50).map(|_| random_bytes(1000, &mut seed)).collect();
    let mut port = 30000u16;
    // INPUT: client → firewall; OUTPUT: firewall → client.
    let mut pair = |lab: &mut Lab, hook: &str, dport: u16| {
        port += 1;
        let cip = IpAddr::V4(lab.client_ip());
        let (from_ns, from, to_ns, to) = if hook == "INPUT" {
            (
                &lab.client,
                SocketAddr::new(cip, port),
                &lab.fw,
                SocketAddr::new(fw_ip, dport),
            )
        } else {
            (
                &lab.fw,
                SocketAddr::new(fw_ip, port),
                &lab.client,
                SocketAddr::new(cip, dport),
            )
        };
        Pair {
            client: Lab::socket(from_ns, from),
            server: Lab::socket(to_ns, to),
            caddr: from,
            saddr: to,
        }
    };
    lab.start_daemon(&signature_args());
    let mut seen = Vec::new();
    for hook in ["INPUT", "OUTPUT"] {
        let dropped = pair(&mut lab, hook, DROPPED_PORT).blast(Dir::ToServer, &small);
        let cut = unknown_flow(&pair(&mut lab, hook, 5001), 50, 3);
        seen.push((hook, "daemon up", dropped, cut));
    }
    lab.kill_daemon();
    let end = Instant::now() + Duration::from_secs(5);
    while lab.queue0().is_some() {
        assert!(Instant::now() < end, "queue 0 still bound after SIGKILL");
        thread::sleep(Duration::from_millis(20));
    }
    for hook in ["INPUT", "OUTPUT"] {
        let dropped = pair(&mut lab, hook, DROPPED_PORT).blast(Dir::ToServer, &small);
        let open = pair(&mut lab, hook, 5001).blast(Dir::ToServer, &bulk);
        seen.push((hook, "daemon killed", dropped, open));
    }
    eprintln!("(hook, state, to the dropped port of 5, allowed unknown flow): {seen:?}");
    for (hook, state, dropped, allowed) in seen {
        assert_eq!(
            dropped, 0,
            "{hook}, {state}: the operator's drop was skipped"
        );
        let want = if state == "daemon up" {
            BUDGET / 1028
        } else {
            bulk.len()
        };
        assert_eq!(allowed, want, "{hook}, {state}: allowed unknown flow");
    }
}
