//! Precision of the default set (issue 11.2): no rule may name a flow on a property that random
//! bytes have with a probability above about one in a million per flow (20 bits, plus log2 of
//! the packets its window tries), unless an address range, an `echo` or a `confirm` backs it. The count is `SignatureSet::weak_rules`'s (see
//! `docs/signatures.md`, "Precision").

use std::path::PathBuf;

use nfdpi::signature::precision::MIN_BITS;
use nfdpi::signature::SignatureSet;

#[test]
fn every_default_rule_names_flows_on_20_bits_or_is_backed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures");
    let set = SignatureSet::load(&[dir]).expect("the shipped set loads");
    let weak = set.weak_rules();
    let list: Vec<String> = weak
        .iter()
        .map(|w| {
            format!(
                "  {} ({}): {:.1} bits, its window needs {:.1}",
                w.location, w.protocol, w.bits, w.needed
            )
        })
        .collect();
    assert!(
        weak.is_empty(),
        "{} rule(s) of the default set name a flow on less than {MIN_BITS} bits (plus log2 of their tries) of payload \
         evidence (a random datagram passes more often than once in a million). Add fixed \
         fields, a length equal to the datagram, `repeat N same uW@X` or `echo` (docs/signatures.md, \
         \"Precision\"); back a call rule with `confirm`, or move the rule to signatures/opt-in/:\n{}",
        weak.len(),
        list.join("\n")
    );
}
