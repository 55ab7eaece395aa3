//! Protocol helpers: the structured tests of the signature language (`stun`, `rtp`, `rtcp`,
//! `dtls`, `quic`, `host`), one file per protocol, registered in one table.
//!
//! A helper file holds everything about its protocol: a borrowed view of the message with
//! accessors that never panic (indexing, `unwrap` and `expect` are denied here), the grammar
//! (nom) and printer of its keyword's test, the hints the rule index uses (first payload bytes,
//! a cheap "shape" of the payload), its weight in the rule order, and its tests. Nothing here
//! knows flows, rules, policy or I/O; `signature` parses, compiles, indexes and matches through
//! the two traits below, and knows no helper by name (except `host`, which nDPI's
//! `host:"…"@Name` lines build directly).
//!
//! The design is two traits. A [`Helper`] is the static, zero-sized entry of the table: the
//! keywords it owns and how to parse the arguments that follow one. Parsing yields a
//! [`ProtoTest`], a boxed [`Check`]: the parsed test, which answers on a payload, prints itself
//! back in canonical form, and gives its index hints and weight. Trait objects rather than an
//! enum of every protocol's arguments, so that a new helper touches no shared type: the
//! matcher calls `holds` through one virtual call, allocation-free.
//!
//! **Adding a helper** takes one new file `proto/NAME.rs` (a `Helper` and a `Check`, with its
//! tests) and one line `NAME::HELPER,` in the `helpers!` table below, which declares the module
//! and registers it. Modules that only hold message views shared by helpers (`dns`, `tls`) are
//! declared as plain modules.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::any::Any;
use std::fmt;

pub mod dns;
pub mod syntax;
pub mod tls;

/// Declares each helper module and registers its `HELPER` in [`HELPERS`], in one line each.
macro_rules! helpers {
    ($($module:ident :: $entry:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every helper, in the order keywords are looked up (each keyword belongs to one).
        pub static HELPERS: &[&dyn Helper] = &[$(&$module::$entry),*];
    };
}

helpers! {
    stun::HELPER,
    rtp::HELPER,
    dtls::HELPER,
    quic::HELPER,
    host::HELPER,
}

/// One entry of the table: the keywords a protocol owns and how to read a test that starts with
/// one of them.
pub trait Helper: Sync {
    /// The words that start this helper's tests (`stun`; `rtp` and `rtcp`).
    fn keywords(&self) -> &'static [&'static str];
    /// What its tests look like, for "expected …" messages: "`rtp` or `rtp pt LOW..HIGH`".
    fn syntax(&self) -> &'static str;
    /// Parse the arguments of a test whose first word, `keyword`, is already read; `input` is
    /// the rest of the line after it. A bad argument is a `nom` failure at its position.
    fn parse<'a>(&self, keyword: &str, input: &'a str) -> syntax::Res<'a, ProtoTest>;
    /// Canonical forms of its tests, each printed back exactly as written (the table's tests
    /// check this, and the language's round-trip tests draw from them).
    fn samples(&self) -> &'static [&'static str];
}

/// The helper that owns `keyword`.
pub fn helper(keyword: &str) -> Option<&'static dyn Helper> {
    HELPERS
        .iter()
        .copied()
        .find(|h| h.keywords().contains(&keyword))
}

/// A parsed helper test.
pub trait Check: fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// Whether a payload of the given transport (`packet::UDP`, `packet::TCP`) passes. Never
    /// panics, allocates nothing.
    fn holds(&self, payload: &[u8], transport: u8) -> bool;
    /// What every payload of this transport that passes looks like, for the rule index.
    fn hints(&self, transport: u8) -> Hints;
    /// Weight in the rule order (`docs/signatures.md`, "Rules"): a field test weighs 1.
    fn specificity(&self) -> u32;
    /// Checks that need the whole test (a range's ends in order); the message says what was
    /// expected and found.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
    /// Why a payload fails this test, for `nfdpi explain` (a slow walk, never the matcher's
    /// path): the first condition that fails, at which payload byte. Called only when `holds`
    /// is false. The default names the test and no byte; a helper says more in its own file.
    fn miss(&self, payload: &[u8], transport: u8) -> Miss {
        let _ = (payload, transport);
        Miss {
            offset: None,
            want: self.to_string(),
            found: "a payload that does not pass".into(),
        }
    }
    /// Evidence against random bytes, in bits: about -log2 of the chance that a random payload
    /// passes (`docs/signatures.md`, "Precision"). A helper that says nothing counts nothing.
    fn bits(&self) -> f64 {
        0.0
    }
}

/// Why a test failed on one payload: the byte it failed at (when the failure has one), what the
/// test wanted there and what the payload holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub offset: Option<usize>,
    pub want: String,
    pub found: String,
}

impl Miss {
    pub fn new(offset: Option<usize>, want: impl Into<String>, found: impl Into<String>) -> Self {
        Miss {
            offset,
            want: want.into(),
            found: found.into(),
        }
    }
}

