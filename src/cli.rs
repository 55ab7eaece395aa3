//! Command-line definitions: clap types, typed value parsers (`10KiB`, queue ranges) and help
//! text. Opens no files or sockets.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::policy::Transports;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (a closed standard output pipe counts as success)
  1  runtime failure (I/O error, netlink failure that could not be recovered)
  2  usage, configuration or signature error, or an input file that is not a readable capture";

const RUN_HELP: &str = "\
Mark layout (defaults; bits outside --mark-mask are never touched):
  0x00000001  decided: accept          (--mark-accept)
  0x00000002  decided: drop            (--mark-drop)
  0xffff0000  protocol id << 16        (--mark-proto-shift), 0 when unknown
  e.g. the calls, Skype_TeamsCall (id 38): -m connmark --mark 0x00260000/0xffff0000 in the
  filter table, which runs before nfdpi's rules (-m mark at later hooks); `nfdpi protocols`
  lists every loaded protocol with its id and the mark to match.
Pending packets carry no nfdpi bits.

Needs CAP_NET_ADMIN (exit 2 with an explanation without it). Install the rules first:
  nfdpi iptables --queues 0 | sh

Signals: SIGHUP reloads --config and the signatures together, all or nothing: a broken file or
set, a key that disappeared, an allow list that became empty, a name no longer loaded, a lost
protocol or a changed option that needs a restart refuses the whole reload, and the running
configuration stays;
SIGUSR1 logs the counters; SIGTERM/SIGINT verdict what is in hand, unbind, print the final
counters and `verdicted=N` on stderr, and exit 0.

Exit codes: 0 stopped by a signal (also during start-up); 1 runtime failure; 2 missing
privilege, busy queue, unknown --user, an option outside its range, a configuration or
signature error.";

const CHECK_CONFIG_HELP: &str = "\
Exit codes: 0 the file is valid; 2 it is not (every error is printed as file:line:col with the
line and a caret), or the signature set it names does not load.";

const IPTABLES_HELP: &str = "\
Install:  nfdpi iptables [OPTIONS] | sh            (again: replaces the chain, keeps one jump)
          nfdpi iptables --ipv6 [OPTIONS] | sh
Remove:   nfdpi iptables --remove [--ipv6] | sh    (every nfdpi jump and chain of that family)
nftables: nfdpi iptables --nft [OPTIONS] | sh      (table inet nfdpi, replaced whole)
Rules files: --format restore prints iptables-restore (or nft -f) input instead.

nfdpi can only take away: its chain NFDPI lives in the security table, which runs after the
filter table at every hook, and the jump is appended. A packet reaches nfdpi only after the
operator's rules let it through; nfdpi returns it, drops it, or queues it, and an accept at the
queue (pending flow, no daemon, full queue) ends only the security table's traversal. Order in
the chain: save a returning packet's own mark to the connection first, then restore the
connection mark for the other packets, return/drop decided flows, queue the rest.";

/// Deep-packet inspection behind iptables' NFQUEUE: lets new UDP flows pass for their first
/// bytes while it reads them, lets identified protocols through for good, and cuts the rest.
#[derive(Debug, Parser)]
#[command(name = "nfdpi", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Log level (error, warn, info, debug, trace); RUST_LOG overrides it.
    #[arg(long, global = true, default_value = "info")]
    pub log_level: String,
    /// Log format on standard error: `text`, or `json` (one object per line, fields at the top
    /// level, for log shippers).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify the flows of pcap/pcapng captures offline, one record per flow.
    Classify(ClassifyArgs),
    /// Parse and compile signature files and run the examples they carry; with `--against`,
    /// list the flows of captures that draft signatures would name.
    CheckSignatures(CheckArgs),
    /// Explain how flows of captures were decided: their packets up to the decision, the rule
    /// that matched at which packet, or the rules that came closest and the test each failed.
    Explain(ExplainArgs),
    /// Check a configuration file as `nfdpi run --config FILE` would read it: keys, types,
    /// values, protocol and category names, and the signature set it names.
    #[command(after_help = CHECK_CONFIG_HELP)]
    CheckConfig(CheckConfigArgs),
    /// List the loaded protocols: name, id, category, the mark to match and the verdict the
    /// policy gives them.
    Protocols(ProtocolsArgs),
    /// Run the live daemon on NFQUEUE queues.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Print an iptables-restore (or nftables) ruleset that feeds and obeys the daemon.
    #[command(after_help = IPTABLES_HELP)]
    Iptables(IptablesArgs),
    /// Write the man pages or print a shell completion script, both rendered from these
    /// definitions (used to build the Debian package).
    #[command(hide = true, subcommand)]
    Generate(GenerateWhat),
}

