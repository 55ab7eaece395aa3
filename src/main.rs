//! The `nfdpi` binary: parse the command line, set up logging, run one mode, map errors to
//! exit codes (0 ok, 1 runtime failure, 2 usage/configuration/signature/input error).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use nfdpi::cli::{self, Cli, Command};
use nfdpi::engine::{EngineConfig, MarkLayout, Policy, Verdict};
use nfdpi::flow::TableConfig;
use nfdpi::replay::{self, CaptureError};
use nfdpi::report::{Format, Report};
use nfdpi::signature::SignatureSet;

/// Exit code for usage, configuration, signature and bad-input errors.
const EXIT_USAGE: u8 = 2;
/// Exit code for runtime failures.
const EXIT_RUNTIME: u8 = 1;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(&cli.log_level);
    match cli.command {
        Command::Classify(args) => classify(args),
        Command::CheckSignatures(args) => check_signatures(args),
        Command::Run(_) | Command::Iptables(_) => {
            eprintln!("nfdpi: this command is not available in this build yet");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(false)
        .init();
}

/// Where the shipped signatures are when `--signatures` is not given.
fn default_signature_paths() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("NFDPI_SIGNATURES") {
        return vec![PathBuf::from(p)];
    }
    let source_tree = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures");
    if source_tree.is_dir() {
        return vec![source_tree];
    }
    vec![PathBuf::from("/usr/share/nfdpi/signatures")]
}

/// Load the signature set named by the options, or print every error and give the exit code.
fn load_signatures(args: &cli::PolicyArgs) -> Result<Arc<SignatureSet>, ExitCode> {
    if args.no_signatures {
        return Ok(Arc::new(SignatureSet::empty()));
    }
    let paths = if args.signatures.is_empty() {
        default_signature_paths()
    } else {
        args.signatures.clone()
    };
    match SignatureSet::load(&paths) {
        Ok(set) => Ok(Arc::new(set)),
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "nfdpi: signature set refused ({} error(s)); nothing was loaded",
                errors.len()
            );
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// Build the engine configuration, checking `--allow`/`--deny` names against the set: a name
/// that no signature gives is a typo that would silently change the policy.
fn engine_config(
    args: &cli::PolicyArgs,
    sigs: &SignatureSet,
    marks: MarkLayout,
) -> Result<EngineConfig, String> {
    if !args.no_signatures {
        let known: Vec<&str> = sigs.protocol_names().collect();
        for name in args.allow.iter().flatten().chain(&args.deny) {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
                return Err(format!(
                    "unknown protocol `{name}` in --allow/--deny: no loaded signature names it"
                ));
            }
        }
    }
    let ns = 1_000_000_000u64;
    Ok(EngineConfig {
        table: TableConfig {
            max_flows: args.max_flows,
            udp_timeout: args.udp_timeout.saturating_mul(ns),
            tcp_timeout: args.tcp_timeout.saturating_mul(ns),
            ..TableConfig::default()
        },
        policy: Policy {
            budget: args.budget,
            allow: args.allow.clone(),
            deny: args.deny.clone(),
            on_overflow: match args.on_overflow {
                cli::OnOverflow::Accept => Verdict::Accept,
                cli::OnOverflow::Drop => Verdict::Drop,
            },
            marks,
            ..Policy::default()
        },
    })
}

fn classify(args: cli::ClassifyArgs) -> ExitCode {
    let sigs = match load_signatures(&args.policy) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cfg = match engine_config(&args.policy, &sigs, MarkLayout::default()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nfdpi: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stdout = io::stdout();
    let format = match args.format {
        Some(cli::Format::Table) => Format::Table,
        Some(cli::Format::Jsonl) => Format::Jsonl,
        None if stdout.is_terminal() => Format::Table,
        None => Format::Jsonl,
    };
    let mut report = Report::new(io::BufWriter::with_capacity(1 << 16, stdout.lock()), format);
    let mut failed = false;
    for path in &args.captures {
        let name = if path.as_os_str() == "-" {
            "-".to_string()
        } else {
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        };
        let threads = usize::from(args.threads);
        let result = replay::classify_capture(path, &cfg, Arc::clone(&sigs), threads, |rec| {
            report.flow(&name, &rec)
        });
        report.summary_mut().captures += 1;
        match result {
            Ok(summary) => {
                report.summary_mut().add_counters(&summary.stats);
                for w in &summary.warnings {
                    eprintln!("nfdpi: warning: {}: {w}", path.display());
                }
                if let Some(e) = &summary.error {
                    eprintln!("nfdpi: {}: {e}", path.display());
                    report.summary_mut().capture_errors += 1;
                    failed = true;
                }
            }
            Err(CaptureError::Sink(e)) => return sink_error(e),
            Err(e) => {
                eprintln!("nfdpi: {}: {e}", path.display());
                report.summary_mut().capture_errors += 1;
                failed = true;
            }
        }
    }
    let summary = report.summary().clone();
    if let Err(e) = report.finish(args.summary) {
        return sink_error(e);
    }
    if format == Format::Jsonl && !args.summary {
        let _ = Report::<io::Stderr>::write_summary_text(&summary, io::stderr().lock());
    }
    if failed {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::SUCCESS
    }
}

/// Standard output failed: a closed pipe (`| head`) is not an error; anything else is.
fn sink_error(e: io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(io::stderr(), "nfdpi: cannot write output: {e}");
    ExitCode::from(EXIT_RUNTIME)
}

fn check_signatures(args: cli::CheckArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        default_signature_paths()
    } else {
        args.paths
    };
    match SignatureSet::load(&paths) {
        Ok(set) => {
            println!("{}", set.summary());
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("nfdpi: signature set refused ({} error(s))", errors.len());
            ExitCode::from(EXIT_USAGE)
        }
    }
}
