//! Where an installed nfdpi finds its shipped files, and how a binary that lives in a source
//! tree tells itself apart from an installed one. Reads the file system only to compare paths;
//! loads nothing.

use std::path::{Path, PathBuf};

/// Where the Debian package installs the shipped signature set.
pub const SHIPPED_SIGNATURES: &str = "/usr/share/nfdpi/signatures";

/// The places the shipped set is looked for when neither `--signatures` nor
/// `$NFDPI_SIGNATURES` names one, in order; the caller takes the first that is a directory.
///
/// `source_tree` is the crate directory the binary was built from and `exe` the running binary.
/// A binary inside its source tree (`target/release/nfdpi`, `cargo run`, the tests) is a
/// development build and prefers that tree's `signatures/`. Any other binary prefers
/// [`SHIPPED_SIGNATURES`]: a packaged `/usr/bin/nfdpi` built in a CI checkout must not read
/// that checkout, which may still exist on the build machine with other signatures. The tree
/// comes last for `cargo install --path .` on a machine without the package.
pub fn shipped_signature_candidates(source_tree: &Path, exe: Option<&Path>) -> Vec<PathBuf> {
    let tree = source_tree.join("signatures");
    let installed = PathBuf::from(SHIPPED_SIGNATURES);
    if exe.is_some_and(|e| is_inside(e, source_tree)) {
        vec![tree, installed]
    } else {
        vec![installed, tree]
    }
}

/// True when `path` lies under `dir`, both resolved (symbolic links, `..`); false when either
/// cannot be resolved (a source tree that was moved or deleted).
fn is_inside(path: &Path, dir: &Path) -> bool {
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}

/// [`shipped_signature_candidates`] for this binary: its build directory and
/// `std::env::current_exe`.
pub fn this_binary_candidates() -> Vec<PathBuf> {
    let exe = std::env::current_exe().ok();
    shipped_signature_candidates(Path::new(env!("CARGO_MANIFEST_DIR")), exe.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("signatures")).unwrap();
        std::fs::create_dir_all(t.path().join("target/release")).unwrap();
        std::fs::write(t.path().join("target/release/nfdpi"), b"").unwrap();
        t
    }

    #[test]
    fn a_binary_in_its_tree_prefers_the_tree() {
        let t = tree();
        let exe = t.path().join("target/release/nfdpi");
        let c = shipped_signature_candidates(t.path(), Some(&exe));
        assert_eq!(
            c,
            [
                t.path().join("signatures"),
                PathBuf::from(SHIPPED_SIGNATURES)
            ]
        );
    }

    #[test]
    fn an_installed_binary_prefers_the_package_even_with_the_tree_present() {
        let t = tree();
        let elsewhere = tempfile::tempdir().unwrap();
        let exe = elsewhere.path().join("nfdpi");
        std::fs::write(&exe, b"").unwrap();
        let c = shipped_signature_candidates(t.path(), Some(&exe));
        assert_eq!(
            c,
            [
                PathBuf::from(SHIPPED_SIGNATURES),
                t.path().join("signatures")
            ]
        );
    }

    #[test]
    fn a_tree_reached_through_a_symlink_or_dotdot_still_counts() {
        let t = tree();
        let link_dir = tempfile::tempdir().unwrap();
        let link = link_dir.path().join("checkout");
        std::os::unix::fs::symlink(t.path(), &link).unwrap();
        let exe = t.path().join("target/release/../release/nfdpi");
        let c = shipped_signature_candidates(&link, Some(&exe));
        assert_eq!(c[0], link.join("signatures"));
    }

    #[test]
    fn a_moved_tree_or_an_unknown_binary_prefers_the_package() {
        let gone = Path::new("/nonexistent/nfdpi-build-tree");
        let c = shipped_signature_candidates(gone, Some(Path::new("/usr/bin/nfdpi")));
        assert_eq!(c[0], PathBuf::from(SHIPPED_SIGNATURES));
        let t = tree();
        assert_eq!(
            shipped_signature_candidates(t.path(), None)[0],
            PathBuf::from(SHIPPED_SIGNATURES)
        );
    }
}