/// What `nfdpi generate` renders.
#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Write nfdpi.1 and one nfdpi-SUBCOMMAND.1 per subcommand into DIR (created if absent).
    Man {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print the completion script for SHELL on standard output.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// Shells `nfdpi generate completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Largest `--max-flows`: 100 million flows, about 20 GB of flow state.
pub const MAX_FLOWS: u64 = 100_000_000;
/// Largest idle timeout, seconds (one day). 0 would make every packet a flow of its own, so that
/// no budget is ever reached.
pub const MAX_TIMEOUT: u64 = 86_400;
/// Largest `--budget`, bytes (1 GiB).
pub const MAX_BUDGET: u64 = 1 << 30;

/// Where the options come from and which signatures are loaded (`classify`, `run`, `protocols`).
#[derive(Debug, Args, Clone)]
pub struct SignatureArgs {
    /// Read options from this TOML file: top-level keys and a [policy] table, named as the long
    /// options (`budget`, `allow-category`, …); options on the command line override it. `run`
    /// reads it again on SIGHUP. Check one with `nfdpi check-config FILE`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exactly this signature set, nothing else (repeatable: directories of *.sig files or
    /// files). Default: the shipped set, $NFDPI_SIGNATURES, else /usr/share/nfdpi/signatures
    /// (the package's), else the `signatures/` directory of the source tree the binary was
    /// built from; a binary run from inside that tree (a development build) looks there first.
    #[arg(
        long = "signatures",
        value_name = "PATH",
        help_heading = "Signatures",
        conflicts_with = "signatures_add"
    )]
    pub signatures: Vec<PathBuf>,
    /// Local signatures loaded on top of the shipped set (repeatable: directories of *.sig files
    /// or files; e.g. /etc/nfdpi/signatures.d). A local protocol may not reuse a shipped
    /// protocol's name or id.
    #[arg(long, value_name = "PATH", help_heading = "Signatures")]
    pub signatures_add: Vec<PathBuf>,
    /// Load no signatures: every flow stays Unknown (measures parsing and tracking alone).
    #[arg(
        long,
        help_heading = "Signatures",
        conflicts_with_all = ["signatures", "signatures_add"]
    )]
    pub no_signatures: bool,
}

/// What an identified protocol gets. The first rule that names it wins: --deny, --allow (by
/// name), --deny-category, --allow-category (by category), then --unlisted.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Accept these protocols once identified, whatever their category (comma-separated names,
    /// as `nfdpi protocols` lists them).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...", value_parser = parse_name, help_heading = "Policy")]
    pub allow: Vec<String>,
    /// Drop these protocols once identified, whatever their category (comma-separated names).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...", value_parser = parse_name, help_heading = "Policy")]
    pub deny: Vec<String>,
    /// Accept the protocols of these categories once identified (comma-separated; `none` for
    /// no category).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CATEGORY,...",
        value_parser = parse_category,
        default_values = crate::policy::DEFAULT_ALLOW_CATEGORIES,
        help_heading = "Policy"
    )]
    pub allow_category: Vec<String>,
    /// Drop the protocols of these categories once identified (comma-separated; `none` for no
    /// category).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CATEGORY,...",
        value_parser = parse_category,
        default_values = crate::policy::DEFAULT_DENY_CATEGORIES,
        help_heading = "Policy"
    )]
    pub deny_category: Vec<String>,
    /// Verdict for an identified protocol that no list above names (a Game, P2P, Chat… protocol
    /// under the defaults).
    #[arg(long, value_enum, default_value_t = Action::Drop, help_heading = "Policy")]
    pub unlisted: Action,
}

