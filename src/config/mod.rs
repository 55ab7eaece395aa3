//! Configuration: turns the command line and the configuration file into typed engine, run and
//! signature settings, with one error type, [`ConfigError`]. Opens no sockets.
//!
//! The file is mapped onto the clap definitions by name ([`file`]): every long option of
//! `nfdpi run` is a key (the options `--help` lists under "Policy" in a `[policy]` table), each
//! value is checked by that option's own value parser, and options given on the command line
//! override the file's. A reload ([`Running::reload`]) reads both again and refuses, whole,
//! any change that the operator did not write or that needs a restart.

pub mod file;
pub mod layers;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

pub use file::{ConfigFile, POLICY_TABLE};
pub use layers::{default_signatures, load as load_signatures};

use crate::cli::{self, Cli, Command, ListArgs, PolicyArgs};
use crate::engine::{EngineConfig, MarkLayout, Policy, Verdict};
use crate::flow::TableConfig;
use crate::signature::{category, SignatureSet};

/// The configuration file `check-config` reads when given none (the package installs it).
pub const DEFAULT_CONFIG: &str = "/etc/nfdpi/nfdpi.toml";

/// Help headings whose options a reload may change; every other option needs a restart.
const RELOADABLE_HEADINGS: [&str; 2] = [file::POLICY_HEADING, "Signatures"];

/// An error at a place in a file, rendered like a compiler's: `file:line:col: message`, the
/// line, and a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: String,
    pub line: u32,
    /// 1-based, in characters.
    pub col: u32,
    pub message: String,
    pub text: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::signature::parse::render_located(
            f,
            &self.file,
            self.line,
            self.col,
            &self.message,
            &self.text,
        )
    }
}

/// Why a configuration is refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    /// Something in the file, at its place.
    #[error("{0}")]
    At(Box<Located>),
    /// Something about the options as a whole or on the command line.
    #[error("{0}")]
    Options(String),
}

/// Why the command line could not be read.
#[derive(Debug)]
pub enum ParseFailure {
    /// clap's own error (also `--help` and `--version`, which are not failures).
    Clap(clap::Error),
    /// The configuration file, every error.
    Config(Vec<ConfigError>),
}

/// The options, and where they came from.
#[derive(Debug)]
pub struct Parsed {
    pub cli: Cli,
    pub origin: Origin,
}

/// Where the options came from: the command line as given, the configuration file, which of
/// its keys took effect, and every option's resulting value (to compare a reload with).
#[derive(Debug, Clone)]
pub struct Origin {
    argv: Vec<OsString>,
    file: Option<ConfigFile>,
    /// Clap ids whose value came from the file.
    applied: BTreeSet<String>,
    /// Long option name → the values it ended with (defaults included).
    values: BTreeMap<String, Vec<OsString>>,
    /// Long option names a reload may change.
    reloadable: BTreeSet<String>,
}

/// The `nfdpi` command, built (global options propagated to the subcommands).
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

/// Check the text of a configuration file named `path` against the options of `nfdpi run`,
/// without reading anything (the entry point for fuzzing the file parser).
pub fn check_text(path: &std::path::Path, text: String) -> Result<ConfigFile, Vec<ConfigError>> {
    let cmd = command();
    let run = cmd
        .find_subcommand("run")
        .ok_or_else(|| vec![ConfigError::Options("no `run`".into())])?;
    ConfigFile::parse(path, text, run)
}

