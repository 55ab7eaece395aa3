//! A rule's gate: a few necessary conditions of its payload tests, checked before the tests
//! themselves. The payload's length must lie in the range the tests admit (a `len` test, or
//! the bytes a field, literal or `contains` needs) and equal the length field of a
//! `len == uW@OFF + N` test; the rule's most selective fixed field (`uW@OFF == N`, masked or
//! not) must have its value; and the byte field that admits the fewest values
//! (`u8@OFF in 1..13`) must hold one of them. Most candidates of a packet fail here on a few
//! compares, instead of walking their test list. The tests a gate checks exactly are not run
//! again: a payload passes all of a rule's tests exactly when its gate admits it and it passes
//! the tests left (checked below on a grid and at random, and by `tests/index.rs` against the
//! plain tests on real frames).
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use super::matcher::{compare, read};
use super::parse::{Cmp, Field, Op, Test, TestKind};
use crate::proto::ByteSet;

/// What a rule's payload must have before its tests are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gate {
    min_len: usize,
    max_len: usize,
    /// The bits of the payload's first eight bytes (big-endian, see [`head`]) that its fixed
    /// fields there fix, and their values.
    head_mask: u64,
    head_value: u64,
    /// A field, its mask (all ones when none) and the value it must have.
    word: Option<(Field, u32, u32)>,
    /// A byte field and the values it admits.
    byte: Option<(Field, ByteSet)>,
    /// `len == uW@OFF + N`: the field and N.
    len_field: Option<(Field, i32)>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate {
            min_len: 0,
            max_len: usize::MAX,
            head_mask: 0,
            head_value: 0,
            word: None,
            byte: None,
            len_field: None,
        }
    }
}

impl Gate {
    /// The gate of a rule with these tests (its non-negated payload tests count; the others
    /// admit every payload).
    #[cfg(test)]
    pub(crate) fn of(tests: &[Test]) -> Gate {
        Gate::split(tests).0
    }

    /// The gate of a rule with these tests, and the tests it leaves to try: those it does not
    /// decide exactly. A payload passes every test exactly when the gate admits it and it
    /// passes the tests left (checked by a test below).
    pub(crate) fn split(tests: &[Test]) -> (Gate, Vec<Test>) {
        let mut g = Gate::default();
        let mut decided = vec![false; tests.len()];
        let (mut best_bits, mut fewest) = (0, 256);
        let (mut word_at, mut byte_at, mut len_field_at) = (None, None, None);
        for (i, t) in tests.iter().enumerate().filter(|(_, t)| !t.negated) {
            let (lo, hi) = lengths(&t.kind);
            g.min_len = g.min_len.max(lo);
            g.max_len = g.max_len.min(hi);
            // A length range says all a `len` test says, but `!=` and a set of lengths.
            let exact_len = matches!(
                t.kind,
                TestKind::Len(
                    Cmp::Range(..) | Cmp::Op(Op::Eq | Op::Ge | Op::Gt | Op::Le | Op::Lt, _)
                )
            );
            if let (true, Some(d)) = (exact_len, decided.get_mut(i)) {
                *d = true;
            }
            if let TestKind::Field(f, mask, Cmp::Op(Op::Eq, n)) = &t.kind {
                let m = mask.unwrap_or(u32::MAX) & f.max();
                if n & !m != 0 {
                    // Never equal: no payload passes.
                    (g.min_len, g.max_len) = (usize::MAX, 0);
                    continue;
                }
                if let Some((m, v)) = head_bits(f, m, *n) {
                    if (g.head_value ^ v) & g.head_mask & m != 0 {
                        // Two fixed fields that want different bits: no payload passes both.
                        (g.min_len, g.max_len) = (usize::MAX, 0);
                    }
                    g.head_mask |= m;
                    g.head_value |= v;
                    if let Some(d) = decided.get_mut(i) {
                        *d = true;
                    }
                    continue;
                }
                if f.width > 1 {
                    // Past the head: the widest such field is the gate's word.
                    if m.count_ones() > best_bits {
                        best_bits = m.count_ones();
                        g.word = Some((*f, m, *n));
                        word_at = Some(i);
                    }
                    continue;
                }
            }
            match &t.kind {
                TestKind::Field(f, mask, c) if f.width == 1 => {
                    let admitted = ByteSet::from_fn(|b| {
                        compare(mask.map_or(b.into(), |m| u32::from(b) & m), c)
                    });
                    if admitted.len() < fewest {
                        fewest = admitted.len();
                        g.byte = Some((*f, admitted));
                        byte_at = Some(i);
                    }
                }
                TestKind::LenField(Op::Eq, f, add) if g.len_field.is_none() => {
                    g.len_field = Some((*f, *add));
                    len_field_at = Some(i);
                }
                _ => {}
            }
        }
        for i in [word_at, byte_at, len_field_at].into_iter().flatten() {
            if let Some(d) = decided.get_mut(i) {
                *d = true;
            }
        }
        let left = tests
            .iter()
            .zip(&decided)
            .filter(|(_, &d)| !d)
            .map(|(t, _)| t.clone())
            .collect();
        (g, left)
    }