/// Options shared by `classify` and `run`: signatures, policy and flow table.
#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    #[command(flatten)]
    pub sources: SignatureArgs,
    #[command(flatten)]
    pub lists: ListArgs,
    /// IP bytes (both directions) an unidentified flow may use before it is cut: 10240, 10KiB,
    /// 1MB (K/KB = 1000, KiB = 1024, likewise M and G). From 1 byte to 1GiB.
    #[arg(long, default_value = "10KiB", value_parser = parse_budget, help_heading = "Policy")]
    pub budget: u64,
    /// Verdict for packets of new flows when the flow table is full (fail open by default).
    #[arg(long, value_enum, default_value_t = OnOverflow::Accept, help_heading = "Policy")]
    pub on_overflow: OnOverflow,
    /// Most flows tracked at once (1 to 100000000; about 200 bytes each); packets of new flows
    /// beyond it get the overflow verdict.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=MAX_FLOWS))]
    pub max_flows: u64,
    /// UDP idle timeout, seconds (1 to 86400).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT))]
    pub udp_timeout: u64,
    /// TCP idle timeout, seconds (1 to 86400).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT))]
    pub tcp_timeout: u64,
    /// Transports to inspect: `udp`, `tcp` or `udp,tcp`. The others pass uninspected (reported
    /// with verdict `uninspected`). Give `nfdpi iptables` the same value, so that live and
    /// offline agree: its ruleset queues exactly these.
    #[arg(long, default_value = "udp", value_parser = parse_transports, value_name = "LIST")]
    pub transport: Transports,
}

/// A verdict chosen by an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Action {
    Accept,
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOverflow {
    Accept,
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns and a summary by protocol and verdict.
    Table,
    /// One JSON object per flow and line.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Capture files (pcap or pcapng); `-` reads standard input.
    #[arg(required = true, value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// Output format. Default: table on a terminal, jsonl otherwise.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write the summary as a final JSON object (`"summary": true`) on standard output.
    #[arg(long)]
    pub summary: bool,
    /// Classify GRE, VXLAN, GTP-U and CAPWAP tunnels as the live daemon does (the outer flow)
    /// instead of reporting the flows inside them (as nDPI does, the default).
    #[arg(long)]
    pub no_decapsulate: bool,
    /// Worker threads: several captures are classified side by side, one per thread (a single
    /// capture is read by one thread). The output is identical for any count.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Also write the run's metrics (the families of `run --metrics` that apply offline) to
    /// this file, once at the end, in the Prometheus text format (e.g. for node_exporter's
    /// textfile collector).
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// `nfdpi check-config [FILE]`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// The configuration file.
    #[arg(value_name = "FILE", default_value = crate::config::DEFAULT_CONFIG)]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// One JSON array of objects.
    Json,
}

/// `nfdpi protocols`.
#[derive(Debug, Args)]
pub struct ProtocolsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Bits of the packet mark nfdpi may use, as for `run`.
    #[arg(long, default_value = "0xffff0003", value_parser = parse_u32)]
    pub mark_mask: u32,
    /// Left shift of the 16-bit protocol id in the mark, as for `run`.
    #[arg(long, default_value_t = 16)]
    pub mark_proto_shift: u32,
    #[command(flatten)]
    pub sources: SignatureArgs,
    #[command(flatten)]
    pub lists: ListArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Signature files or directories. Default: as for `--signatures`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Load the shipped set plus PATH (draft signatures, loaded as --signatures-add loads local
    /// files), warn about each weak draft rule, classify the captures (*.pcap, *.pcapng) in this
    /// directory (e.g. `run --capture-unknown`'s) with the default policy, and list each flow a
    /// draft rule names: capture, flow, packet, rule.
    #[arg(long, value_name = "DIR", requires = "paths")]
    pub against: Option<PathBuf>,
}

