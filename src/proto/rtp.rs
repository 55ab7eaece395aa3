//! RTP and RTCP (RFC 3550): the `rtp` and `rtcp` keywords.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use nom::bytes::complete::tag;
use nom::character::complete::space1;
use nom::combinator::{cut, map, opt};
use nom::sequence::{preceded, tuple};

use super::syntax::{range, Res};
use super::{be16, be32, Check, Helper, Hints, ProtoTest};

/// An RTP header: version 2 and room for the fixed header and its CSRC list.
#[derive(Debug, Clone, Copy)]
pub struct Rtp<'a> {
    p: &'a [u8],
}

impl<'a> Rtp<'a> {
    pub fn parse(p: &'a [u8]) -> Option<Self> {
        let b0 = *p.first()?;
        (b0 >> 6 == 2 && p.len() >= 12 + 4 * usize::from(b0 & 0x0F)).then_some(Rtp { p })
    }

    pub fn payload_type(&self) -> u8 {
        self.p.get(1).map_or(0, |b| b & 0x7F)
    }

    pub fn sequence(&self) -> u16 {
        be16(self.p, 2).unwrap_or(0)
    }

    pub fn ssrc(&self) -> u32 {
        be32(self.p, 8).unwrap_or(0)
    }
}

/// An RTCP header: version 2, packet type (byte 1, as nDPI counts it) 192–213, and a length
/// field (in 32-bit words, minus one) that fits in the payload.
#[derive(Debug, Clone, Copy)]
pub struct Rtcp<'a> {
    p: &'a [u8],
}

impl<'a> Rtcp<'a> {
    pub fn parse(p: &'a [u8]) -> Option<Self> {
        let (b0, b1, words) = (*p.first()?, *p.get(1)?, be16(p, 2)?);
        let ok = b0 >> 6 == 2 && (192..=213).contains(&b1) && (usize::from(words) + 1) * 4 <= p.len();
        ok.then_some(Rtcp { p })
    }

    pub fn packet_type(&self) -> u8 {
        self.p.get(1).copied().unwrap_or(0)
    }
}

/// An `rtp` or `rtcp` test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtpTest {
    /// `rtp`: payload type 0–34 or 96–127; `rtp pt LOW..HIGH`: in that range.
    Rtp(Option<(u8, u8)>),
    /// `rtcp`.
    Rtcp,
}

impl Check for RtpTest {
    fn holds(&self, p: &[u8], _transport: u8) -> bool {
        match self {
            RtpTest::Rtcp => Rtcp::parse(p).is_some(),
            RtpTest::Rtp(range) => Rtp::parse(p).is_some_and(|r| {
                let t = r.payload_type();
                match range {
                    Some((a, b)) => (*a..=*b).contains(&t),
                    None => t <= 34 || (96..=127).contains(&t),
                }
            }),
        }
    }

    fn hints(&self, _transport: u8) -> Hints {
        Hints::first(|b| b >> 6 == 2)
    }

    fn specificity(&self) -> u32 {
        2
    }

    /// Version 2 bits, then a payload type (RTP: 67 of 128, about 1 bit) or a packet type of
    /// 22 of 256 and a length that fits (RTCP).
    fn bits(&self) -> f64 {
        match self {
            RtpTest::Rtp(None) => 3.0,
            RtpTest::Rtp(Some((a, b))) => {
                2.0 + (128.0 / f64::from(b.saturating_sub(*a).saturating_add(1))).log2()
            }
            RtpTest::Rtcp => 7.5,
        }
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            RtpTest::Rtp(Some((a, b))) if a > b => Err(format!(
                "expected a range LOW..HIGH with LOW ≤ HIGH, found {a}..{b}"
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for RtpTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtpTest::Rtp(None) => f.write_str("rtp"),
            RtpTest::Rtp(Some((a, b))) => write!(f, "rtp pt {a}..{b}"),
            RtpTest::Rtcp => f.write_str("rtcp"),
        }
    }
}

/// The table's entry.
pub struct RtpHelper;
pub const HELPER: RtpHelper = RtpHelper;

impl Helper for RtpHelper {
    fn keywords(&self) -> &'static [&'static str] {
        &["rtp", "rtcp"]
    }

    fn syntax(&self) -> &'static str {
        "`rtp`, `rtp pt LOW..HIGH` or `rtcp`"
    }

    fn parse<'a>(&self, keyword: &str, i: &'a str) -> Res<'a, ProtoTest> {
        if keyword == "rtcp" {
            return Ok((i, ProtoTest::new(RtpTest::Rtcp)));
        }
        // Payload types are 7-bit; a larger bound is kept at 255 (and never met).
        let pt = opt(preceded(tuple((space1, tag("pt"), space1)), cut(range)));
        map(pt, |r| {
            let clamp = |n: u32| u8::try_from(n.min(255)).unwrap_or(u8::MAX);
            ProtoTest::new(RtpTest::Rtp(r.map(|(a, b)| (clamp(a), clamp(b)))))
        })(i)
    }

    fn samples(&self) -> &'static [&'static str] {
        &["rtp", "rtp pt 96..127", "rtcp"]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use crate::packet::UDP;
    use crate::proto::tests_support::hex;

    /// KakaoTalk_talk.pcap, 10.24.82.188:11320 -> 1.201.1.174:23044: RTP, payload type 108.
    pub(crate) const RTP: &str = "80ec4eb28b399cda0b865519fec5f690bfe83d83771c1276a357519b33c32925654ad82efb080889c03a096248060aa5ae4b61d6324c0679";

    #[test]
    fn rtp_on_real_bytes() {
        let p = hex(RTP);
        assert!(RtpTest::Rtp(None).holds(&p, UDP));
        assert!(!RtpTest::Rtp(Some((0, 34))).holds(&p, UDP));
        assert!(!RtpTest::Rtcp.holds(&p, UDP));
        let r = Rtp::parse(&p).unwrap();
        assert_eq!((r.payload_type(), r.sequence(), r.ssrc()), (108, 0x4eb2, 0x0b86_5519));
        assert!(!RtpTest::Rtp(None).holds(&hex(crate::proto::dns::tests::DNS_QUERY), UDP));
        assert!(RtpTest::Rtp(Some((9, 3))).validate().is_err());
    }

    #[test]
    fn rtcp_length_must_fit() {
        // A receiver report (201) of one word after the header.
        let rr = [0x80, 201, 0, 1, 1, 2, 3, 4];
        assert!(RtpTest::Rtcp.holds(&rr, UDP));
        assert_eq!(Rtcp::parse(&rr).unwrap().packet_type(), 201);
        assert!(!RtpTest::Rtcp.holds(&rr[..7], UDP));
    }

    #[test]
    fn every_prefix_is_safe() {
        let p = hex(RTP);
        for n in 0..p.len() {
            let _ = (
                RtpTest::Rtp(None).holds(&p[..n], UDP),
                RtpTest::Rtcp.holds(&p[..n], UDP),
            );
        }
    }
}