    /// The payload lengths the gate admits, as an inclusive range.
    pub(crate) fn lengths(&self) -> (usize, usize) {
        (self.min_len, self.max_len)
    }

    /// The head bits the gate fixes, and their values.
    pub(crate) fn head_bits(&self) -> (u64, u64) {
        (self.head_mask, self.head_value)
    }

    /// Whether a payload may pass the tests: false only when it cannot. `head` is the
    /// payload's [`head`], computed once per packet.
    #[inline]
    pub(crate) fn admits(&self, p: &[u8], head: u64) -> bool {
        if p.len() < self.min_len
            || p.len() > self.max_len
            || head & self.head_mask != self.head_value
        {
            return false;
        }
        if let Some((f, add)) = self.len_field {
            let equal = read(p, f).is_some_and(|v| {
                i64::try_from(p.len()).unwrap_or(i64::MAX) == i64::from(v) + i64::from(add)
            });
            if !equal {
                return false;
            }
        }
        if let Some((f, mask, value)) = self.word {
            if read(p, f).is_none_or(|v| v & mask != value) {
                return false;
            }
        }
        match self.byte {
            Some((f, bytes)) => read(p, f).is_some_and(|b| bytes.contains(b as u8)),
            None => true,
        }
    }
}

/// A payload's first eight bytes as a big-endian number, zeros past its end (a gate's length
/// check comes first, so a short payload is never judged on them).
#[inline]
pub(crate) fn head(p: &[u8]) -> u64 {
    match p.first_chunk::<8>() {
        Some(b) => u64::from_be_bytes(*b),
        None => p
            .iter()
            .enumerate()
            .fold(0, |acc, (i, &b)| acc | u64::from(b) << (56 - 8 * i)),
    }
}

/// The bits of [`head`] a field test `uW@OFF & mask == n` fixes, and their values, when the
/// field lies in the first eight bytes (n within the mask).
fn head_bits(f: &Field, mask: u32, n: u32) -> Option<(u64, u64)> {
    let off = usize::try_from(f.offset).ok()?;
    let w = usize::from(f.width);
    if off.checked_add(w)? > 8 {
        return None;
    }
    let (mut hm, mut hv) = (0u64, 0u64);
    for i in 0..w {
        // The field's byte i in payload order is its most significant one first big-endian.
        let shift = if f.le { 8 * i } else { 8 * (w - 1 - i) };
        let at = 56 - 8 * (off + i);
        hm |= u64::from(mask >> shift & 0xFF) << at;
        hv |= u64::from(n >> shift & 0xFF) << at;
    }
    Some((hm, hv))
}