/// Output of `nfdpi explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// One account per flow, for reading.
    Text,
    /// One JSON object per flow and line.
    Json,
}

/// `nfdpi explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Capture files (pcap or pcapng); `-` reads standard input.
    #[arg(required = true, value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// Explain this flow (repeatable), in either direction: 'udp 10.0.0.1:40000
    /// 203.0.113.9:51820' (IPv6 as [2001:db8::1]:443).
    #[arg(long, value_name = "'udp|tcp ADDR:PORT ADDR:PORT'")]
    pub flow: Vec<crate::explain::FlowSpec>,
    /// Explain the flows the budget cut (dropped, no rule named them).
    #[arg(long)]
    pub cut: bool,
    /// Explain the flows named this protocol (`Unknown` for none).
    #[arg(long, value_name = "NAME")]
    pub protocol: Option<String>,
    /// Rules listed for a flow no rule named, closest first.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub nearest: usize,
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// As for `classify`: the flows of GRE, VXLAN, GTP-U and CAPWAP tunnels are explained
    /// inside them unless this is given.
    #[arg(long)]
    pub no_decapsulate: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictMode {
    /// NF_REPEAT with the mark: the ruleset saves it to the connection mark, so later packets of
    /// a decided flow never reach nfdpi.
    Repeat,
    /// NF_ACCEPT or NF_DROP with the mark, for simple setups.
    Accept,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Queue numbers: `0` or a range `0-3` (0-65535, at most 256 queues). One receive thread
    /// per queue.
    #[arg(long, default_value = "0", value_parser = parse_queues)]
    pub queues: QueueRange,
    /// How decided packets are handed back to the kernel.
    #[arg(long, value_enum, default_value_t = VerdictMode::Repeat)]
    pub verdict: VerdictMode,
    /// Let the kernel accept packets when the queue is full (default on).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub fail_open: bool,
    /// Kernel queue length, packets (1-1048576). The default is long enough that the socket
    /// buffer fills first, so every fail-open pass is counted (see docs/live.md).
    #[arg(long, default_value_t = 65536, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub queue_maxlen: u32,
    /// Bits of the packet mark nfdpi may use (hex or decimal); bits outside it are kept.
    #[arg(long, default_value = "0xffff0003", value_parser = parse_u32)]
    pub mark_mask: u32,
    /// Mark bit for "decided: accept".
    #[arg(long, default_value = "0x1", value_parser = parse_u32)]
    pub mark_accept: u32,
    /// Mark bit for "decided: drop".
    #[arg(long, default_value = "0x2", value_parser = parse_u32)]
    pub mark_drop: u32,
    /// Left shift of the 16-bit protocol id in the mark (0-16).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(0..=16))]
    pub mark_proto_shift: u32,
    /// Seconds between counter lines in the log (1-604800, a week).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub stats_interval: u64,
    /// Receive buffer of each queue's netlink socket (SO_RCVBUFFORCE): 64KiB-256MiB, or 0 for
    /// the kernel's default. When it overflows, fail-open lets packets through uninspected
    /// (counted exactly as fail_open_bypassed).
    #[arg(long, default_value = "8MiB", value_parser = parse_socket_buffer)]
    pub socket_buffer: u64,
    /// Switch to this user after binding, keeping only CAP_NET_ADMIN.
    #[arg(long)]
    pub user: Option<String>,
    /// Serve Prometheus metrics at http://ADDR/metrics (GET only, nothing else). Off by
    /// default; give a loopback address such as 127.0.0.1:9464. Any other address is refused
    /// (exit 2) unless --metrics-allow-remote is given too: the endpoint has no authentication.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
    /// Allow --metrics to listen on a non-loopback address.
    #[arg(long, requires = "metrics")]
    pub metrics_allow_remote: bool,
    /// Cut-flow log lines per second (info level, one per cut flow, with a burst of as many);
    /// flows beyond it are counted in the next line's `suppressed`. 0 turns the lines off
    /// (0-10000).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub cut_log_rate: u32,
    /// Write the packets of cut flows (up to the one that cut them) to rotating pcap files in
    /// DIR (created if missing), for `nfdpi classify DIR/*.pcap`.
    #[arg(long, value_name = "DIR")]
    pub capture_unknown: Option<PathBuf>,
    /// Most capture files kept in DIR, oldest removed first (1-100000).
    #[arg(long, default_value_t = 16, requires = "capture_unknown", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub capture_max_files: u32,
    /// Most bytes of capture files kept in DIR, oldest removed first (1MiB-1024GiB). A flow is
    /// also not written when the file system would keep less than 5% free.
    #[arg(long, default_value = "64MiB", requires = "capture_unknown", value_parser = parse_capture_bytes)]
    pub capture_max_bytes: u64,
    /// Most pending flows whose packets are kept at once for --capture-unknown (1-1000000);
    /// each costs up to --budget plus one packet of memory. Flows beyond it are not captured
    /// (counted as nfdpi_tap_skipped_flows_total).
    #[arg(long, default_value_t = 1024, requires = "capture_unknown", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub capture_max_pending: u64,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Chain {
    #[value(name = "FORWARD")]
    Forward,
    #[value(name = "INPUT")]
    Input,
    #[value(name = "OUTPUT")]
    Output,
}

