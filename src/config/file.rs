//! Reading a configuration file: TOML with the position of every key and value, each key checked
//! against the options of `nfdpi run` by name and each value by that option's own value parser,
//! so an option added to `run` is a key of the file with no change here. Errors point at
//! `file:line:col`. No I/O beyond reading the file.

use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, Command};
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use super::{ConfigError, Located};
use crate::signature::category;

/// The one table of the file: the options `run --help` lists under "Policy".
pub const POLICY_TABLE: &str = "policy";
/// The help heading whose options live in [`POLICY_TABLE`].
pub(crate) const POLICY_HEADING: &str = "Policy";
/// Options of `run` that are no keys of the file.
const NOT_KEYS: [&str; 3] = ["config", "help", "version"];

/// One value of a key as written: its text as the option takes it, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub text: String,
    pub span: Range<usize>,
}

/// One key of the file, checked.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key, which is the long option's name.
    pub key: String,
    /// `Some("policy")` for a key of the [policy] table.
    pub table: Option<&'static str>,
    /// The clap id of the option.
    pub id: String,
    pub key_span: Range<usize>,
    /// Each value as written (a flag's is `true` or `false`).
    pub pieces: Vec<Piece>,
    /// The command-line arguments that say the same.
    pub tokens: Vec<OsString>,
}

impl Entry {
    /// `budget` or `policy.allow`, as messages name it.
    pub fn name(&self) -> String {
        match self.table {
            Some(t) => format!("{t}.{}", self.key),
            None => self.key.clone(),
        }
    }
}

/// A configuration file, read and checked against the options of `nfdpi run`.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) entries: Vec<Entry>,
}

/// How an option takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `--no-signatures`: present or not.
    Flag,
    /// `--fail-open true`.
    Bool,
    /// One value.
    Scalar,
    /// Repeatable or comma-separated values.
    List,
}

impl Kind {
    fn of(arg: &Arg) -> Kind {
        match arg.get_action() {
            ArgAction::SetTrue | ArgAction::SetFalse => Kind::Flag,
            ArgAction::Append => Kind::List,
            _ if arg.get_value_parser().type_id() == std::any::TypeId::of::<bool>() => Kind::Bool,
            _ => Kind::Scalar,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::Flag | Kind::Bool => "true or false",
            Kind::Scalar => "a string or an integer",
            Kind::List => "an array of strings, like [\"a\", \"b\"]",
        }
    }
}

impl ConfigFile {
    /// Read and check `path` against `run` (the built `nfdpi run` command).
    pub fn read(path: &Path, run: &Command) -> Result<Self, Vec<ConfigError>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![ConfigError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            }]
        })?;
        Self::parse(path, text, run)
    }

    /// Check the text of a file named `path`. Every error is reported, not only the first.
    pub fn parse(path: &Path, text: String, run: &Command) -> Result<Self, Vec<ConfigError>> {
        let ctx = Ctx {
            path,
            text: &text,
            run,
        };
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        let root = DeTable::parse(&text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            vec![ctx.at(at, format!("expected valid TOML: {}", e.message().trim()))]
        })?;
        for (k, v) in root.get_ref() {
            if k.get_ref() == POLICY_TABLE {
                let DeValue::Table(t) = v.get_ref() else {
                    errors.push(ctx.at(
                        v.span().start,
                        format!("expected a table [policy], found {}", found(v.get_ref())),
                    ));
                    continue;
                };
                for (k2, v2) in t {
                    match ctx.entry(Some(POLICY_TABLE), k2, v2) {
                        Ok(e) => entries.push(e),
                        Err(e) => errors.push(e),
                    }
                }
            } else {
                match ctx.entry(None, k, v) {
                    Ok(e) => entries.push(e),
                    Err(e) => errors.push(e),
                }
            }
        }
        errors.extend(ctx.conflicts(&entries));
        drop(root);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ConfigFile {
            path: path.to_path_buf(),
            text,
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The keys the file sets (`budget`, `policy.allow`, …), in file order.
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().map(Entry::name)
    }

    /// Where `span` of this file is, as an error with `message`.
    pub(crate) fn locate(&self, span: &Range<usize>, message: String) -> Located {
        locate(&self.path, &self.text, span.start, message)
    }

    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// What a check needs: the file and the options of `run`.
struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    run: &'a Command,
}

impl Ctx<'_> {
    fn at(&self, offset: usize, message: String) -> ConfigError {
        ConfigError::At(Box::new(locate(self.path, self.text, offset, message)))
    }

    /// The options that are keys of `table` (the top level when `None`).
    fn keys(&self, table: Option<&str>) -> Vec<&Arg> {
        self.run
            .get_arguments()
            .filter(|a| a.get_long().is_some_and(|l| !NOT_KEYS.contains(&l)))
            .filter(|a| (a.get_help_heading() == Some(POLICY_HEADING)) == table.is_some())
            .collect()
    }

    fn entry(
        &self,
        table: Option<&'static str>,
        key: &Spanned<DeString<'_>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Entry, ConfigError> {
        let name = key.get_ref().as_ref();
        let Some(arg) = self
            .keys(table)
            .into_iter()
            .find(|a| a.get_long() == Some(name))
        else {
            return Err(self.unknown(table, key, value));
        };
        let kind = Kind::of(arg);
        let pieces = self.pieces(kind, name, value)?;
        let long = arg.get_long().unwrap_or(name);
        for p in &pieces {
            if matches!(kind, Kind::Scalar | Kind::List) {
                self.validate(long, p)?;
            }
        }
        let tokens = match kind {
            Kind::Flag if pieces.iter().any(|p| p.text == "true") => vec![format!("--{long}")],
            Kind::Flag => Vec::new(),
            Kind::List if pieces.is_empty() && !arg.get_default_values().is_empty() => {
                vec![format!("--{long}={}", crate::cli::NO_CATEGORY)]
            }
            _ => pieces
                .iter()
                .map(|p| format!("--{long}={}", p.text))
                .collect(),
        };
        Ok(Entry {
            key: name.to_string(),
            table,
            id: arg.get_id().to_string(),
            key_span: key.span(),
            pieces,
            tokens: tokens.into_iter().map(OsString::from).collect(),
        })
    }

    /// The error for a key that is no option of this table.
    fn unknown(
        &self,
        table: Option<&'static str>,
        key: &Spanned<DeString<'_>>,
        value: &Spanned<DeValue<'_>>,
    ) -> ConfigError {
        let name = key.get_ref().as_ref();
        let other = if table.is_some() { None } else { Some("x") };
        let elsewhere = self
            .keys(other)
            .into_iter()
            .any(|a| a.get_long() == Some(name));
        let message = if elsewhere && table.is_some() {
            format!(
                "expected `{name}` at the top of the file (before [policy]), found it in [policy]"
            )
        } else if elsewhere {
            format!("expected `{name}` in the [policy] table, found it at the top level")
        } else if table.is_none() && matches!(value.get_ref(), DeValue::Table(_)) {
            format!(
                "unknown table [{name}]{}: the file has top-level keys and one table, [policy]",
                category::did_you_mean(&category::suggest(name, [POLICY_TABLE]))
            )
        } else {
            let here: Vec<&str> = self
                .keys(table)
                .iter()
                .filter_map(|a| a.get_long())
                .collect();
            let there: Vec<&str> = self
                .keys(other)
                .iter()
                .filter_map(|a| a.get_long())
                .collect();
            let near = category::suggest(name, here.iter().chain(&there).copied());
            let shown: Vec<String> = near
                .iter()
                .map(|n| match (there.contains(n), table.is_some()) {
                    (true, true) => format!("`{n}` (a top-level key)"),
                    (true, false) => format!("`{n}` (in [policy])"),
                    _ => format!("`{n}`"),
                })
                .collect();
            let hint = if shown.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", shown.join(" or "))
            };
            let place = if table.is_some() {
                "in [policy]: expected one of the options `nfdpi run --help` lists under Policy"
            } else {
                "at the top level: expected a long option of `nfdpi run`"
            };
            format!("unknown key `{name}`{hint} {place}")
        };
        self.at(key.span().start, message)
    }

    /// The values of a key, typed for how its option takes them.
    fn pieces(
        &self,
        kind: Kind,
        key: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Vec<Piece>, ConfigError> {
        let wrong = |v: &Spanned<DeValue<'_>>| {
            self.at(
                v.span().start,
                format!(
                    "expected {} for `{key}`, found {}",
                    kind.expected(),
                    found(v.get_ref())
                ),
            )
        };
        let scalar = |v: &Spanned<DeValue<'_>>| -> Result<Piece, ConfigError> {
            let text = match v.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
                    .map_err(|_| wrong(v))?
                    .to_string(),
                _ => return Err(wrong(v)),
            };
            Ok(Piece {
                text,
                span: v.span(),
            })
        };
        match (kind, value.get_ref()) {
            (Kind::Flag | Kind::Bool, DeValue::Boolean(b)) => Ok(vec![Piece {
                text: b.to_string(),
                span: value.span(),
            }]),
            (Kind::Flag | Kind::Bool, _) => Err(wrong(value)),
            (Kind::List, DeValue::Array(items)) => items.iter().map(scalar).collect(),
            (Kind::Scalar | Kind::List, _) => Ok(vec![scalar(value)?]),
        }
    }

    /// Check one value with the option's own value parser.
    fn validate(&self, long: &str, piece: &Piece) -> Result<(), ConfigError> {
        self.run
            .clone()
            .no_binary_name(true)
            .try_get_matches_from([format!("--{long}={}", piece.text)])
            .map(|_| ())
            .map_err(|e| self.at(inside_quotes(self.text, &piece.span), clap_reason(&e)))
    }

    /// Two keys whose options exclude each other: an error at the second.
    fn conflicts(&self, entries: &[Entry]) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let set: Vec<&Entry> = entries.iter().filter(|e| !e.tokens.is_empty()).collect();
        for (i, e) in set.iter().enumerate() {
            let earlier = set
                .get(..i)
                .unwrap_or_default()
                .iter()
                .find(|x| excludes(self.run, &x.id, &e.id));
            if let Some(x) = earlier {
                let line = line_col(self.text, x.key_span.start).0;
                errors.push(self.at(
                    e.key_span.start,
                    format!(
                        "expected `{}` or `{}`, found both (`{}` is set on line {line})",
                        x.name(),
                        e.name(),
                        x.name()
                    ),
                ));
            }
        }
        errors
    }
}

