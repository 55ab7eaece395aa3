//! A per-packet filter over the whole set, before any rule is looked at: one bit per rule, set
//! when the payload's first eight bytes and its length class can pass the rule's gate. A
//! candidate whose bit is clear is skipped without reading the rule. It is built from the
//! gates (so it only ever refuses what the gate refuses; a test below checks it) for sets of
//! up to [`MAX_RULES`] rules; a larger set goes without it.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use super::gate::Gate;

/// Sets of up to this many rules get a prefilter (its bits live on the stack per packet).
pub(crate) const MAX_RULES: usize = WORDS * 64;
const WORDS: usize = 16;
/// Length classes: 8 bytes each, the last one open-ended.
const CLASSES: usize = 32;
const CLASS_BYTES: usize = 8;

/// The rules a packet may match, one bit each, in rule order.
pub(crate) type Bits = [u64; WORDS];

#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    /// Words in use (rules / 64, rounded up); 0: no prefilter.
    words: usize,
    /// `free[k * words ..][..words]`: rules whose gate fixes no bit of byte k.
    free: Vec<u64>,
    /// `head[(k * 256 + v) * words ..][..words]`: the other rules whose gate admits byte v at
    /// position k.
    head: Vec<u64>,
    /// `len[c * words ..][..words]`: rules whose gate admits a length of class c.
    len: Vec<u64>,
}

impl Prefilter {
    pub(crate) fn build(gates: &[&Gate]) -> Prefilter {
        if gates.is_empty() || gates.len() > MAX_RULES {
            return Prefilter::default();
        }
        let words = gates.len().div_ceil(64);
        let mut free = vec![0u64; 8 * words];
        let mut head = vec![0u64; 8 * 256 * words];
        let mut len = vec![0u64; CLASSES * words];
        for (i, g) in gates.iter().enumerate() {
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            let (mask, value) = g.head_bits();
            for k in 0..8 {
                let shift = 56 - 8 * k;
                let (mk, vk) = ((mask >> shift) as u8, (value >> shift) as u8);
                let admitted: &mut dyn Iterator<Item = u8> = match mk {
                    0 => {
                        if let Some(w) = free.get_mut(k * words + word) {
                            *w |= bit;
                        }
                        continue;
                    }
                    0xFF => &mut std::iter::once(vk),
                    _ => &mut (0..=255u8).filter(move |v| v & mk == vk),
                };
                for v in admitted {
                    if let Some(w) = head.get_mut((k * 256 + usize::from(v)) * words + word) {
                        *w |= bit;
                    }
                }
            }
            let (lo, hi) = g.lengths();
            for c in 0..CLASSES {
                let first = c * CLASS_BYTES;
                let last = if c + 1 == CLASSES {
                    usize::MAX
                } else {
                    first + CLASS_BYTES - 1
                };
                if lo <= last && first <= hi {
                    if let Some(w) = len.get_mut(c * words + word) {
                        *w |= bit;
                    }
                }
            }
        }
        Prefilter {
            words,
            free,
            head,
            len,
        }
    }

    /// The bits of a payload whose [`super::gate::head`] is `head`; `None` when the set has no
    /// prefilter.
    #[inline]
    pub(crate) fn bits(&self, payload_len: usize, head: u64) -> Option<Bits> {
        let n = self.words;
        if n == 0 {
            return None;
        }
        let mut bits = [0u64; WORDS];
        let class = (payload_len / CLASS_BYTES).min(CLASSES - 1);
        let out = bits.get_mut(..n)?;
        out.copy_from_slice(self.len.get(class * n..(class + 1) * n)?);
        for k in 0..8 {
            let v = (head >> (56 - 8 * k)) as u8;
            let at = (k * 256 + usize::from(v)) * n;
            let free = self.free.get(k * n..(k + 1) * n)?;
            for ((o, h), f) in out.iter_mut().zip(self.head.get(at..at + n)?).zip(free) {
                *o &= h | f;
            }
        }
        Some(bits)
    }
}

/// Whether rule `r`'s bit is set.
#[inline]
pub(crate) fn has(bits: &Bits, r: u16) -> bool {
    bits.get(usize::from(r) / 64)
        .is_some_and(|w| w >> (r % 64) & 1 == 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::signature::gate::head;
    use crate::signature::proptests::shipped;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// On the shipped set: a payload made to fit a rule's head (its fixed bytes, random
        /// others, random length) or random bytes; wherever a gate admits the payload, the
        /// prefilter keeps the rule's bit.
        #[test]
        fn the_prefilter_keeps_every_rule_whose_gate_admits(
            rule in any::<prop::sample::Index>(),
            noise in prop::collection::vec(any::<u8>(), 0..300),
            fit in any::<bool>(),
        ) {
            let set = shipped();
            let gates: Vec<&Gate> = set.rules.iter().map(|r| &r.gate).collect();
            let pre = &set.prefilter;
            let mut p = noise;
            if fit {
                let (mask, value) = gates[rule.index(gates.len())].head_bits();
                for (k, b) in p.iter_mut().take(8).enumerate() {
                    let shift = 56 - 8 * k;
                    let (mk, vk) = ((mask >> shift) as u8, (value >> shift) as u8);
                    *b = *b & !mk | vk;
                }
            }
            let bits = pre.bits(p.len(), head(&p)).unwrap();
            for (i, g) in gates.iter().enumerate() {
                if g.admits(&p, head(&p)) {
                    prop_assert!(has(&bits, i as u16), "rule {} on {:?}", i, p);
                }
            }
        }
    }

    #[test]
    fn the_prefilter_refuses_on_head_and_length() {
        let set = shipped();
        let gates: Vec<&Gate> = set.rules.iter().map(|r| &r.gate).collect();
        let pre = Prefilter::build(&gates);
        assert_eq!(pre.words, set.prefilter.words);
        // A payload of zeros is refused by the rules that want a nonzero first byte.
        let p = [0u8; 40];
        let bits = pre.bits(p.len(), head(&p)).unwrap();
        let kept = (0..gates.len()).filter(|&i| has(&bits, i as u16)).count();
        assert!(kept < gates.len() / 2, "{kept} of {} kept", gates.len());
        assert!(Prefilter::build(&[]).bits(0, 0).is_none());
    }
}