#[derive(Debug, Args)]
pub struct IptablesArgs {
    /// The daemon's configuration file: its `queues`, `transport` and mark keys give the
    /// ruleset's (so the rules always match the daemon that reads the same file); flags override
    /// it, and its other keys are ignored here.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Queue numbers the daemon reads: `0` or `0-3`.
    #[arg(long, default_value = "0", value_parser = parse_queues)]
    pub queues: QueueRange,
    /// The built-in chain to hook.
    #[arg(long, value_enum, default_value_t = Chain::Forward, ignore_case = true)]
    pub chain: Chain,
    /// Drop queued traffic when the daemon is down (default: it passes, --queue-bypass).
    #[arg(long)]
    pub fail_closed: bool,
    /// Log packets dropped by nfdpi's decision (rate-limited LOG rule).
    #[arg(long)]
    pub log_drops: bool,
    /// The ip6tables ruleset.
    #[arg(long)]
    pub ipv6: bool,
    /// An nftables table (`inet nfdpi`, both families) instead of iptables rules.
    #[arg(long)]
    pub nft: bool,
    /// Transports to queue: udp, tcp or udp,tcp (`run`/`classify` must inspect the same).
    #[arg(long, default_value = "udp", value_parser = parse_transports, value_name = "LIST")]
    pub transport: Transports,
    /// What to print: `sh`, a script that installs (or removes) idempotently, or `restore`,
    /// plain iptables-restore / nft -f input for rules files.
    #[arg(long, value_enum, default_value_t = RulesFormat::Sh)]
    pub format: RulesFormat,
    /// Print the commands that take every nfdpi rule and chain of the family away (every hook,
    /// both transports) instead.
    #[arg(long)]
    pub remove: bool,
    /// Mark layout, as for `run`.
    #[arg(long, default_value = "0xffff0003", value_parser = parse_u32)]
    pub mark_mask: u32,
    #[arg(long, default_value = "0x1", value_parser = parse_u32)]
    pub mark_accept: u32,
    #[arg(long, default_value = "0x2", value_parser = parse_u32)]
    pub mark_drop: u32,
}

/// Most queues one daemon reads (one receive thread each), and one ruleset spreads over.
pub const MAX_QUEUES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A POSIX sh script: `nfdpi iptables | sh`.
    Sh,
    /// iptables-restore (or nft -f) input.
    Restore,
}

/// An inclusive range of NFQUEUE numbers, at most [`MAX_QUEUES`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueRange {
    pub first: u16,
    pub last: u16,
}

