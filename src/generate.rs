//! Man pages and shell completion scripts, rendered from the clap definitions of [`crate::cli`]
//! (`nfdpi generate`), so that they cannot drift from `--help`. The Debian package is built from
//! their output. Knows nothing of packets, flows or signatures.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{Cli, Shell};

/// Write `nfdpi.1` and one `nfdpi-SUBCOMMAND.1` per visible subcommand into `dir` (created if
/// absent). Returns the files written, the top-level page first.
pub fn man_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    // Built first so that subcommands carry their full names (`nfdpi-classify`) and the
    // version and global options they inherit.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut written = vec![write_page(cmd.clone(), dir)?];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        written.push(write_page(sub.clone(), dir)?);
    }
    Ok(written)
}

fn write_page(cmd: clap::Command, dir: &Path) -> io::Result<PathBuf> {
    let source = format!("nfdpi {}", env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(cmd.clone())
        .source(source)
        .manual("nfdpi manual");
    let path = dir.join(man.get_filename());
    let mut out = io::BufWriter::new(std::fs::File::create(&path)?);
    render(&man, &cmd, &mut out)?;
    out.flush()?;
    Ok(path)
}

/// clap_mangen's page, except that the text after the options (`after_help`: mark layout,
/// signals, exit codes) keeps its line breaks, as `--help` shows it, under NOTES.
fn render(man: &clap_mangen::Man, cmd: &clap::Command, w: &mut dyn Write) -> io::Result<()> {
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(w)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(w)?;
    }
    if let Some(notes) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        let mut roff = roff::Roff::new();
        roff.control("SH", ["NOTES"]).control("nf", []);
        for line in notes.to_string().lines() {
            roff.text([roff::roman(line)]);
        }
        roff.control("fi", []).to_writer(w)?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(w)?;
    }
    Ok(())
}

/// Write the completion script for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    // clap_complete offers hidden subcommands too: complete a copy without them.
    let full = Cli::command();
    let name = "nfdpi";
    let mut cmd = clap::Command::new(name)
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    match shell {
        Shell::Bash => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, name, out),
        Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, name, out),
        Shell::Fish => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, name, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_visible_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let pages = man_pages(dir.path()).unwrap();
        let names: Vec<String> = pages
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let mut expected = vec!["nfdpi.1".to_string()];
        expected.extend(
            Cli::command()
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| format!("nfdpi-{}.1", s.get_name())),
        );
        assert_eq!(names, expected);
        assert!(!names.iter().any(|n| n.contains("generate")), "{names:?}");
    }

    #[test]
    fn completions_name_the_subcommands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            for sub in Cli::command()
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
            {
                assert!(
                    text.contains(sub.get_name()),
                    "{shell:?} completion lacks {}",
                    sub.get_name()
                );
            }
            assert!(
                text.contains("max-flows"),
                "{shell:?} completion lacks --max-flows"
            );
            assert!(
                !text.contains("generate"),
                "{shell:?} completion offers `generate`"
            );
        }
    }
}
