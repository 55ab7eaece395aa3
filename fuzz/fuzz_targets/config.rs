//! The configuration file (`--config FILE`, TOML) from text: any bytes, valid UTF-8 or not
//! (invalid bytes reach the parser as U+FFFD), checked against the options of `nfdpi run` by
//! `config::check_text`, the file parser without I/O. It returns the file or located errors,
//! never a panic; every error names the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nfdpi::config::check_text;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Err(errors) = check_text(Path::new("fuzz.toml"), text) {
        assert!(!errors.is_empty(), "refused without an error");
        for e in errors {
            let shown = e.to_string();
            assert!(
                shown.contains("fuzz.toml"),
                "an error without its file: {shown}"
            );
        }
    }
});
