//! Which signatures load: the shipped set (found by a search, or named exactly by
//! `--signatures`) and the local files of `--signatures-add` on top of it. A local protocol may
//! add to the set, never redefine a shipped one: reusing a shipped name or id is an error that
//! names both files. Built above the loader (`SignatureSet::from_sources` and
//! `signature::parse::parse_file`), so the loader itself does not know about layers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::file::locate;
use crate::cli::SignatureArgs;
use crate::install;
use crate::signature::parse::{self, Item};
use crate::signature::SignatureSet;

/// The places searched for the shipped set, in order: `$NFDPI_SIGNATURES` when set, then
/// [`install::this_binary_candidates`]: /usr/share/nfdpi/signatures before the `signatures/`
/// directory of the source tree the binary was built from, unless the binary runs from inside
/// that tree (a development build).
pub fn default_signatures() -> Result<PathBuf, String> {
    search(
        std::env::var_os("NFDPI_SIGNATURES").map(PathBuf::from),
        &install::this_binary_candidates(),
    )
}

/// `env` wins when set (the loader then reports it if it is missing); else the first candidate
/// that is a directory. The error lists every place searched.
pub fn search(env: Option<PathBuf>, candidates: &[PathBuf]) -> Result<PathBuf, String> {
    if let Some(p) = env {
        return Ok(p);
    }
    if let Some(found) = candidates.iter().find(|c| c.is_dir()) {
        return Ok(found.clone());
    }
    let mut places = vec!["$NFDPI_SIGNATURES (not set)".to_string()];
    places.extend(candidates.iter().map(|c| {
        let why = if c.exists() {
            "not a directory"
        } else {
            "absent"
        };
        format!("{} ({why})", c.display())
    }));
    Err(format!(
        "no signature set found; searched: {}. Name one with --signatures PATH or NFDPI_SIGNATURES",
        places.join(", ")
    ))
}

/// The signature set the options name, every error rendered: `--no-signatures` (empty),
/// `--signatures` (exactly those paths), or the shipped set plus `--signatures-add`.
pub fn load(args: &SignatureArgs) -> Result<SignatureSet, Vec<String>> {
    if args.no_signatures {
        return Ok(SignatureSet::empty());
    }
    let base = if args.signatures.is_empty() {
        vec![default_signatures().map_err(|e| vec![e])?]
    } else {
        args.signatures.clone()
    };
    let shipped = read_all(&base)?;
    let local = read_all(&args.signatures_add)?;
    if !shipped.iter().any(|(_, text)| declares_something(text)) {
        let names: Vec<String> = base.iter().map(|p| p.display().to_string()).collect();
        return Err(vec![format!("no signatures found in {}", names.join(", "))]);
    }
    let clashes = collisions(&shipped, &local);
    if !clashes.is_empty() {
        return Err(clashes);
    }
    let all: Vec<(&str, &str)> = shipped
        .iter()
        .chain(&local)
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    SignatureSet::from_sources(&all).map_err(|errs| errs.iter().map(|e| e.to_string()).collect())
}

