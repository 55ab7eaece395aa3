//! Reading a set's files: each path is a `.sig` file or a directory of them (not recursive,
//! sorted by name). It parses and compiles nothing.

use std::path::{Path, PathBuf};

use super::LoadError;

/// The `.sig` files under `paths`, in load order, each with its text.
pub(crate) fn read_sources(paths: &[PathBuf]) -> Result<Vec<(String, String)>, Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        match files_of(p) {
            Ok(mut found) => files.append(&mut found),
            Err(e) => errors.push(e),
        }
    }
    let mut sources = Vec::new();
    for f in &files {
        match std::fs::read_to_string(f) {
            Ok(text) => sources.push((f.display().to_string(), text)),
            Err(e) => errors.push(io_error(f, &e)),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// The file itself, or the `.sig` files of a directory, sorted.
fn files_of(p: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if p.is_dir() {
        let rd = std::fs::read_dir(p).map_err(|e| io_error(p, &e))?;
        let mut found: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "sig"))
            .collect();
        found.sort();
        Ok(found)
    } else if p.is_file() {
        Ok(vec![p.to_path_buf()])
    } else {
        Err(LoadError::Io {
            path: p.to_path_buf(),
            reason: "no such file or directory".into(),
        })
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}