/// Parse the command line `argv` (program name first) and, when it names `--config FILE`, that
/// file: its keys apply to the subcommand's options of the same name that the command line does
/// not give (nor an option that excludes them).
pub fn parse_args(argv: &[OsString]) -> Result<Parsed, ParseFailure> {
    let cmd = command();
    let first = cmd
        .clone()
        .try_get_matches_from(argv)
        .map_err(ParseFailure::Clap)?;
    let Some((name, sub_m)) = first.subcommand() else {
        return finish(&cmd, argv.to_vec(), first, None, BTreeSet::new());
    };
    let Some(path) = sub_m
        .try_get_one::<PathBuf>("config")
        .ok()
        .flatten()
        .cloned()
    else {
        return finish(&cmd, argv.to_vec(), first, None, BTreeSet::new());
    };
    let run = cmd
        .find_subcommand("run")
        .ok_or_else(|| ParseFailure::Config(vec![ConfigError::Options("no `run`".into())]))?;
    let config = ConfigFile::read(&path, run).map_err(ParseFailure::Config)?;
    let sub = cmd.find_subcommand(name).unwrap_or(run);
    let given = |id: &str| sub_m.value_source(id) == Some(ValueSource::CommandLine);
    let mut extra = Vec::new();
    let mut applied = BTreeSet::new();
    for e in &config.entries {
        if !sub.get_arguments().any(|a| a.get_id() == e.id.as_str()) {
            continue; // an option of `run` that this subcommand does not have
        }
        let overridden = given(&e.id)
            || sub.get_arguments().any(|c| {
                given(c.get_id().as_str()) && file::excludes(sub, &e.id, c.get_id().as_str())
            });
        if !overridden {
            extra.extend(e.tokens.iter().cloned());
            applied.insert(e.id.clone());
        }
    }
    // The file's options go before a `--` (after it, they would be taken as captures).
    let mut merged = argv.to_vec();
    let at = merged
        .iter()
        .position(|a| a == "--")
        .unwrap_or(merged.len());
    merged.splice(at..at, extra);
    let m = cmd.clone().try_get_matches_from(&merged).map_err(|e| {
        ParseFailure::Config(vec![ConfigError::Options(format!(
            "{} with the command line: {}",
            path.display(),
            file::clap_reason(&e)
        ))])
    })?;
    finish(&cmd, argv.to_vec(), m, Some(config), applied)
}

fn finish(
    cmd: &clap::Command,
    argv: Vec<OsString>,
    m: ArgMatches,
    file: Option<ConfigFile>,
    applied: BTreeSet<String>,
) -> Result<Parsed, ParseFailure> {
    let cli = Cli::from_arg_matches(&m).map_err(ParseFailure::Clap)?;
    let mut values = BTreeMap::new();
    let mut reloadable = BTreeSet::new();
    if let Some((name, sub_m)) = m.subcommand() {
        if let Some(sub) = cmd.find_subcommand(name) {
            for arg in sub.get_arguments() {
                let (Some(long), id) = (arg.get_long(), arg.get_id().as_str()) else {
                    continue;
                };
                if arg
                    .get_help_heading()
                    .is_some_and(|h| RELOADABLE_HEADINGS.contains(&h))
                {
                    reloadable.insert(long.to_string());
                }
                let raw: Vec<OsString> = sub_m
                    .try_get_raw(id)
                    .ok()
                    .flatten()
                    .map(|v| v.map(OsString::from).collect())
                    .unwrap_or_default();
                values.insert(long.to_string(), raw);
            }
        }
    }
    Ok(Parsed {
        cli,
        origin: Origin {
            argv,
            file,
            applied,
            values,
            reloadable,
        },
    })
}

impl Origin {
    /// The configuration file, when `--config` named one.
    pub fn file(&self) -> Option<&ConfigFile> {
        self.file.as_ref()
    }

    /// An error about `value` of option `key`: at its place in the file when the file gave it,
    /// else about the command-line option.
    pub fn error(&self, key: &str, value: &str, message: String) -> ConfigError {
        let from_file = self.file.as_ref().and_then(|f| {
            let e = f.entry(key)?;
            if !self.applied.contains(&e.id) {
                return None;
            }
            let piece = e
                .pieces
                .iter()
                .find(|p| {
                    p.text
                        .split(',')
                        .any(|x| x.trim().eq_ignore_ascii_case(value))
                })
                .or(e.pieces.first())?;
            // Point into a quoted string at the name itself when the text is written plainly.
            let inner = piece.text.find(value).map_or(0, |i| i + 1);
            let raw = f.text.get(piece.span.clone()).unwrap_or("");
            let at = if raw.get(1..).is_some_and(|r| r.starts_with(&piece.text)) {
                piece.span.start + inner
            } else {
                piece.span.start
            };
            Some(ConfigError::At(Box::new(
                f.locate(&(at..at), message.clone()),
            )))
        });
        from_file.unwrap_or_else(|| ConfigError::Options(format!("--{key} {value}: {message}")))
    }
}

