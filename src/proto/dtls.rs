//! DTLS (RFC 6347, 9147): the `dtls` keyword, a record header.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use super::syntax::Res;
use super::{be16, Check, Helper, Hints, ProtoTest};

/// A DTLS record header: content type 20–23, version FEFF/FEFD/FEFC (or 0100, Cisco's
/// pre-standard DTLS), a non-zero length that fits in the payload after the 13-byte header.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    p: &'a [u8],
}

impl<'a> Record<'a> {
    pub fn parse(p: &'a [u8]) -> Option<Self> {
        let (ct, version, len) = (*p.first()?, be16(p, 1)?, be16(p, 11)?);
        let ok = p.len() > 13
            && (0x14..=0x17).contains(&ct)
            && matches!(version, 0xFEFF | 0xFEFD | 0xFEFC | 0x0100)
            && len != 0
            && usize::from(len) + 13 <= p.len();
        ok.then_some(Record { p })
    }

    pub fn content_type(&self) -> u8 {
        self.p.first().copied().unwrap_or(0)
    }

    pub fn version(&self) -> u16 {
        be16(self.p, 1).unwrap_or(0)
    }
}

/// The `dtls` test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsTest;

impl Check for DtlsTest {
    fn holds(&self, p: &[u8], _transport: u8) -> bool {
        Record::parse(p).is_some()
    }

    fn hints(&self, _transport: u8) -> Hints {
        Hints::first(|b| (0x14..=0x17).contains(&b))
    }

    fn specificity(&self) -> u32 {
        2
    }

    /// Content type (4 of 256), version (4 of 65536), a length that fits: about 24 bits.
    fn bits(&self) -> f64 {
        24.0
    }
}

impl fmt::Display for DtlsTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dtls")
    }
}

/// The table's entry.
pub struct Dtls;
pub const HELPER: Dtls = Dtls;

impl Helper for Dtls {
    fn keywords(&self) -> &'static [&'static str] {
        &["dtls"]
    }

    fn syntax(&self) -> &'static str {
        "`dtls`"
    }

    fn parse<'a>(&self, _keyword: &str, i: &'a str) -> Res<'a, ProtoTest> {
        Ok((i, ProtoTest::new(DtlsTest)))
    }

    fn samples(&self) -> &'static [&'static str] {
        &["dtls"]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::packet::UDP;
    use crate::proto::tests_support::hex;

    /// anyconnect-vpn.pcap, 10.0.0.227:54107 -> 8.37.102.91:443: a DTLS 1.0 (0x0100) ClientHello.
    const DTLS: &str = "160100000000000000000000560100004a000000000000004a0100ed89c4699ea16489a68421ebd0951f08172d595bf2c2507bd49467c65ee6238a209bb071c8a80440614f8347a2ce2efe01540c7af53be22e1eac07398729e026ef00000200390100";

    #[test]
    fn a_real_record_and_a_look_alike() {
        let p = hex(DTLS);
        assert!(DtlsTest.holds(&p, UDP));
        let r = Record::parse(&p).unwrap();
        assert_eq!((r.content_type(), r.version()), (0x16, 0x0100));
        assert!(!DtlsTest.holds(&hex(crate::proto::stun::tests::STUN_BINDING), UDP));
        for n in 0..p.len() {
            let _ = DtlsTest.holds(&p[..n], UDP);
        }
    }
}