/// The payload lengths a non-negated test admits, as an inclusive range.
fn lengths(k: &TestKind) -> (usize, usize) {
    let any = (0, usize::MAX);
    let need = |f: &Field| -> usize {
        let w = usize::from(f.width);
        match usize::try_from(f.offset) {
            Ok(o) => o.saturating_add(w),
            // `u16@-2`: the payload holds at least as many bytes as the offset goes back.
            Err(_) => usize::try_from(f.offset.unsigned_abs())
                .unwrap_or(usize::MAX)
                .max(w),
        }
    };
    let n = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
    match k {
        TestKind::Field(f, ..) | TestKind::LenField(_, f, _) => (need(f), usize::MAX),
        TestKind::Len(Cmp::Op(o, v)) => match o {
            Op::Eq => (n(*v), n(*v)),
            Op::Ge => (n(*v), usize::MAX),
            Op::Gt => (n(*v).saturating_add(1), usize::MAX),
            Op::Le => (0, n(*v)),
            // `len < 0` admits nothing: an empty range.
            Op::Lt => n(*v).checked_sub(1).map_or((1, 0), |m| (0, m)),
            Op::Ne => any,
        },
        TestKind::Len(Cmp::Range(a, b)) => (n(*a), n(*b)),
        TestKind::Len(Cmp::Set(s)) => match (s.iter().min(), s.iter().max()) {
            (Some(a), Some(b)) => (n(*a), n(*b)),
            _ => (1, 0),
        },
        TestKind::At(off, lit) => (usize::from(*off).saturating_add(lit.len()), usize::MAX),
        TestKind::Prefix(lit) => (lit.len(), usize::MAX),
        TestKind::Contains(lit) => (lit.len().max(1), usize::MAX),
        _ => any,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::packet::UDP;
    use crate::signature::matcher::tests_hold;
    use proptest::prelude::*;

    fn field() -> impl Strategy<Value = Field> {
        (
            prop::sample::select(vec![1u8, 2, 4]),
            -6i32..8,
            any::<bool>(),
        )
            .prop_map(|(width, offset, le)| Field { width, offset, le })
    }

    fn cmp() -> impl Strategy<Value = Cmp> {
        prop_oneof![
            (
                prop::sample::select(vec![Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]),
                0u32..12
            )
                .prop_map(|(o, v)| Cmp::Op(o, v)),
            (0u32..6, 0u32..12).prop_map(|(a, b)| Cmp::Range(a, a + b)),
            prop::collection::vec(0u32..12, 0..4).prop_map(Cmp::Set),
        ]
    }

    fn test_kind() -> impl Strategy<Value = TestKind> {
        let lit = || prop::collection::vec(0u8..3, 0..4);
        prop_oneof![
            (field(), prop::option::of(0u32..4), cmp())
                .prop_map(|(f, m, c)| TestKind::Field(f, m, c)),
            cmp().prop_map(TestKind::Len),
            (
                prop::sample::select(vec![Op::Eq, Op::Ge, Op::Lt]),
                field(),
                -4i32..4
            )
                .prop_map(|(o, f, a)| TestKind::LenField(o, f, a)),
            (0u16..6, lit()).prop_map(|(o, l)| TestKind::At(o, l)),
            lit().prop_map(TestKind::Prefix),
            lit().prop_map(TestKind::Contains),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        /// The gate never refuses a payload the tests accept (small alphabets and lengths, so
        /// that tests hold often).
        #[test]
        fn a_gate_never_refuses_what_the_tests_accept(
            kinds in prop::collection::vec((test_kind(), any::<bool>()), 1..3),
            payload in prop::collection::vec(0u8..3, 0..14),
        ) {
            let tests: Vec<Test> = kinds
                .into_iter()
                .map(|(kind, negated)| Test { negated, kind })
                .collect();
            if tests_hold(&tests, &payload, UDP) {
                prop_assert!(Gate::of(&tests).admits(&payload, head(&payload)), "{tests:?} {payload:?}");
            }
        }
    }

    /// Every single test of a grid (each kind, width, offset, byte order, mask, comparison)
    /// against every payload over {0, 1, 2, 3} up to 5 bytes and a few longer ones: the gate
    /// and the tests it leaves decide as the test does. A conjunction's gate only intersects
    /// lengths and head bits and keeps one test's field of each kind, so this covers rules of
    /// several tests too (the random test below tries such rules).
    #[test]
    fn a_gate_admits_every_payload_its_test_accepts_on_a_grid() {
        let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];
        let mut cmps: Vec<Cmp> = Vec::new();
        for o in ops {
            for v in [0u32, 1, 2, 3, 4, 5, 6, 0x0100, 0x0102, 0x0300_0000] {
                cmps.push(Cmp::Op(o, v));
            }
        }
        cmps.extend([
            Cmp::Range(1, 3),
            Cmp::Range(0, 0x0101),
            Cmp::Set(vec![]),
            Cmp::Set(vec![2, 0x0201, 5]),
        ]);
        let mut kinds = Vec::new();
        for c in &cmps {
            kinds.push(TestKind::Len(c.clone()));
            for width in [1u8, 2, 4] {
                for offset in -6i32..6 {
                    for le in [false, true] {
                        let f = Field { width, offset, le };
                        for mask in [None, Some(1), Some(0xFF00)] {
                            kinds.push(TestKind::Field(f, mask, c.clone()));
                        }
                        if let Cmp::Op(o, v) = c {
                            if *v < 8 {
                                kinds.push(TestKind::LenField(
                                    *o,
                                    f,
                                    i32::try_from(*v).unwrap() - 3,
                                ));
                            }
                        }
                    }
                }
            }
        }
        for lit in [vec![], vec![1], vec![2, 3], vec![0, 0, 1]] {
            for off in 0u16..4 {
                kinds.push(TestKind::At(off, lit.clone()));
            }
            kinds.push(TestKind::Prefix(lit.clone()));
            kinds.push(TestKind::Contains(lit.clone()));
        }
        let mut payloads: Vec<Vec<u8>> = vec![vec![]];
        for len in 1..=5 {
            for n in 0..4usize.pow(len) {
                payloads.push((0..len).map(|i| (n >> (2 * i) & 3) as u8).collect());
            }
        }
        payloads.extend((6..10).map(|len| (0..len).map(|i| (i % 4) as u8).collect()));
        let mut held = 0;
        for kind in kinds {
            let tests = [Test {
                negated: false,
                kind,
            }];
            let (gate, left) = Gate::split(&tests);
            for p in &payloads {
                let all = tests_hold(&tests, p, UDP);
                held += usize::from(all);
                assert_eq!(
                    all,
                    gate.admits(p, head(p)) && tests_hold(&left, p, UDP),
                    "{:?} (left {left:?}) on {p:?}",
                    tests[0].kind
                );
            }
        }
        assert!(held > 100_000, "the grid's tests held only {held} times");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        /// The gate and the tests it leaves say exactly what all the tests say.
        #[test]
        fn the_gate_and_the_tests_left_decide_as_all_the_tests(
            kinds in prop::collection::vec((test_kind(), any::<bool>()), 1..4),
            payload in prop::collection::vec(0u8..3, 0..14),
        ) {
            let tests: Vec<Test> = kinds
                .into_iter()
                .map(|(kind, negated)| Test { negated, kind })
                .collect();
            let (gate, left) = Gate::split(&tests);
            prop_assert_eq!(
                tests_hold(&tests, &payload, UDP),
                gate.admits(&payload, head(&payload)) && tests_hold(&left, &payload, UDP),
                "{:?} left {:?} on {:?}", tests, left, payload
            );
        }
    }

    fn ok(g: &Gate, p: &[u8]) -> bool {
        g.admits(p, head(p))
    }

    #[test]
    fn a_gate_takes_the_fixed_fields_and_the_length_range() {
        let f = |width, offset| Field {
            width,
            offset,
            le: false,
        };
        let tests = vec![
            Test {
                negated: false,
                kind: TestKind::Field(f(1, 0), None, Cmp::Op(Op::Eq, 0x17)),
            },
            Test {
                negated: false,
                kind: TestKind::Field(f(4, 4), Some(0xFFFF_0000), Cmp::Op(Op::Eq, 0x2112_0000)),
            },
            Test {
                negated: false,
                kind: TestKind::Len(Cmp::Range(8, 20)),
            },
        ];
        let g = Gate::of(&tests);
        assert_eq!((g.min_len, g.max_len), (8, 20));
        // Both fixed fields lie in the first eight bytes: they are the head's.
        assert_eq!(g.head_mask, 0xFF00_0000_FFFF_0000);
        assert_eq!(g.head_value, 0x1700_0000_2112_0000);
        assert_eq!((g.word, g.byte.map(|(field, _)| field)), (None, None));
        assert!(ok(&g, &[0x17, 0, 0, 0, 0x21, 0x12, 9, 9]));
        assert!(!ok(&g, &[0x17, 0, 0, 0, 0x21, 0x13, 9, 9]));
        assert!(!ok(&g, &[0x17, 0, 0, 0, 0x21, 0x12, 9]));
        assert!(!ok(&g, &[0; 21]));
        assert!(!ok(&g, &[0x18, 0, 0, 0, 0x21, 0x12, 9, 9]));
    }

    #[test]
    fn a_gate_reads_little_endian_fields_in_the_head_and_wider_ones_past_it() {
        let tests = vec![
            Test {
                negated: false,
                kind: TestKind::Field(
                    Field {
                        width: 2,
                        offset: 6,
                        le: true,
                    },
                    None,
                    Cmp::Op(Op::Eq, 0x0102),
                ),
            },
            Test {
                negated: false,
                kind: TestKind::Field(
                    Field {
                        width: 4,
                        offset: 8,
                        le: false,
                    },
                    None,
                    Cmp::Op(Op::Eq, 7),
                ),
            },
        ];
        let g = Gate::of(&tests);
        assert_eq!((g.head_mask, g.head_value), (0xFFFF, 0x0201));
        assert!(ok(&g, &[9, 9, 9, 9, 9, 9, 2, 1, 0, 0, 0, 7]));
        assert!(!ok(&g, &[9, 9, 9, 9, 9, 9, 1, 2, 0, 0, 0, 7]));
        assert!(!ok(&g, &[9, 9, 9, 9, 9, 9, 2, 1, 0, 0, 0, 8]));
        // u8@0 == 0x100 never holds: nothing passes.
        let never = Gate::of(&[Test {
            negated: false,
            kind: TestKind::Field(
                Field {
                    width: 1,
                    offset: 0,
                    le: false,
                },
                None,
                Cmp::Op(Op::Eq, 0x100),
            ),
        }]);
        assert!(!ok(&never, &[0, 1, 2]));
    }

    #[test]
    fn fixed_fields_that_disagree_pass_nothing() {
        let field = |width, offset| Field {
            width,
            offset,
            le: false,
        };
        let eq = |f, n| Test {
            negated: false,
            kind: TestKind::Field(f, None, Cmp::Op(Op::Eq, n)),
        };
        let (g, left) = Gate::split(&[eq(field(2, 0), 0x0902), eq(field(1, 1), 0x03)]);
        assert!(left.is_empty());
        assert!(!ok(&g, &[0x09, 0x03, 0]));
        assert!(!ok(&g, &[0x09, 0x02, 0]));
        let (g, _) = Gate::split(&[eq(field(1, 0), 1), eq(field(1, 0), 2)]);
        assert!(!ok(&g, &[1]) && !ok(&g, &[2]) && !ok(&g, &[3]));
        // Fields that agree on their common bits still pass.
        let (g, _) = Gate::split(&[eq(field(2, 0), 0x0902), eq(field(1, 1), 0x02)]);
        assert!(ok(&g, &[0x09, 0x02, 0]));
    }

    #[test]
    fn a_gate_checks_a_length_field_and_a_byte_range() {
        let f = |width, offset, le| Field { width, offset, le };
        let tests = vec![
            Test {
                negated: false,
                kind: TestKind::Field(f(1, 4, false), None, Cmp::Range(0x51, 0x54)),
            },
            Test {
                negated: false,
                kind: TestKind::LenField(Op::Eq, f(4, 0, true), 0),
            },
        ];
        let g = Gate::of(&tests);
        assert!(ok(&g, &[5, 0, 0, 0, 0x52]));
        assert!(!ok(&g, &[5, 0, 0, 0, 0x55]));
        assert!(!ok(&g, &[6, 0, 0, 0, 0x52]));
        assert!(!ok(&g, &[5, 0, 0, 0]));
    }
}