/// The `*.sig` files of each path (a directory, not recursed, in name order; or a file), read.
fn read_all(paths: &[PathBuf]) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(rd) => {
                    let mut found: Vec<PathBuf> = rd
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "sig"))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => errors.push(format!("{}: {e}", p.display())),
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            errors.push(format!("{}: no such file or directory", p.display()));
        }
    }
    let mut out = Vec::new();
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(text) => out.push((f.display().to_string(), text)),
            Err(e) => errors.push(format!("{}: {e}", f.display())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// True when a file's text holds anything but blank lines and comments.
fn declares_something(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

/// A protocol the shipped set declares.
struct Shipped<'a> {
    name: &'a str,
    id: u16,
    file: &'a str,
    line: u32,
}

/// Each local protocol declaration (or nDPI line) that reuses a shipped protocol's name or id,
/// as an error at the local line that names the shipped file and line. A file that does not
/// parse is left to the loader, which reports its syntax errors.
fn collisions(shipped: &[(String, String)], local: &[(String, String)]) -> Vec<String> {
    let parsed: Vec<(&str, parse::File)> = shipped
        .iter()
        .filter_map(|(n, t)| Some((n.as_str(), parse::parse_file(n, t).ok()?)))
        .collect();
    let mut by_name: HashMap<String, Shipped<'_>> = HashMap::new();
    let mut by_id: HashMap<u16, String> = HashMap::new();
    for (file, f) in &parsed {
        for item in &f.items {
            if let Item::Protocol(p) = item {
                let key = p.name.to_ascii_lowercase();
                by_id.entry(p.id).or_insert_with(|| key.clone());
                by_name.entry(key).or_insert(Shipped {
                    name: &p.name,
                    id: p.id,
                    file,
                    line: p.line,
                });
            }
        }
    }
    let mut errors = Vec::new();
    for (file, text) in local {
        let Ok(f) = parse::parse_file(file, text) else {
            continue;
        };
        for item in &f.items {
            let (name, id, line) = match item {
                Item::Protocol(p) => (p.name.as_str(), Some(p.id), p.line),
                Item::Custom(c) => (c.name.as_str(), None, c.line),
            };
            let clash = by_name
                .get(&name.to_ascii_lowercase())
                .or_else(|| id.and_then(|i| by_id.get(&i)).and_then(|k| by_name.get(k)));
            let Some(s) = clash else { continue };
            let what = if s.name.eq_ignore_ascii_case(name) {
                format!("the name `{name}`")
            } else {
                format!("id {}", s.id)
            };
            let offset = line_offset(text, line);
            let message = format!(
                "expected a protocol of its own in a local signature file, found {what}, which the shipped set gives to `{}` (id {}) at {}:{}: local signatures add protocols and cannot redefine shipped ones; pick a name and an id that `nfdpi protocols` does not list",
                s.name, s.id, s.file, s.line
            );
            errors.push(locate(Path::new(file), text, offset, message).to_string());
        }
    }
    errors
}

/// The byte offset at which 1-based `line` starts (after its indentation).
fn line_offset(text: &str, line: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            return offset + (l.len() - l.trim_start().len());
        }
        offset += l.len();
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(signatures: Vec<PathBuf>, add: Vec<PathBuf>) -> SignatureArgs {
        SignatureArgs {
            config: None,
            signatures,
            signatures_add: add,
            no_signatures: false,
        }
    }

    const SHIPPED: &str =
        "protocol DNS id 5 category Network\n  rule d\n    port 53\n    len >= 12\n";

    #[test]
    fn a_local_protocol_loads_on_top_of_the_shipped_set() {
        let dir = tempfile::tempdir().unwrap();
        let (base, local) = (dir.path().join("base"), dir.path().join("local"));
        std::fs::create_dir_all(&base).unwrap();
        std::fs::create_dir_all(&local).unwrap();
        std::fs::write(base.join("dns.sig"), SHIPPED).unwrap();
        std::fs::write(
            local.join("school.sig"),
            "protocol SchoolApp id 4000 category Custom\n  rule s\n    u32@0 == 0x5343484f\n",
        )
        .unwrap();
        let set = load(&args(vec![base], vec![local])).unwrap();
        let names: Vec<&str> = set.protocol_names().collect();
        assert_eq!(names, ["DNS", "SchoolApp"]);
    }

    #[test]
    fn a_local_protocol_may_not_reuse_a_shipped_name_or_id() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(base.join("dns.sig"), SHIPPED).unwrap();
        let local = dir.path().join("mine.sig");
        std::fs::write(
            &local,
            "# mine\nprotocol dns id 6000 category Custom\n  rule a\n    u8@0 == 1\n\
             protocol Other id 5 category Custom\n  rule b\n    u8@0 == 2\n\
             udp:7000@DNS\n",
        )
        .unwrap();
        let e = load(&args(vec![base.clone()], vec![local.clone()])).unwrap_err();
        assert_eq!(e.len(), 3, "{e:#?}");
        let shipped_at = format!("{}:1", base.join("dns.sig").display());
        assert!(
            e[0].starts_with(&format!("{}:2:1: ", local.display()))
                && e[0].contains("found the name `dns`")
                && e[0].contains(&shipped_at),
            "{}",
            e[0]
        );
        assert!(
            e[1].contains(":5:1: ")
                && e[1].contains("found id 5, which the shipped set gives to `DNS` (id 5)"),
            "{}",
            e[1]
        );
        assert!(
            e[2].contains(":8:1: ") && e[2].contains("the name `DNS`"),
            "{}",
            e[2]
        );
        assert!(e[0].contains("2 | protocol dns id 6000"), "{}", e[0]);
    }

    #[test]
    fn signatures_means_exactly_that_set() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("only.sig");
        std::fs::write(&f, SHIPPED).unwrap();
        let set = load(&args(vec![f], Vec::new())).unwrap();
        assert_eq!(set.protocol_names().collect::<Vec<_>>(), ["DNS"]);
    }

    #[test]
    fn an_empty_shipped_set_is_an_error_even_with_local_files() {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("l.sig");
        std::fs::write(&local, SHIPPED).unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let e = load(&args(vec![empty.clone()], vec![local])).unwrap_err();
        assert_eq!(e, [format!("no signatures found in {}", empty.display())]);
        let missing = dir.path().join("nope");
        let e = load(&args(vec![missing.clone()], Vec::new())).unwrap_err();
        assert_eq!(
            e,
            [format!("{}: no such file or directory", missing.display())]
        );
    }

    #[test]
    fn the_search_error_lists_every_place_searched() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&b, "").unwrap();
        let e = search(None, &[a.clone(), b.clone()]).unwrap_err();
        assert_eq!(
            e,
            format!(
                "no signature set found; searched: $NFDPI_SIGNATURES (not set), {} (absent), {} (not a directory). Name one with --signatures PATH or NFDPI_SIGNATURES",
                a.display(),
                b.display()
            )
        );
        std::fs::create_dir_all(&a).unwrap();
        assert_eq!(search(None, &[b.clone(), a.clone()]), Ok(a.clone()));
        assert_eq!(search(Some(b.clone()), &[a]), Ok(b));
    }
}
