//! QUIC (RFC 9000 and the versions before it): the `quic` keyword, a long header.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use nom::bytes::complete::tag;
use nom::character::complete::space1;
use nom::combinator::{cut, map, opt};
use nom::multi::separated_list1;
use nom::sequence::{preceded, tuple};

use super::syntax::{number, Res};
use super::{be32, Check, Helper, Hints, ProtoTest};

/// A QUIC long header: form and fixed bits set, a non-zero version, destination and source
/// connection ids of at most 20 bytes that fit in the payload.
#[derive(Debug, Clone, Copy)]
pub struct LongHeader<'a> {
    p: &'a [u8],
}

impl<'a> LongHeader<'a> {
    pub fn parse(p: &'a [u8]) -> Option<Self> {
        let (b0, version, dcil) = (*p.first()?, be32(p, 1)?, *p.get(5)?);
        if b0 & 0xC0 != 0xC0 || version == 0 || dcil > 20 {
            return None;
        }
        let scil = *p.get(6 + usize::from(dcil))?;
        let fits = scil <= 20 && p.len() >= 7 + usize::from(dcil) + usize::from(scil);
        fits.then_some(LongHeader { p })
    }

    pub fn version(&self) -> u32 {
        be32(self.p, 1).unwrap_or(0)
    }

    /// The destination connection id.
    pub fn dcid(&self) -> &'a [u8] {
        let len = self.p.get(5).map_or(0, |&l| usize::from(l));
        self.p.get(6..6 + len).unwrap_or(&[])
    }
}

/// `quic` (any version) or `quic version V …` (one of these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuicTest(pub Vec<u32>);

impl Check for QuicTest {
    fn holds(&self, p: &[u8], _transport: u8) -> bool {
        LongHeader::parse(p).is_some_and(|h| self.0.is_empty() || self.0.contains(&h.version()))
    }

    fn hints(&self, _transport: u8) -> Hints {
        Hints::first(|b| b & 0xC0 == 0xC0)
    }

    fn specificity(&self) -> u32 {
        2 + u32::from(!self.0.is_empty())
    }

    /// Form and fixed bits, connection-id lengths that fit (about 8 bits), and a version of
    /// the list (32 bits less the list's size).
    fn bits(&self) -> f64 {
        match self.0.len() {
            0 => 8.0,
            n => 40.0 - (n as f64).log2(),
        }
    }
}

impl fmt::Display for QuicTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("quic")?;
        if !self.0.is_empty() {
            f.write_str(" version")?;
            for v in &self.0 {
                write!(f, " {v:#010x}")?;
            }
        }
        Ok(())
    }
}

/// The table's entry.
pub struct Quic;
pub const HELPER: Quic = Quic;

impl Helper for Quic {
    fn keywords(&self) -> &'static [&'static str] {
        &["quic"]
    }

    fn syntax(&self) -> &'static str {
        "`quic` or `quic version 0x00000001 ...`"
    }

    fn parse<'a>(&self, _keyword: &str, i: &'a str) -> Res<'a, ProtoTest> {
        let versions = opt(preceded(
            tuple((space1, tag("version"), space1)),
            cut(separated_list1(space1, number)),
        ));
        map(versions, |v| ProtoTest::new(QuicTest(v.unwrap_or_default())))(i)
    }

    fn samples(&self) -> &'static [&'static str] {
        &["quic", "quic version 0x00000001 0x6b3343cf"]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::packet::UDP;
    use crate::proto::tests_support::hex;

    /// quic_crypto_aes_auth_size.pcap, 134.53.36.43:34917 -> 142.104.38.30:443: the first 64
    /// bytes of a QUIC v1 Initial.
    const QUIC_V1: &str = "c100000001086a39e7bd7a5940690040a4b5f8df1fbc4cbf20e913e28c9da2bb40bf6100ee9311d5be7ba8450dfc258b83022c89a26bb10e211473b7978bbb5460";

    #[test]
    fn versions_on_real_bytes() {
        let p = hex(QUIC_V1);
        assert!(QuicTest(vec![1]).holds(&p, UDP));
        assert!(QuicTest(vec![]).holds(&p, UDP));
        assert!(!QuicTest(vec![0x6b33_43cf]).holds(&p, UDP));
        let h = LongHeader::parse(&p).unwrap();
        assert_eq!(h.dcid(), &hex("6a39e7bd7a594069")[..]);
        assert!(!QuicTest(vec![]).holds(&hex(crate::proto::rtp::tests::RTP), UDP));
        for n in 0..p.len() {
            let _ = QuicTest(vec![]).holds(&p[..n], UDP);
        }
    }
}