/// Clone and compare boxed checks; implemented for every `Check + Clone + PartialEq`.
pub trait DynCheck: Check {
    fn clone_box(&self) -> Box<dyn DynCheck>;
    fn eq_dyn(&self, other: &dyn DynCheck) -> bool;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Check + Clone + PartialEq> DynCheck for T {
    fn clone_box(&self) -> Box<dyn DynCheck> {
        Box::new(self.clone())
    }
    fn eq_dyn(&self, other: &dyn DynCheck) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A parsed helper test, as the syntax tree holds it.
#[derive(Debug)]
pub struct ProtoTest(Box<dyn DynCheck>);

impl ProtoTest {
    pub fn new(check: impl Check + Clone + PartialEq) -> Self {
        ProtoTest(Box::new(check))
    }

    /// The test itself.
    pub fn check(&self) -> &dyn DynCheck {
        self.0.as_ref()
    }
}

impl Clone for ProtoTest {
    fn clone(&self) -> Self {
        ProtoTest(self.0.clone_box())
    }
}

impl PartialEq for ProtoTest {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_dyn(other.0.as_ref())
    }
}

impl Eq for ProtoTest {}

impl fmt::Display for ProtoTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A set of byte values (256 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    pub const ALL: ByteSet = ByteSet([u64::MAX; 4]);
    pub const NONE: ByteSet = ByteSet([0; 4]);

    /// The bytes for which `f` holds.
    pub fn from_fn(f: impl Fn(u8) -> bool) -> Self {
        let mut s = Self::NONE;
        for b in 0..=255u8 {
            if f(b) {
                s.insert(b);
            }
        }
        s
    }

    pub fn only(b: u8) -> Self {
        let mut s = Self::NONE;
        s.insert(b);
        s
    }

    pub fn insert(&mut self, b: u8) {
        if let Some(w) = self.0.get_mut(usize::from(b >> 6)) {
            *w |= 1 << (b & 63);
        }
    }

    pub fn contains(&self, b: u8) -> bool {
        self.0
            .get(usize::from(b >> 6))
            .is_some_and(|w| w >> (b & 63) & 1 == 1)
    }

    pub fn intersect(self, other: ByteSet) -> ByteSet {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = other.0;
        ByteSet([a & e, b & f, c & g, d & h])
    }

    pub fn union(self, other: ByteSet) -> ByteSet {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = other.0;
        ByteSet([a | e, b | f, c | g, d | h])
    }

    pub fn is_all(&self) -> bool {
        *self == Self::ALL
    }

    pub fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::NONE
    }

    pub fn iter(self) -> impl Iterator<Item = u8> {
        (0..=255u8).filter(move |&b| self.contains(b))
    }
}

/// A cheap necessary condition on a payload (e.g. "a DNS header with one question"), which the
/// rule index evaluates once per packet for the rules that need it.
#[derive(Clone, Copy)]
pub struct Shape {
    /// Names the shape; two shapes with one name are the same shape.
    pub name: &'static str,
    pub holds: fn(&[u8], u8) -> bool,
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// What every payload that passes a test looks like: its first byte is in `first`, or (when a
/// shape is given) it has that shape. `first == ByteSet::ALL` says nothing (an empty payload
/// may pass too).
#[derive(Debug, Clone, Copy)]
pub struct Hints {
    pub first: ByteSet,
    pub shape: Option<Shape>,
}

impl Hints {
    /// No hint: any payload, empty included, may pass.
    pub const ANY: Hints = Hints {
        first: ByteSet::ALL,
        shape: None,
    };

    /// The first byte is one for which `f` holds.
    pub fn first(f: impl Fn(u8) -> bool) -> Self {
        Hints {
            first: ByteSet::from_fn(f),
            shape: None,
        }
    }
}

/// Big-endian u16 at `at`, if the payload has it.
pub fn be16(p: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *p.get(at)?,
        *p.get(at.checked_add(1)?)?,
    ]))
}

/// Big-endian u32 at `at`, if the payload has it.
pub fn be32(p: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(be16(p, at)?) << 16 | u32::from(be16(p, at.checked_add(2)?)?))
}

/// What the helpers' tests share.
#[cfg(test)]
pub(crate) mod tests_support {
    /// Bytes from hex digits (test data written as in the captures' hex dumps).
    #[allow(clippy::unwrap_used, clippy::indexing_slicing)]
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Each keyword belongs to one helper, and every sample parses back to the text it was.
    #[test]
    fn the_table_owns_each_keyword_once_and_samples_print_back() {
        let mut seen = std::collections::HashSet::new();
        for h in HELPERS {
            for k in h.keywords() {
                assert!(seen.insert(*k), "keyword `{k}` registered twice");
            }
            assert!(!h.samples().is_empty());
            for s in h.samples() {
                let kw = s.split(' ').next().unwrap();
                let rest = &s[kw.len()..];
                let owner = helper(kw).unwrap_or_else(|| panic!("no helper for {s}"));
                let (left, t) = owner.parse(kw, rest).unwrap_or_else(|e| panic!("{s}: {e}"));
                assert_eq!(left, "", "{s}");
                assert_eq!(t.to_string(), *s);
                assert_eq!(t.clone(), t);
            }
        }
    }

    #[test]
    fn byte_sets() {
        let s = ByteSet::from_fn(|b| b <= 1 || b == 0xFF);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 1, 0xFF]);
        assert!(ByteSet::ALL.is_all() && !s.is_all());
        assert_eq!(
            s.intersect(ByteSet::only(1)).iter().collect::<Vec<_>>(),
            vec![1]
        );
        assert!(!ByteSet::NONE.contains(0));
    }
}
