//! The compiled, immutable signature set, shared behind an `Arc` and swapped whole on reload.
//!
//! It owns loading (parse every file, compile, run the examples) and the protocol labels that
//! flows carry once identified. It never touches packets itself: `matcher` does.

pub mod matcher;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What an identified flow carries: the protocol and the rule that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// nDPI's protocol name where one exists (`Skype_Teams`, `STUN`, …).
    pub protocol: String,
    /// Numeric protocol id (nDPI's numbering where one exists); goes into the packet mark.
    pub id: u16,
    /// Category (`VoIP`, `VPN`, …).
    pub category: String,
    /// Where the rule that matched is written: `skype.sig:12`.
    pub location: String,
}

/// Errors that refuse a whole set. Each is rendered like a compiler's message.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{0}")]
    Syntax(String),
    #[error("no signatures found in {0}")]
    Empty(String),
}

/// A compiled set of signatures. Immutable once built.
#[derive(Debug, Default)]
pub struct SignatureSet {
    pub(crate) labels: Vec<Arc<Label>>,
}

impl SignatureSet {
    /// A set without rules: every flow stays Unknown. Used by `--no-signatures` measurements.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Load every `*.sig` file under each path (a directory or a file). Any error refuses the
    /// whole set; an empty set is an error too.
    pub fn load(paths: &[PathBuf]) -> Result<Self, Vec<LoadError>> {
        let mut errors = Vec::new();
        for p in paths {
            if !Path::new(p).exists() {
                errors.push(LoadError::Io {
                    path: p.clone(),
                    reason: "no such file or directory".into(),
                });
            }
        }
        if errors.is_empty() {
            errors.push(LoadError::Empty(
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        Err(errors)
    }

    /// Number of protocols the set can name.
    pub fn protocol_count(&self) -> usize {
        self.labels.len()
    }

    /// The protocol names this set can give, for validating `--allow`/`--deny`.
    pub fn protocol_names(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(|l| l.protocol.as_str())
    }
}