/// The mark layout from the options; the two decision bits must be distinct, non-zero and
/// inside the mask, and the protocol field must fit in 32 bits.
pub fn mark_layout(
    mask: u32,
    accept: u32,
    drop: u32,
    proto_shift: u32,
) -> Result<MarkLayout, String> {
    if accept == 0 || drop == 0 || accept & drop != 0 {
        return Err(format!(
            "--mark-accept {accept:#x} and --mark-drop {drop:#x} must be non-zero and share no bit"
        ));
    }
    if (accept | drop) & !mask != 0 {
        return Err(format!("--mark-accept/--mark-drop ({accept:#x}/{drop:#x}) must lie inside --mark-mask {mask:#x}"));
    }
    if proto_shift > 16 {
        return Err(format!("--mark-proto-shift {proto_shift} leaves no room for the 16-bit protocol id (at most 16)"));
    }
    if (0xffffu32 << proto_shift) & (accept | drop) != 0 {
        return Err(format!(
            "the protocol field (0xffff << {proto_shift}) overlaps the decision bits"
        ));
    }
    Ok(MarkLayout {
        accept,
        drop,
        proto_shift,
        mask,
    })
}

fn verdict(a: cli::Action) -> Verdict {
    match a {
        cli::Action::Accept => Verdict::Accept,
        cli::Action::Drop => Verdict::Drop,
    }
}

/// The identified-protocol rules of the options (the rest of the policy at its defaults). Every
/// name must be one a loaded signature gives (unless no signatures are loaded): a misspelt name
/// would change the policy without a word, so it is an error that suggests the closest names.
pub fn policy_lists(
    lists: &ListArgs,
    sigs: &SignatureSet,
    origin: &Origin,
) -> Result<Policy, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let known: Vec<&str> = sigs.protocol_names().collect();
    let mut names = |key: &str, list: &[String]| -> Vec<String> {
        let mut out = Vec::new();
        for n in list {
            match known.iter().find(|k| k.eq_ignore_ascii_case(n)) {
                Some(k) => out.push(k.to_string()),
                None if known.is_empty() => out.push(n.clone()),
                None => errors.push(origin.error(
                    key,
                    n,
                    format!(
                        "unknown protocol `{n}`{}: no loaded signature gives this name (`nfdpi protocols` lists them)",
                        category::did_you_mean(&category::suggest(n, known.iter().copied()))
                    ),
                )),
            }
        }
        out
    };
    let allow = names("allow", &lists.allow);
    let deny = names("deny", &lists.deny);
    let mut categories = |key: &str, list: &[String]| -> Vec<String> {
        let none = list.iter().any(|c| c == cli::NO_CATEGORY);
        if none && list.len() > 1 {
            errors.push(origin.error(
                key,
                cli::NO_CATEGORY,
                format!(
                    "`{}` stands for no category and cannot be listed with categories",
                    cli::NO_CATEGORY
                ),
            ));
        }
        if none {
            Vec::new()
        } else {
            list.to_vec()
        }
    };
    let allow_category = categories("allow-category", &lists.allow_category);
    let deny_category = categories("deny-category", &lists.deny_category);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Policy {
        allow,
        deny,
        allow_category,
        deny_category,
        unlisted: verdict(lists.unlisted),
        ..Policy::default()
    })
}

/// The engine configuration of `classify` and `run`.
pub fn engine_config(
    args: &PolicyArgs,
    sigs: &SignatureSet,
    marks: MarkLayout,
    origin: &Origin,
) -> Result<EngineConfig, Vec<ConfigError>> {
    let ns = 1_000_000_000u64;
    Ok(EngineConfig {
        table: TableConfig {
            max_flows: usize::try_from(args.max_flows).unwrap_or(usize::MAX),
            udp_timeout: args.udp_timeout.saturating_mul(ns),
            tcp_timeout: args.tcp_timeout.saturating_mul(ns),
            ..TableConfig::default()
        },
        policy: Policy {
            budget: args.budget,
            on_overflow: match args.on_overflow {
                cli::OnOverflow::Accept => Verdict::Accept,
                cli::OnOverflow::Drop => Verdict::Drop,
            },
            transports: args.transport,
            marks,
            ..policy_lists(&args.lists, sigs, origin)?
        },
        decapsulate: false,
    })
}

/// The settings of `nfdpi run` that do not change at run time.
pub fn run_marks(args: &cli::RunArgs) -> Result<MarkLayout, String> {
    mark_layout(
        args.mark_mask,
        args.mark_accept,
        args.mark_drop,
        args.mark_proto_shift,
    )
}

