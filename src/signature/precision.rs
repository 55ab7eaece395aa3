//! Precision: how much evidence against random bytes each rule asks for, in bits (about -log2 of
//! the chance that a random datagram passes its payload tests). A rule that names a flow on less
//! than [`MIN_BITS`] is weak: one flow of random bytes in a million could take its name. Rules
//! backed by an address range (a company's own space), by an `echo`, or that wait for
//! confirmation (`confirm`) are not weak whatever their bits. It matches no packets.
//!
//! The count follows `docs/signatures.md` ("Precision"): ports, positions and directions count
//! nothing (an attacker chooses them); a fixed byte 8 bits, a mask its set bits, a range of k
//! values out of 2^w `w - log2 k`; a fixed length about 10.5 (one size of ~1,500), a length
//! equal to a field the field's width; a literal 8 bits a byte; a helper what it says
//! (`proto::Check::bits`); `repeat N same` 32 bits more per extra packet of a u32 (its width for
//! a narrower field), `repeat N` the tests again per packet; `echo` the field's width. Negated
//! tests and `<`, `>` comparisons count nothing.

use super::parse::{Cmp, Field, Op, Test, TestKind};
use super::{CompiledRule, SignatureSet};

/// Bits a default-set rule must reach per flow (one in a million is 19.9). A rule gets a try on
/// each packet of its window, so it needs `MIN_BITS + log2(tries)` per packet (see
/// [`needed_bits`]).
pub const MIN_BITS: f64 = 20.0;

/// Datagram sizes a length test chooses among.
const SIZES: f64 = 1500.0;

/// A rule that names flows on too little.
#[derive(Debug, Clone, PartialEq)]
pub struct Weak {
    pub protocol: String,
    /// Where the rule is written: `zoom.sig:12`.
    pub location: String,
    pub bits: f64,
    /// What its window asks for: [`MIN_BITS`] plus log2 of its tries.
    pub needed: f64,
}

impl SignatureSet {
    /// Every rule that names a flow on less payload evidence than its window needs (a chance
    /// above one in a million per flow of random bytes), with no address range, `echo` or
    /// `confirm` to back it.
    pub fn weak_rules(&self) -> Vec<Weak> {
        self.rules
            .iter()
            .filter(|r| !backed(r))
            .filter_map(|r| {
                let (bits, needed) = (rule_bits(r), needed_bits(r));
                (bits < needed).then(|| Weak {
                    protocol: r.label.protocol.clone(),
                    location: r.label.location.clone(),
                    bits,
                    needed,
                })
            })
            .collect()
    }
}

/// The bits a rule needs so that a flow of random bytes takes its name less than once in a
/// million: [`MIN_BITS`] plus log2 of the number of tries its window gives it (W packets for a
/// one-packet rule, the ways of choosing N of them for `repeat N`).
pub(crate) fn needed_bits(r: &CompiledRule) -> f64 {
    let w = r.window.clamp(1, 1 << 16);
    let n = r.repeat.map_or(1, |rep| u32::from(rep.count.max(1))).min(w);
    // log2 C(w, n), summed term by term.
    let tries: f64 = (0..n)
        .map(|i| (f64::from(w - i) / f64::from(i + 1)).log2())
        .sum();
    MIN_BITS + tries.max(0.0)
}

fn backed(r: &CompiledRule) -> bool {
    r.label.confirm.is_some()
        || r.echo.is_some()
        || r.tests
            .iter()
            .any(|t| !t.negated && matches!(t.kind, TestKind::Ip(..)))
}

/// A rule's payload evidence, in bits.
pub(crate) fn rule_bits(r: &CompiledRule) -> f64 {
    let one: f64 = r.tests.iter().map(test_bits).sum();
    match r.repeat {
        Some(rep) => match rep.same {
            Some(f) => one + field_width(f) * f64::from(rep.count.saturating_sub(1)),
            None => one * f64::from(rep.count),
        },
        None => one,
    }
}

fn field_width(f: Field) -> f64 {
    8.0 * f64::from(f.width)
}

fn test_bits(t: &Test) -> f64 {
    if t.negated {
        return 0.0;
    }
    match &t.kind {
        TestKind::Field(f, mask, c) => {
            let w = mask.map_or(field_width(*f), |m| f64::from(m.count_ones()));
            let space = w.exp2();
            cmp_bits(c, space, mask.unwrap_or(u32::MAX))
        }
        TestKind::Len(c) => cmp_bits(c, SIZES, u32::MAX),
        TestKind::LenField(Op::Eq, f, _) => field_width(*f),
        TestKind::Prefix(lit) | TestKind::At(_, lit) => 8.0 * lit.len() as f64,
        TestKind::Contains(lit) => (8.0 * lit.len() as f64 - SIZES.log2()).max(0.0),
        TestKind::Proto(p) => p.check().bits(),
        _ => 0.0,
    }
}

/// Bits of a comparison among `space` equally likely values (`mask` bounds a range's count).
fn cmp_bits(c: &Cmp, space: f64, mask: u32) -> f64 {
    let k = match c {
        Cmp::Op(Op::Eq, _) => 1.0,
        Cmp::Range(a, b) => f64::from(b.saturating_sub(*a).min(mask)) + 1.0,
        Cmp::Set(s) => s.len() as f64,
        Cmp::Op(..) => return 0.0,
    };
    (space / k.max(1.0)).log2().max(0.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn bits(src: &str) -> f64 {
        let text = format!("protocol P id 1 category Custom\n  rule r\n{src}");
        let set = SignatureSet::from_sources(&[("t.sig", &text)]).unwrap();
        rule_bits(&set.rules[0])
    }

    #[test]
    fn bits_follow_the_documented_count() {
        assert_eq!(bits("    u8@0 == 0x16\n"), 8.0);
        assert_eq!(bits("    u16@0 == 0x1337\n    u8@2 & 0xc0 == 0x80\n"), 18.0);
        assert_eq!(bits("    u8@0 in 0x14..0x17\n"), 6.0);
        assert_eq!(bits("    u8@0 in {1, 2, 3, 4}\n"), 6.0);
        assert_eq!(bits("    len == u16@2 + 20\n"), 16.0);
        assert_eq!(bits("    prefix \"M-SEARCH\"\n"), 64.0);
        assert_eq!(bits("    u8@0 > 3\n    not u8@1 == 0\n    port 53\n"), 0.0);
        assert_eq!(bits("    u8@2 == 2\n    repeat 2 same u32@7\n"), 40.0);
        assert_eq!(bits("    u8@2 == 2\n    repeat 3\n"), 24.0);
        assert!((bits("    len == 10\n") - 1500f64.log2()).abs() < 1e-9);
        assert_eq!(bits("    stun cookie\n"), 50.0);
    }

    #[test]
    fn weak_rules_are_listed_unless_backed() {
        let src = "protocol P id 1 category Custom\n  rule weak\n    u8@0 == 1\n  rule strong\n    u32@0 == 0x2112a442\n  rule relay\n    ip 52.112.0.0/14\n    u8@0 == 1\n  rule confirmed\n    u8@0 == 2\n    confirm 4 by rtp\n  rule echoed\n    u8@0 == 3\n    echo u16@1\n";
        let set = SignatureSet::from_sources(&[("t.sig", src)]).unwrap();
        let weak = set.weak_rules();
        assert_eq!(weak.len(), 1, "{weak:?}");
        assert_eq!((weak[0].location.as_str(), weak[0].bits), ("t.sig:2", 8.0));
        assert!((weak[0].needed - (MIN_BITS + 24f64.log2())).abs() < 1e-9);
    }
}
