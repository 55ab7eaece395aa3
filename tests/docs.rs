//! `docs/signatures.md` documents the format with examples that are tests: every fenced `sig`
//! block is a complete file that must load (its `example` lines run), and every construct of
//! the language is shown or described there.

use nfdpi::signature::SignatureSet;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/signatures.md"))
        .expect("docs/signatures.md")
}

/// The fenced blocks tagged `sig`, with the line each starts on.
fn sig_blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match (&mut cur, line.trim_end()) {
            (None, "```sig") => cur = Some((n + 2, String::new())),
            (Some(_), "```") => out.extend(cur.take()),
            (Some((_, body)), l) => {
                body.push_str(l);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_sig_block_in_the_docs_loads_and_its_examples_pass() {
    let text = doc();
    let blocks = sig_blocks(&text);
    assert!(blocks.len() >= 8, "found only {} sig blocks", blocks.len());
    for (line, body) in blocks {
        let name = format!("docs/signatures.md@{line}");
        if let Err(e) = SignatureSet::from_sources(&[(&name, &body)]) {
            panic!(
                "the sig block at docs/signatures.md:{line} does not load:\n{}",
                e[0]
            );
        }
    }
}

#[test]
fn the_docs_name_every_construct() {
    let text = doc();
    for word in [
        "protocol ",
        "rule ",
        "priority",
        "hold",
        "transport udp",
        "server-port",
        "client-port",
        "server-ip",
        "client-ip",
        "packet first",
        "first-to-server",
        "first-to-client",
        "packet within",
        "direction to-server",
        "direction to-client",
        "both-directions",
        "u8@",
        "u16@",
        "u32@",
        "& 0x",
        " in {",
        "..",
        "len ==",
        "len == u16@2 + 20",
        "prefix",
        "contains",
        "at 9",
        "stun",
        "stun cookie",
        "stun attr",
        "stun realm",
        "u16le@",
        "u32le@",
        "u8@-1",
        "rtp",
        "rtp pt",
        "rtcp",
        "dtls",
        "quic",
        "quic version",
        "host",
        "not ",
        "repeat N",
        "same u32@",
        "echo u16@0",
        "    broad\n",
        "echo u32@44 as u32@28",
        "example match",
        "example nomatch",
        "tcp:81",
        "ip:192.0.2.0/24:443",
        "host:\"example.org\"",
    ] {
        assert!(
            text.contains(word),
            "docs/signatures.md does not mention `{word}`"
        );
    }
}