impl QueueRange {
    pub fn iter(&self) -> impl Iterator<Item = u16> {
        self.first..=self.last
    }
}

/// Parse `0` or `0-3`.
pub fn parse_queues(s: &str) -> Result<QueueRange, String> {
    let num = |t: &str| {
        t.trim()
            .parse::<u16>()
            .map_err(|_| format!("`{t}` is not a queue number (0-65535)"))
    };
    let (first, last) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => (num(s)?, num(s)?),
    };
    if first > last {
        return Err(format!("queue range `{s}` runs backwards"));
    }
    let count = usize::from(last - first) + 1;
    if count > MAX_QUEUES {
        return Err(format!(
            "queue range `{s}` has {count} queues; at most {MAX_QUEUES} (one receive thread each)"
        ));
    }
    Ok(QueueRange { first, last })
}

/// Parse `udp`, `tcp` or `udp,tcp` (either order, spaces allowed after the comma).
pub fn parse_transports(s: &str) -> Result<Transports, String> {
    let mut t = Transports {
        udp: false,
        tcp: false,
    };
    for part in s.split(',').map(str::trim) {
        match part.to_ascii_lowercase().as_str() {
            "udp" => t.udp = true,
            "tcp" => t.tcp = true,
            other => {
                return Err(format!(
                    "`{other}` is not a transport nfdpi inspects: use udp, tcp or udp,tcp"
                ))
            }
        }
    }
    Ok(t)
}

/// Smallest socket buffer `--socket-buffer` accepts (besides 0, the kernel's default).
pub const MIN_SOCKET_BUFFER: u64 = 64 << 10;
/// Largest socket buffer `--socket-buffer` accepts, per queue.
pub const MAX_SOCKET_BUFFER: u64 = 256 << 20;

/// Parse `--socket-buffer`: a size from 64KiB to 256MiB, or 0 for the kernel's default.
pub fn parse_socket_buffer(s: &str) -> Result<u64, String> {
    let n = parse_size(s)?;
    if n != 0 && !(MIN_SOCKET_BUFFER..=MAX_SOCKET_BUFFER).contains(&n) {
        return Err(format!(
            "socket buffer `{s}` is {n} bytes; expected 64KiB to 256MiB, or 0 for the kernel's default"
        ));
    }
    Ok(n)
}

/// Parse `--capture-max-bytes`: a size from 1MiB to 1TiB.
pub fn parse_capture_bytes(s: &str) -> Result<u64, String> {
    let n = parse_size(s)?;
    if !(1 << 20..=1 << 40).contains(&n) {
        return Err(format!(
            "capture size `{s}` is {n} bytes; expected 1MiB to 1TiB (1024GiB)"
        ));
    }
    Ok(n)
}

/// Parse a byte size: `10240`, `10KiB`, `10KB`, `1MB`, `1MiB`, `1G` (K/KB = 1000, KiB = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size: expected a number like 10240, 10KiB or 1MB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}`: use B, KB, KiB, MB, MiB, GB or GiB"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size `{s}` is too large"))
}

/// Parse a budget: a size (see [`parse_size`]) from 1 byte to [`MAX_BUDGET`]. A budget of 0
/// would cut every unidentified flow at its first packet.
pub fn parse_budget(s: &str) -> Result<u64, String> {
    match parse_size(s)? {
        0 => Err(format!(
            "budget `{s}` is 0: every flow would be cut at its first packet (use 1 to 1GiB)"
        )),
        n if n > MAX_BUDGET => Err(format!(
            "budget `{s}` is more than 1GiB: nothing would ever be cut (use 1 to 1GiB)"
        )),
        n => Ok(n),
    }
}

