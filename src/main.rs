//! The `nfdpi` binary: parse the command line, set up logging, run one mode, map errors to
//! exit codes (0 ok, 1 runtime failure, 2 usage/configuration/signature/input error).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use nfdpi::capture;
use nfdpi::cli::{self, Command};
use nfdpi::config::{self, ConfigError, Origin, ParseFailure};
use nfdpi::engine::{self, Engine, EngineConfig, MarkLayout, TapConfig};
use nfdpi::iptables::{self as rules, Hook, RulesetConfig};
use nfdpi::nfqueue::{self, RunConfig, VerdictMode};
use nfdpi::replay::{self, CaptureError};
use nfdpi::report::{self, Format, Report};
use nfdpi::signature::SignatureSet;
use nfdpi::trace::{TraceConfig, Tracer};

/// Exit code for usage, configuration, signature and bad-input errors.
const EXIT_USAGE: u8 = 2;
/// Exit code for runtime failures.
const EXIT_RUNTIME: u8 = 1;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parsed = match config::parse_args(&argv) {
        Ok(p) => p,
        Err(ParseFailure::Clap(e)) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
        Err(ParseFailure::Config(errors)) => return config_refused(&errors),
    };
    init_tracing(&parsed.cli.log_level, parsed.cli.log_format);
    let origin = parsed.origin;
    match parsed.cli.command {
        Command::Classify(args) => classify(args, &origin),
        Command::CheckSignatures(args) => check_signatures(args),
        Command::Explain(args) => explain(args, &origin),
        Command::CheckConfig(args) => check_config(args),
        Command::Protocols(args) => protocols(args, &origin),
        Command::Run(args) => run(args, origin),
        Command::Iptables(args) => iptables(args),
        Command::Generate(what) => generate(what),
    }
}

/// Print every configuration error and give exit code 2.
fn config_refused(errors: &[ConfigError]) -> ExitCode {
    for e in errors {
        match e {
            ConfigError::At(_) => eprintln!("{e}"),
            _ => eprintln!("nfdpi: {e}"),
        }
    }
    eprintln!("nfdpi: configuration refused ({} error(s))", errors.len());
    ExitCode::from(EXIT_USAGE)
}