/// True when options `a` and `b` of `cmd` exclude each other (declared on either side).
pub(crate) fn excludes(cmd: &Command, a: &str, b: &str) -> bool {
    let declared = |x: &str, y: &str| {
        cmd.get_arguments()
            .find(|arg| arg.get_id() == x)
            .is_some_and(|arg| {
                cmd.get_arg_conflicts_with(arg)
                    .iter()
                    .any(|c| c.get_id() == y)
            })
    };
    declared(a, b) || declared(b, a)
}

/// A clap error as one line: what was wrong with the value and why.
pub(crate) fn clap_reason(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut parts: Vec<&str> = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("For more information") || l.starts_with("Usage:") {
            break;
        }
        if !l.is_empty() {
            parts.push(l.strip_prefix("error: ").unwrap_or(l));
        }
    }
    parts.join("; ")
}

/// Where a value's text starts: after its opening quote when it is a string.
pub(crate) fn inside_quotes(text: &str, span: &Range<usize>) -> usize {
    match text.get(span.clone()).and_then(|t| t.chars().next()) {
        Some('"' | '\'') => span.start + 1,
        _ => span.start,
    }
}

/// What a TOML value is, for "found …".
fn found(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the string \"{s}\""),
        DeValue::Integer(i) => format!("the integer {i}"),
        DeValue::Float(f) => format!("the float {f}"),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date-time {d}"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = (0..=offset.min(text.len()))
        .rev()
        .find(|&o| text.is_char_boundary(o))
        .unwrap_or(0);
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |n| n + 1);
    let col = before.get(start..).unwrap_or("").chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// An error at a byte offset of a file's text.
pub(crate) fn locate(path: &Path, text: &str, offset: usize, message: String) -> Located {
    let (line, col) = line_col(text, offset);
    Located {
        file: path.display().to_string(),
        line,
        col,
        message,
        text: text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or("")
            .to_string(),
    }
}