/// Parse a protocol name in a list: surrounding spaces are dropped (`--allow "DNS, NTP"`); an
/// empty name or one with spaces inside is refused. Whether a signature gives the name is
/// checked once the set is loaded.
pub fn parse_name(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("expected a protocol name, found nothing (a stray comma?)".into());
    }
    if t.contains(char::is_whitespace) {
        return Err(format!(
            "expected a protocol name, found `{t}`, which holds a space (names are separated by commas)"
        ));
    }
    Ok(t.to_string())
}

/// Parse a category in a list, in any letter case (`vpn` → `VPN`), or `none` (an empty list).
pub fn parse_category(s: &str) -> Result<String, String> {
    use crate::signature::category;
    let t = s.trim();
    if t.eq_ignore_ascii_case(NO_CATEGORY) {
        return Ok(NO_CATEGORY.into());
    }
    category::canonical(t).map(str::to_string).ok_or_else(|| {
        format!(
            "unknown category `{t}`{}: expected one of {}, or `none`",
            category::did_you_mean(&category::suggest(t, category::CATEGORIES)),
            category::CATEGORIES.join(" ")
        )
    })
}

/// The word that stands for an empty category list (`--allow-category none`).
pub const NO_CATEGORY: &str = "none";

/// Parse a u32 written in decimal or as 0x-prefixed hex.
pub fn parse_u32(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => t.parse(),
    };
    r.map_err(|_| format!("`{s}` is not a 32-bit number (decimal or 0x hex)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10240"), Ok(10240));
        assert_eq!(parse_size("10KiB"), Ok(10240));
        assert_eq!(parse_size("10kib"), Ok(10240));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("10 KB"), Ok(10_000));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10XB").is_err());
        assert!(parse_size("99999999999999999999").is_err());
    }

    #[test]
    fn ranges_are_enforced() {
        use clap::Parser;
        let parse = |extra: &[&str]| {
            let mut argv = vec!["nfdpi", "classify"];
            argv.extend_from_slice(extra);
            argv.push("x.pcap");
            Cli::try_parse_from(argv)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert!(parse(&[]).is_ok());
        for bad in [
            &["--max-flows", "0"][..],
            &["--max-flows", "100000001"],
            &["--udp-timeout", "0"],
            &["--tcp-timeout", "86401"],
            &["--budget", "0"],
            &["--budget", "2GiB"],
        ] {
            let e = parse(bad).expect_err("out of range");
            assert!(e.contains(bad[0]), "{e}");
        }
        assert!(parse(&["--budget", "1GiB", "--max-flows", "1", "--udp-timeout", "1"]).is_ok());
    }

    #[test]
    fn transports() {
        let t = |udp, tcp| Ok(Transports { udp, tcp });
        assert_eq!(parse_transports("udp"), t(true, false));
        assert_eq!(parse_transports("tcp"), t(false, true));
        assert_eq!(parse_transports("udp, TCP"), t(true, true));
        assert!(parse_transports("sctp").is_err());
        assert!(parse_transports("").is_err());
    }

    #[test]
    fn queues() {
        assert_eq!(parse_queues("0"), Ok(QueueRange { first: 0, last: 0 }));
        assert_eq!(parse_queues("0-3").map(|q| q.iter().count()), Ok(4));
        assert!(parse_queues("3-0").is_err());
        assert!(parse_queues("x").is_err());
        assert_eq!(parse_queues("0-255").map(|q| q.iter().count()), Ok(256));
        assert_eq!(
            parse_queues("65280-65535").map(|q| q.iter().count()),
            Ok(256)
        );
        let e = parse_queues("0-256").unwrap_err();
        assert!(e.contains("257 queues; at most 256"), "{e}");
        assert!(parse_queues("0-65535").is_err());
    }

    #[test]
    fn socket_buffers() {
        assert_eq!(parse_socket_buffer("0"), Ok(0));
        assert_eq!(parse_socket_buffer("8MiB"), Ok(8 << 20));
        assert_eq!(parse_socket_buffer("64KiB"), Ok(64 << 10));
        assert!(parse_socket_buffer("1KiB").is_err());
        assert!(parse_socket_buffer("1GiB").unwrap_err().contains("256MiB"));
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