fn init_tracing(level: &str, format: cli::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(false);
    match format {
        cli::LogFormat::Text => b.with_ansi(io::stderr().is_terminal()).init(),
        // One object per line, the event's fields beside timestamp, level and message.
        cli::LogFormat::Json => b
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}

/// Load the signature set the options name (the shipped set and `--signatures-add`, or exactly
/// `--signatures`), or print every error and give the exit code.
fn load_signatures(args: &cli::SignatureArgs) -> Result<Arc<SignatureSet>, ExitCode> {
    match config::load_signatures(args) {
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

fn classify(args: cli::ClassifyArgs, origin: &Origin) -> ExitCode {
    let sigs = match load_signatures(&args.policy.sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cfg = match config::engine_config(&args.policy, &sigs, MarkLayout::default(), origin) {
        // Offline, flows inside tunnels are reported as nDPI reports them.
        Ok(c) => EngineConfig {
            decapsulate: !args.no_decapsulate,
            ..c
        },
        Err(errors) => return config_refused(&errors),
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
    let threads = usize::from(args.threads);
    let captures = &args.captures;
    // Several captures and several threads: one capture per thread at a time, each classified
    // by one thread, written in the order given. One capture is always read by one thread (see
    // `replay::classify_capture` for why its flows are not sharded).
    let across_files =
        threads > 1 && captures.len() > 1 && captures.iter().all(|p| p.as_os_str() != "-");
    if across_files {
        if let Err(code) = classify_across_files(
            captures,
            threads,
            format,
            &cfg,
            &sigs,
            &mut report,
            &mut failed,
        ) {
            return code;
        }
    } else {
        for path in captures {
            let name = name_of(path);
            let render = |rec: &_, buf: &mut Vec<u8>| report::render(format, &name, rec, buf);
            let result = replay::classify_capture(
                path,
                &cfg,
                Arc::clone(&sigs),
                true,
                &render,
                |rec, line| report.write_rendered(&rec, line),
            );
            if let Err(code) = capture_done(path, result, &mut report, &mut failed) {
                return code;
            }
        }
    }
    let summary = report.summary().clone();
    if let Err(e) = report.finish(args.summary) {
        return sink_error(e);
    }
    if let Some(path) = &args.metrics_file {
        if let Err(e) = write_metrics_file(path, &summary, cfg.table.max_flows) {
            eprintln!("nfdpi: --metrics-file {}: {e}", path.display());
            return ExitCode::from(EXIT_RUNTIME);
        }
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

/// The name a capture's records carry in `pcap`: its file name (`-` for standard input).
fn name_of(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "-".to_string()
    } else {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

/// `classify --threads N` over several captures: N threads each classify a whole capture, one
/// at a time, and this thread writes the reports in the order given. `Err` carries the exit
/// code when standard output failed.
fn classify_across_files<W: Write>(
    captures: &[PathBuf],
    threads: usize,
    format: Format,
    cfg: &EngineConfig,
    sigs: &Arc<SignatureSet>,
    report: &mut Report<W>,
    failed: &mut bool,
) -> Result<(), ExitCode> {
    let sink_failed = std::sync::atomic::AtomicBool::new(false);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // How many captures are written out; a thread starts capture i only once
    // i <= written + threads, so at most `threads` + 1 captures are held in memory at once.
    let written = (std::sync::Mutex::new(0usize), std::sync::Condvar::new());
    // Tell the threads to stop: standard output failed.
    let stop = || {
        sink_failed.store(true, std::sync::atomic::Ordering::Relaxed);
        written.1.notify_all();
    };
    // Each sender is taken by the thread that classifies its capture, so that if that
    // thread died, its channel would close instead of leaving the writer waiting.
    let (senders, receivers): (Vec<_>, Vec<_>) = captures
        .iter()
        .map(|_| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<FileMsg>(FILE_MSGS_IN_FLIGHT);
            (std::sync::Mutex::new(Some(tx)), rx)
        })
        .unzip();
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 0..threads.min(captures.len()) {
            workers.push(scope.spawn(|| {
                use std::sync::atomic::Ordering::Relaxed;
                while !sink_failed.load(Relaxed) {
                    let i = next.fetch_add(1, Relaxed);
                    if i >= captures.len() {
                        break;
                    }
                    let Ok(mut w) = written.0.lock() else { break };
                    while i > *w + threads && !sink_failed.load(Relaxed) {
                        let Ok(g) = written.1.wait(w) else { return };
                        w = g;
                    }
                    drop(w);
                    if sink_failed.load(Relaxed) {
                        break;
                    }
                    let tx = senders
                        .get(i)
                        .and_then(|m| m.lock().ok().and_then(|mut t| t.take()));
                    let (Some(path), Some(tx)) = (captures.get(i), tx) else {
                        break;
                    };
                    let name = name_of(path);
                    let render = |rec: &_, buf: &mut Vec<u8>| {
                        report::render(format, &name, rec, buf)
                    };
                    let gone = || io::Error::from(io::ErrorKind::BrokenPipe);
                    let mut batch = Vec::with_capacity(FILE_BATCH);
                    // A panic (a bug) fails this capture like a read error, with a
                    // message, instead of leaving the writer without an end for it.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        replay::classify_capture(
                            path,
                            cfg,
                            Arc::clone(sigs),
                            false,
                            &render,
                            |rec, line| {
                                batch.push((rec, line.to_vec()));
                                if batch.len() < FILE_BATCH {
                                    return Ok(());
                                }
                                let full = std::mem::replace(
                                    &mut batch,
                                    Vec::with_capacity(FILE_BATCH),
                                );
                                tx.send(FileMsg::Flows(full)).map_err(|_| gone())
                            },
                        )
                    }))
                    .unwrap_or_else(|_| {
                        Err(CaptureError::Read {
                            offset: 0,
                            source: io::Error::other(
                                "internal error: classifying it panicked; flows from that point on are not reported",
                            ),
                        })
                    });
                    let sent = (batch.is_empty() || tx.send(FileMsg::Flows(batch)).is_ok())
                        && tx.send(FileMsg::End(result)).is_ok();
                    if !sent {
                        stop();
                    }
                }
            }));
        }
        for (path, rx) in captures.iter().zip(receivers) {
            let mut ended = false;
            for msg in rx.iter() {
                let result = match msg {
                    FileMsg::Flows(flows) => {
                        for (rec, line) in flows {
                            if let Err(e) = report.write_rendered(&rec, &line) {
                                stop();
                                return Err(sink_error(e));
                            }
                        }
                        continue;
                    }
                    FileMsg::End(result) => result,
                };
                if let Err(code) = capture_done(path, result, report, failed) {
                    stop();
                    return Err(code);
                }
                ended = true;
                break;
            }
            if let Ok(mut w) = written.0.lock() {
                *w += 1;
            }
            written.1.notify_all();
            if !ended {
                // The channel closed without an end (cannot happen while panics are
                // caught above; kept so that the writer never waits on a dead thread).
                let died = Err(CaptureError::Read {
                    offset: 0,
                    source: io::Error::other("internal error: the thread classifying it ended"),
                });
                capture_done(path, died, report, failed)?;
            }
        }
        // Joined here, so a thread that died is reported above rather than re-raised.
        for w in workers {
            let _ = w.join();
        }
        Ok(())
    })
}

/// What a thread classifying one capture of several hands to the writer.
enum FileMsg {
    Flows(Vec<(engine::FlowRecord, Vec<u8>)>),
    End(Result<replay::CaptureSummary, CaptureError>),
}

/// Flow records go to the writer in batches of this many; at most `FILE_MSGS_IN_FLIGHT`
/// batches (262,144 records, about 100 MiB of lines) wait per capture while an earlier capture
/// is being written, and at most `--threads` captures are started ahead of the one being
/// written, so at most (`--threads` + 1) × that is held. A thread that would go past either
/// limit waits.
const FILE_BATCH: usize = 256;
const FILE_MSGS_IN_FLIGHT: usize = 1024;

/// Account for one finished capture: its counters, warnings and errors. `Err` means standard
/// output failed and `classify` must stop with that code.
fn capture_done<W: Write>(
    path: &Path,
    result: Result<replay::CaptureSummary, CaptureError>,
    report: &mut Report<W>,
    failed: &mut bool,
) -> Result<(), ExitCode> {
    report.summary_mut().captures += 1;
    match result {
        Ok(summary) => {
            report.summary_mut().add_counters(&summary.stats);
            report.summary_mut().add_decided(&summary.decided);
            for w in &summary.warnings {
                eprintln!("nfdpi: warning: {}: {w}", path.display());
            }
            if let Some(e) = &summary.error {
                eprintln!("nfdpi: {}: {e}", path.display());
                report.summary_mut().capture_errors += 1;
                *failed = true;
            }
        }
        Err(CaptureError::Sink(e)) => return Err(sink_error(e)),
        Err(e) => {
            eprintln!("nfdpi: {}: {e}", path.display());
            report.summary_mut().capture_errors += 1;
            *failed = true;
        }
    }
    Ok(())
}

/// `classify --metrics-file`: the engine families, written to a temporary file beside `path`
/// and renamed over it, so a collector never reads half a file.
fn write_metrics_file(path: &Path, summary: &report::Summary, max_flows: usize) -> io::Result<()> {
    let scrape = nfdpi::stats::Scrape {
        engine: summary.engine_counters(),
        decided: summary.decided.clone(),
        flows_tracked: 0,
        flows_max: max_flows as u64,
        ..Default::default()
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, nfdpi::stats::render(&scrape))?;
    std::fs::rename(&tmp, path)
}

/// Standard output failed: a closed pipe (`| head`) is not an error; anything else is.
fn sink_error(e: io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(io::stderr(), "nfdpi: cannot write output: {e}");
    ExitCode::from(EXIT_RUNTIME)
}

/// The engine configuration `classify` would use with these options (tunnels decapsulated
/// unless `no_decapsulate`), or the exit code after printing why not.
fn offline_config(
    policy: &cli::PolicyArgs,
    no_decapsulate: bool,
    origin: &Origin,
) -> Result<(Arc<SignatureSet>, EngineConfig), ExitCode> {
    let sigs = load_signatures(&policy.sources)?;
    match config::engine_config(policy, &sigs, MarkLayout::default(), origin) {
        Ok(c) => Ok((
            sigs,
            EngineConfig {
                decapsulate: !no_decapsulate,
                ..c
            },
        )),
        Err(errors) => Err(config_refused(&errors)),
    }
}

/// `nfdpi explain`: the selected flows of each capture, explained as they end.
fn explain(args: cli::ExplainArgs, origin: &Origin) -> ExitCode {
    let (sigs, cfg) = match offline_config(&args.policy, args.no_decapsulate, origin) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let filter = nfdpi::explain::Filter {
        flows: args.flow.clone(),
        cut: args.cut,
        protocol: args.protocol.clone(),
    };
    let explainer = nfdpi::explain::Explainer {
        cfg: &cfg,
        sigs,
        filter: &filter,
        nearest: args.nearest,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut failed = false;
    let mut write_err = None;
    for path in &args.captures {
        let name = name_of(path);
        let mut text = String::new();
        let result = explainer.capture(path, &name, &mut |a| {
            text.clear();
            match args.format {
                cli::ExplainFormat::Text => nfdpi::explain::render_text(&a, &mut text),
                cli::ExplainFormat::Json => {
                    text = serde_json::to_string(&a).unwrap_or_default();
                    text.push('\n');
                }
            }
            if write_err.is_none() {
                write_err = out.write_all(text.as_bytes()).err();
            }
        });
        if let Some(e) = write_err.take() {
            return sink_error(e);
        }
        match result {
            Ok(summary) => {
                if let Some(e) = &summary.error {
                    eprintln!("nfdpi: {}: {e}", path.display());
                    failed = true;
                }
            }
            Err(e) => {
                eprintln!("nfdpi: {}: {e}", path.display());
                failed = true;
            }
        }
    }
    if let Err(e) = out.flush() {
        return sink_error(e);
    }
    if failed {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::SUCCESS
    }
}

fn check_signatures(args: cli::CheckArgs) -> ExitCode {
    if let Some(dir) = &args.against {
        return check_against(dir, &args.paths);
    }
    let paths = if args.paths.is_empty() {
        match config::default_signatures() {
            Ok(p) => vec![p],
            Err(e) => {
                eprintln!("nfdpi: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    } else {
        args.paths
    };
    match SignatureSet::load(&paths) {
        Ok(set) => {
            let from: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            println!("{}; loaded from {}", set.summary(), from.join(", "));
            warn_weak_rules(&set, None);
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

/// A warning for each rule under the precision threshold (docs/signatures.md, "Precision"), in
/// file and line order, once each; with `only`, for the rules of those files alone.
fn warn_weak_rules(set: &SignatureSet, only: Option<&[String]>) {
    fn place(location: &str) -> (&str, u64) {
        match location.rsplit_once(':') {
            Some((file, line)) => (file, line.parse().unwrap_or(0)),
            None => (location, 0),
        }
    }
    let mut weak: Vec<_> = set
        .weak_rules()
        .into_iter()
        .filter(|w| only.is_none_or(|files| files.iter().any(|f| f == place(&w.location).0)))
        .collect();
    weak.sort_by(|a, b| {
        place(&a.location)
            .cmp(&place(&b.location))
            .then_with(|| a.protocol.cmp(&b.protocol))
    });
    weak.dedup_by(|a, b| a.location == b.location && a.protocol == b.protocol);
    for w in weak {
        eprintln!(
            "nfdpi: warning: {} ({}): {:.1} bits of payload evidence, its window needs {:.1}: \
             random traffic would take this name more often than once in a million \
             flows (docs/signatures.md, \"Precision\")",
            w.location, w.protocol, w.bits, w.needed
        );
    }
}

/// `check-signatures --against DIR DRAFT…`: the shipped set plus the drafts loaded as
/// `--signatures-add` loads local files (a draft may not redeclare a shipped protocol), over
/// every capture in DIR with the default policy; lists each flow a draft rule names, after a
/// warning for each weak draft rule.
fn check_against(dir: &Path, drafts: &[PathBuf]) -> ExitCode {
    let sources = cli::SignatureArgs {
        config: None,
        signatures: Vec::new(),
        signatures_add: drafts.to_vec(),
        no_signatures: false,
    };
    let Ok(set) = load_signatures(&sources) else {
        return ExitCode::from(EXIT_USAGE);
    };
    let captures = match captures_in(dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nfdpi: {}: {e}", dir.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let draft_files: Vec<String> = drafts.iter().flat_map(|d| sig_files(d)).collect();
    warn_weak_rules(&set, Some(&draft_files));
    let cfg = EngineConfig {
        decapsulate: true,
        ..EngineConfig::default()
    };
    let (mut named, mut flows, mut failed) = (0u64, 0u64, false);
    for path in &captures {
        let render = |_: &engine::FlowRecord, _: &mut Vec<u8>| {};
        let result =
            replay::classify_capture(path, &cfg, Arc::clone(&set), false, &render, |r, _| {
                flows += 1;
                let Some(sig) = r.signature.as_deref() else {
                    return Ok(());
                };
                let file = sig.rsplit_once(':').map_or(sig, |(f, _)| f);
                if draft_files.iter().any(|d| d == file) {
                    named += 1;
                    let at = r
                        .decided_at_packet
                        .map_or_else(|| "held to the end".into(), |n| format!("packet {n}"));
                    println!(
                        "{}\t{} {} > {}\t{at}\t{sig} ({}, {})",
                        name_of(path),
                        r.transport,
                        r.src,
                        r.dst,
                        r.protocol,
                        r.verdict
                    );
                }
                Ok(())
            });
        if let Err(e) = result {
            eprintln!("nfdpi: {}: {e}", path.display());
            failed = true;
        }
    }
    eprintln!(
        "{named} of {flows} flows in {} capture(s) named by the draft rules",
        captures.len()
    );
    if failed {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::SUCCESS
    }
}

/// The captures (`*.pcap`, `*.pcapng`) directly in `dir`, sorted by name.
fn captures_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    v.sort();
    Ok(v)
}

/// The file names (as rule locations show them) of the `.sig` files a path names.
fn sig_files(path: &Path) -> Vec<String> {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    if path.is_dir() {
        std::fs::read_dir(path)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "sig"))
                    .filter_map(|p| name(&p))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        name(path).into_iter().collect()
    }
}

/// `nfdpi check-config FILE`: read the file exactly as `nfdpi run --config FILE` would (keys,
/// types, values, the signature set it names, protocol names), and say what it sets.
fn check_config(args: cli::CheckConfigArgs) -> ExitCode {
    let argv = ["nfdpi", "run", "--config"]
        .into_iter()
        .map(std::ffi::OsString::from)
        .chain([args.file.into_os_string()])
        .collect::<Vec<_>>();
    let parsed = match config::parse_args(&argv) {
        Ok(p) => p,
        Err(ParseFailure::Config(errors)) => return config_refused(&errors),
        Err(ParseFailure::Clap(e)) => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let Command::Run(run) = &parsed.cli.command else {
        return ExitCode::from(EXIT_RUNTIME);
    };
    let marks = match config::run_marks(run) {
        Ok(m) => m,
        Err(e) => return config_refused(&[ConfigError::Options(e)]),
    };
    let sigs = match load_signatures(&run.policy.sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cfg = match config::engine_config(&run.policy, &sigs, marks, &parsed.origin) {
        Ok(c) => c,
        Err(errors) => return config_refused(&errors),
    };
    // What `run` refuses before it binds anything, refused here too.
    if let Some(addr) = run
        .metrics
        .filter(|a| !a.ip().is_loopback() && !run.metrics_allow_remote)
    {
        let e = nfdpi::metrics::MetricsError::NotLoopback(addr).to_string();
        return config_refused(&[ConfigError::Options(e)]);
    }
    let file = parsed.origin.file();
    let keys: Vec<String> = file.map(|f| f.keys().collect()).unwrap_or_default();
    let p = &cfg.policy;
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(" ")
        }
    };
    let sum = sigs.summary();
    let mut out = io::stdout().lock();
    let text = format!(
        "ok: {}: {} keys ({})\n\
         signatures: {} files, {} protocols, {} rules, {} examples passed\n\
         policy (the first rule that names an identified protocol decides):\n\
         \x20 deny            {}\n\
         \x20 allow           {}\n\
         \x20 deny-category   {}\n\
         \x20 allow-category  {}\n\
         \x20 unlisted        {}\n\
         \x20 budget          {} bytes (an unidentified flow is cut past it)\n",
        file.map_or_else(String::new, |f| f.path().display().to_string()),
        keys.len(),
        keys.join(", "),
        sum.files,
        sum.protocols,
        sum.rules,
        sum.examples,
        list(&p.deny),
        list(&p.allow),
        list(&p.deny_category),
        list(&p.allow_category),
        p.unlisted.as_str(),
        p.budget
    );
    match out.write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => sink_error(e),
    }
}

/// `nfdpi protocols`: the loaded protocols, the mark that matches each, and its verdict.
fn protocols(args: cli::ProtocolsArgs, origin: &Origin) -> ExitCode {
    let sigs = match load_signatures(&args.sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let policy = match config::policy_lists(&args.lists, &sigs, origin) {
        Ok(p) => p,
        Err(errors) => return config_refused(&errors),
    };
    if args.mark_proto_shift > 16 {
        let e = format!(
            "--mark-proto-shift {} leaves no room for the 16-bit protocol id (at most 16)",
            args.mark_proto_shift
        );
        return config_refused(&[ConfigError::Options(e)]);
    }
    let field = (0xffffu32 << args.mark_proto_shift) & args.mark_mask;
    let rows: Vec<ProtocolRow> = sigs
        .labels()
        .iter()
        .map(|l| {
            let mark = (u32::from(l.id) << args.mark_proto_shift) & args.mark_mask;
            let (verdict, rule) = policy.decide(&l.protocol, &l.category);
            ProtocolRow {
                name: l.protocol.clone(),
                id: l.id,
                category: l.category.clone(),
                mark: format!("{mark:#010x}"),
                mask: format!("{field:#010x}"),
                r#match: format!("-m mark --mark {mark:#010x}/{field:#010x}"),
                verdict: verdict.as_str(),
                rule: rule.key(),
                declared: l.location.clone(),
            }
        })
        .collect();
    let text = match args.format {
        cli::ListFormat::Json => serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n",
        cli::ListFormat::Table => protocols_table(&rows),
    };
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => sink_error(e),
    }
}

/// One line of `nfdpi protocols`.
#[derive(serde::Serialize)]
struct ProtocolRow {
    name: String,
    id: u16,
    category: String,
    /// The protocol's bits in the mark, and the mask of the protocol field.
    mark: String,
    mask: String,
    /// The iptables match for the protocol.
    r#match: String,
    /// What the policy gives the protocol once identified, and which rule decides.
    verdict: &'static str,
    rule: &'static str,
    /// Where the protocol is declared (`file.sig:line`).
    declared: String,
}

/// Aligned columns of `nfdpi protocols`.
fn protocols_table(rows: &[ProtocolRow]) -> String {
    let heads = [
        "PROTOCOL",
        "ID",
        "CATEGORY",
        "MARK TO MATCH",
        "VERDICT",
        "BY",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.id.to_string(),
                r.category.clone(),
                r.r#match.clone(),
                r.verdict.to_string(),
                r.rule.to_string(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..heads.len())
        .map(|i| {
            cells
                .iter()
                .filter_map(|c| c.get(i).map(String::len))
                .chain(heads.get(i).map(|h| h.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&heads.map(String::from));
    for c in &cells {
        out += &line(c);
    }
    out
}

fn run(args: cli::RunArgs, origin: Origin) -> ExitCode {
    let marks = match config::run_marks(&args) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("nfdpi: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let sigs = match load_signatures(&args.policy.sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cfg = match config::engine_config(&args.policy, &sigs, marks, &origin) {
        Ok(c) => c,
        Err(errors) => return config_refused(&errors),
    };
    // SIGHUP: the configuration file and the signatures again, checked against what runs.
    let running = std::sync::Mutex::new(config::Running {
        origin,
        policy: Arc::new(cfg.policy.clone()),
        sigs: Arc::clone(&sigs),
    });
    // A panic while reloading (a bug) is caught by the daemon and refused with its message; the
    // state it may have left half-written is never used: `reload` replaces it only on success.
    let reload: nfqueue::Reload = Box::new(move || {
        running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .reload()
    });
    let extras_in = match run_extras(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("nfdpi: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let run_cfg = RunConfig {
        queues: args.queues.iter().collect(),
        verdict: match args.verdict {
            cli::VerdictMode::Repeat => VerdictMode::Repeat,
            cli::VerdictMode::Accept => VerdictMode::Accept,
        },
        fail_open: args.fail_open,
        queue_maxlen: args.queue_maxlen,
        socket_buffer: usize::try_from(args.socket_buffer).unwrap_or(usize::MAX),
        stats_interval: std::time::Duration::from_secs(args.stats_interval),
        user: args.user.clone(),
        marks,
    };
    let (engine, extras) = with_extras(Engine::new(cfg, sigs), extras_in, &args);
    match nfqueue::run(run_cfg, engine, reload, extras) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nfdpi: {e}");
            ExitCode::from(if e.is_config() {
                EXIT_USAGE
            } else {
                EXIT_RUNTIME
            })
        }
    }
}

/// What `run` sets up besides the queues, before anything starts: the metrics socket (bound
/// now, so a bad address fails at once, exit 2) and the cut-flow trace.
struct RunExtras {
    metrics: Option<std::net::TcpListener>,
    trace: Option<TraceConfig>,
}

fn run_extras(args: &cli::RunArgs) -> Result<RunExtras, String> {
    let metrics = match args.metrics {
        Some(addr) => {
            Some(nfdpi::metrics::bind(addr, args.metrics_allow_remote).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let capture = match &args.capture_unknown {
        Some(dir) => {
            // Created (and handed to --user) while the daemon may still.
            let owner = match (&args.user, is_root()) {
                (Some(u), true) => Some(nfqueue::lookup_user(u).map_err(|e| e.to_string())?),
                _ => None,
            };
            capture::prepare_dir(dir, owner)
                .map_err(|e| format!("--capture-unknown {}: {e}", dir.display()))?;
            Some(capture::CaptureConfig {
                dir: dir.clone(),
                max_files: args.capture_max_files,
                max_bytes: args.capture_max_bytes,
            })
        }
        None => None,
    };
    let trace = (args.cut_log_rate > 0 || capture.is_some()).then_some(TraceConfig {
        log_rate: args.cut_log_rate,
        capture,
        nearest: Some(nfdpi::trace::nearest_from_first_bytes),
    });
    Ok(RunExtras { metrics, trace })
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Largest number of pending flows whose first payload bytes the cut-flow log keeps at once
/// (about 160 bytes each) when packets are not captured.
const FIRST_BYTES_FLOWS: u64 = 65_536;

/// The engine with the cut-flow trace's sink, and what `nfqueue::run` runs beside it.
fn with_extras(
    engine: Engine,
    x: RunExtras,
    args: &cli::RunArgs,
) -> (Arc<Engine>, nfqueue::Extras) {
    let mut extras = nfqueue::Extras {
        metrics: x.metrics,
        ..Default::default()
    };
    let Some(trace) = x.trace else {
        return (Arc::new(engine), extras);
    };
    let tap = TapConfig {
        packets: trace.capture.is_some(),
        max_flows: usize::try_from(if trace.capture.is_some() {
            args.capture_max_pending
        } else {
            FIRST_BYTES_FLOWS.min(args.policy.max_flows)
        })
        .unwrap_or(usize::MAX),
    };
    let (mut tracer, sink) = Tracer::new(trace);
    let engine = Arc::new(engine.with_cut_sink(sink, tap));
    let e2 = Arc::clone(&engine);
    tracer.set_signatures(Box::new(move || e2.signatures()));
    extras.trace_stats = Some(tracer.stats());
    extras.companions.push(Box::new(tracer));
    (engine, extras)
}

fn iptables(args: cli::IptablesArgs) -> ExitCode {
    let marks = match config::mark_layout(args.mark_mask, args.mark_accept, args.mark_drop, 16) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("nfdpi: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let cfg = RulesetConfig {
        queues: (args.queues.first, args.queues.last),
        hook: match args.chain {
            cli::Chain::Forward => Hook::Forward,
            cli::Chain::Input => Hook::Input,
            cli::Chain::Output => Hook::Output,
        },
        fail_closed: args.fail_closed,
        log_drops: args.log_drops,
        ipv6: args.ipv6,
        marks,
        transports: args.transport,
    };
    let format = match args.format {
        cli::RulesFormat::Sh => rules::Format::Sh,
        cli::RulesFormat::Restore => rules::Format::Restore,
    };
    let text = match rules::render(&cfg, args.nft, format, args.remove) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("nfdpi: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => sink_error(e),
    }
}

/// `nfdpi generate`: man pages into a directory, or a completion script on standard output.
fn generate(what: cli::GenerateWhat) -> ExitCode {
    match what {
        cli::GenerateWhat::Man { dir } => match nfdpi::generate::man_pages(&dir) {
            Ok(pages) => {
                for p in pages {
                    println!("{}", p.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("nfdpi: cannot write man pages into {}: {e}", dir.display());
                ExitCode::from(EXIT_RUNTIME)
            }
        },
        cli::GenerateWhat::Completions { shell } => {
            let mut out = Vec::new();
            nfdpi::generate::completions(shell, &mut out);
            match io::stdout().lock().write_all(&out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => sink_error(e),
            }
        }
    }
}
