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

/// The file itself, or the `.sig` files of a directory, sorted. A path that cannot be looked at
/// says why (permission denied is not "no such file"); an entry of a directory is taken on its
/// name, so one that cannot be read is an error rather than silently left out.
fn files_of(p: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let meta = std::fs::metadata(p).map_err(|e| io_error(p, &e))?;
    if meta.is_dir() {
        let rd = std::fs::read_dir(p).map_err(|e| io_error(p, &e))?;
        let mut found: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().map_or(true, |t| !t.is_dir()))
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| x == "sig"))
            .collect();
        found.sort();
        Ok(found)
    } else if meta.is_file() {
        Ok(vec![p.to_path_buf()])
    } else {
        Err(LoadError::Io {
            path: p.to_path_buf(),
            reason: "not a file or a directory".into(),
        })
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            // SAFETY: geteuid has no preconditions and cannot fail.
            let uid = unsafe { libc::geteuid() };
            format!("permission denied (nfdpi runs as uid {uid})")
        }
        _ => e.to_string(),
    };
    LoadError::Io {
        path: path.to_path_buf(),
        reason,
    }
}