/// What a running daemon was started (or last reloaded) with.
#[derive(Debug)]
pub struct Running {
    pub origin: Origin,
    pub policy: Arc<Policy>,
    pub sigs: Arc<SignatureSet>,
}

impl Running {
    /// Read the configuration file and the signatures again, with the same command line, and
    /// check that the change is one a reload may make (see [`check_reload`]). On success the
    /// new set and policy become the running ones and are returned; on error nothing changes
    /// and every reason is returned, rendered.
    pub fn reload(&mut self) -> Result<(Arc<SignatureSet>, Arc<Policy>), Vec<String>> {
        let rendered = |v: Vec<ConfigError>| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        let parsed = match parse_args(&self.origin.argv) {
            Ok(p) => p,
            Err(ParseFailure::Config(e)) => return Err(rendered(e)),
            Err(ParseFailure::Clap(e)) => return Err(vec![file::clap_reason(&e)]),
        };
        let Command::Run(args) = &parsed.cli.command else {
            return Err(vec![
                "internal error: the daemon's command line is not `run`".into(),
            ]);
        };
        let marks = run_marks(args).map_err(|e| vec![e])?;
        let sigs = load_signatures(&args.policy.sources)?;
        let cfg = engine_config(&args.policy, &sigs, marks, &parsed.origin).map_err(rendered)?;
        check_reload(self, &parsed.origin, &cfg.policy, &sigs)?;
        let (sigs, policy) = (Arc::new(sigs), Arc::new(cfg.policy));
        *self = Running {
            origin: parsed.origin,
            policy: Arc::clone(&policy),
            sigs: Arc::clone(&sigs),
        };
        Ok((sigs, policy))
    }
}

/// A reload never changes what the operator did not write, and never what needs a restart:
/// - an option outside `[policy]` and the signature options whose value changed needs a
///   restart (the whole reload is refused, saying which);
/// - a key of the running file that is missing from the new one is an error (it would fall back
///   to a default nobody wrote);
/// - an allow list (`allow`, `allow-category`) that had entries and has none is an error;
/// - a protocol the running set names that the new set lacks is an error (its flows would turn
///   Unknown and be cut);
/// - a name no longer loaded in `allow`/`deny` was already refused when the policy was built.
pub fn check_reload(
    old: &Running,
    new: &Origin,
    new_policy: &Policy,
    new_sigs: &SignatureSet,
) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let show = |v: &[OsString]| {
        let s: Vec<String> = v.iter().map(|x| x.to_string_lossy().into_owned()).collect();
        if s.is_empty() {
            "nothing".to_string()
        } else {
            format!("`{}`", s.join(","))
        }
    };
    for (key, before) in &old.origin.values {
        let after = new.values.get(key).map(Vec::as_slice).unwrap_or_default();
        if !old.origin.reloadable.contains(key) && before.as_slice() != after {
            errors.push(format!(
                "`{key}` changed from {} to {}: it takes a restart (systemctl restart nfdpi), a reload cannot change it",
                show(before),
                show(after)
            ));
        }
    }
    if let Some(f) = &old.origin.file {
        let now: BTreeSet<String> = new.file.iter().flat_map(ConfigFile::keys).collect();
        for e in &f.entries {
            if !now.contains(&e.name()) {
                let (line, _) = file::line_col(&f.text, e.key_span.start);
                errors.push(format!(
                    "{}: `{}` (line {line} of the running configuration) is missing: a reload never falls back to a default the file does not state; write the value you want, or restart nfdpi to start from the file as it is",
                    f.path.display(),
                    e.name()
                ));
            }
        }
    }
    for (key, before, after) in [
        ("allow", &old.policy.allow, &new_policy.allow),
        (
            "allow-category",
            &old.policy.allow_category,
            &new_policy.allow_category,
        ),
    ] {
        if !before.is_empty() && after.is_empty() {
            errors.push(format!(
                "`{key}` would become empty (it was {}): every protocol it accepted would be dropped once identified; restart nfdpi if that is meant",
                before.join(",")
            ));
        }
    }
    for l in old.sigs.labels() {
        if !new_sigs.protocol_names().any(|n| n == l.protocol) {
            errors.push(format!(
                "protocol `{}` (id {}, declared at {}) is no longer loaded: its flows would turn Unknown and be cut; restore its signature file, or restart nfdpi if that is meant",
                l.protocol, l.id, l.location
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
