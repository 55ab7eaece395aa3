//! STUN (RFC 5389, and RFC 3489's "classic" form without the magic cookie), as used by ICE,
//! TURN and the applications that run over them: the `stun` keyword.
//!
//! Framing peeled before the header: RFC 4571's 2-byte length over TCP, and Microsoft's
//! multiplexed-TURN wrapper (`FF10`, length + 4 = payload length, 12-byte header).
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::space1;
use nom::combinator::{cut, map, opt, value};
use nom::multi::separated_list1;
use nom::sequence::{preceded, tuple};

use super::syntax::{lit, literal, u16_num, Res};
use super::{be16, be32, Check, Helper, Hints, Miss, ProtoTest};
use crate::packet::{TCP, UDP};

/// The STUN message types of RFC 3489 ("classic" STUN, without the magic cookie).
const CLASSIC_TYPES: [u16; 16] = [
    0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112, 0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0114,
    0x0115, 0x0006, 0x0106, 0x0116,
];
/// RFC 5389's magic cookie, at offset 4.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// The REALM attribute.
pub const REALM: u16 = 0x0014;

/// A STUN message inside a payload, framing peeled, header checked: type ≠ 0, length + 20 =
/// message length; with the magic cookie the type satisfies `type & 0x3EEF <= 0x000B` (or is
/// 0x0800–0x0802); without it the type is one of RFC 3489's (never over TCP).
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    body: &'a [u8],
    cookie: bool,
}

impl<'a> Message<'a> {
    /// The message in `payload`, if its header is valid; `cookie_required` refuses the classic
    /// form.
    pub fn parse(payload: &'a [u8], transport: u8, cookie_required: bool) -> Option<Self> {
        let body = unwrap_ms_turn(unframe(payload, transport));
        if body.len() < 20 {
            return None;
        }
        let (ty, len, cookie) = (be16(body, 0)?, be16(body, 2)?, be32(body, 4)?);
        if ty == 0 || usize::from(len) + 20 != body.len() {
            return None;
        }
        let cookie = cookie == MAGIC_COOKIE;
        if cookie {
            if ty & 0x3EEF > 0x000B && !(0x0800..=0x0802).contains(&ty) {
                return None;
            }
        } else if cookie_required || transport == TCP || !CLASSIC_TYPES.contains(&ty) {
            return None;
        }
        Some(Message { body, cookie })
    }

    pub fn message_type(&self) -> u16 {
        be16(self.body, 0).unwrap_or(0)
    }

    /// Whether the header carries RFC 5389's magic cookie.
    pub fn has_cookie(&self) -> bool {
        self.cookie
    }

    /// The attributes after the 20-byte header.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            body: self.body,
            at: 20,
            broken: false,
        }
    }
}

/// RFC 4571 framing over TCP: a 2-byte length equal to the rest of the payload.
fn unframe(p: &[u8], transport: u8) -> &[u8] {
    match be16(p, 0) {
        Some(l) if transport == TCP && usize::from(l) + 2 == p.len() => p.get(2..).unwrap_or(&[]),
        _ => p,
    }
}

/// Microsoft's multiplexed-TURN wrapper: `FF10`, a length equal to the rest, a 12-byte header.
fn unwrap_ms_turn(p: &[u8]) -> &[u8] {
    let wrapped = p.len() >= 32
        && be16(p, 0) == Some(0xFF10)
        && be16(p, 2).is_some_and(|l| usize::from(l) + 4 == p.len());
    if wrapped {
        p.get(12..).unwrap_or(&[])
    } else {
        p
    }
}

/// One attribute: its type, and its value when the message holds all of it.
#[derive(Debug, Clone, Copy)]
pub struct Attribute<'a> {
    pub kind: u16,
    pub value: Option<&'a [u8]>,
}

/// A safe walk of the attribute list: 4-byte type/length headers, values padded to 4 bytes.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    body: &'a [u8],
    at: usize,
    broken: bool,
}

impl<'a> Attributes<'a> {
    /// After the walk: a header was cut short by the end of the message.
    pub fn broken(&self) -> bool {
        self.broken
    }

    /// After the walk: the last attribute (padding included) ends exactly at the end.
    pub fn ends_exactly(&self) -> bool {
        !self.broken && self.at == self.body.len()
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attribute<'a>;

    fn next(&mut self) -> Option<Attribute<'a>> {
        if self.broken || self.at >= self.body.len() {
            return None;
        }
        let (Some(kind), Some(len)) = (be16(self.body, self.at), be16(self.body, self.at + 2))
        else {
            self.broken = true;
            return None;
        };
        let start = self.at + 4;
        let value = self.body.get(start..start + usize::from(len));
        self.at = start + usize::from(len).div_ceil(4) * 4;
        Some(Attribute { kind, value })
    }
}

/// A `stun` test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StunTest {
    /// `stun [cookie] [attr T …]`: a valid message (with the cookie), holding one of the
    /// attribute types when any are given.
    Message { cookie: bool, attrs: Vec<u16> },
    /// `stun realm "text"`: a valid message whose REALM attribute contains the text,
    /// case-insensitive.
    Realm(Vec<u8>),
}

impl StunTest {
    fn walk(&self, m: &Message<'_>) -> bool {
        let (attrs, realm): (&[u16], &[u8]) = match self {
            StunTest::Message { attrs, .. } => (attrs, &[]),
            StunTest::Realm(r) => (&[], r),
        };
        let mut found = attrs.is_empty();
        let mut realm_found = realm.is_empty();
        let mut walk = m.attributes();
        for a in walk.by_ref() {
            found |= attrs.contains(&a.kind);
            if a.kind == REALM && !realm.is_empty() {
                realm_found |= a.value.unwrap_or(&[]).windows(realm.len()).any(|w| w.eq_ignore_ascii_case(realm));
            }
        }
        // Classic STUN has no cookie to vouch for it: the walk must end exactly at the end.
        if walk.broken() || (!m.has_cookie() && !walk.ends_exactly()) {
            return false;
        }
        found && realm_found
    }
}

impl Check for StunTest {
    fn holds(&self, payload: &[u8], transport: u8) -> bool {
        let cookie = matches!(self, StunTest::Message { cookie: true, .. });
        Message::parse(payload, transport, cookie).is_some_and(|m| self.walk(&m))
    }

    fn hints(&self, transport: u8) -> Hints {
        if transport != UDP {
            // RFC 4571's length comes first over TCP.
            return Hints::ANY;
        }
        // The type's high byte (bits 0x3E clear, or 0x08 for 0x0800-0x0802), or the FF10
        // wrapper.
        Hints::first(|b| b & 0x3E == 0 || b == 0x08 || b == 0xFF)
    }

    fn specificity(&self) -> u32 {
        match self {
            StunTest::Message { attrs, .. } if attrs.is_empty() => 2,
            _ => 4,
        }
    }

    fn miss(&self, payload: &[u8], transport: u8) -> Miss {
        let cookie = matches!(self, StunTest::Message { cookie: true, .. });
        let body = unwrap_ms_turn(unframe(payload, transport));
        // The body is a suffix of the payload: its offset is what the framing took.
        let at = payload.len().saturating_sub(body.len());
        header_miss(body, at, transport, cookie).unwrap_or_else(|| self.walk_miss(body, at))
    }

    /// With the cookie: 32 bits, a length equal to the datagram's 16, the type 2; without it
    /// (RFC 3489 types, 12 bits, and attributes ending at the end) about 28. An attribute type
    /// asked for adds 8; a realm its text.
    fn bits(&self) -> f64 {
        match self {
            StunTest::Message { cookie, attrs } => {
                let base = if *cookie { 50.0 } else { 28.0 };
                base + if attrs.is_empty() { 0.0 } else { 8.0 }
            }
            StunTest::Realm(r) => 28.0 + 8.0 * r.len() as f64,
        }
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            StunTest::Realm(r) if r.is_empty() => {
                Err("expected a non-empty literal, found \"\"".into())
            }
            _ => Ok(()),
        }
    }
}

/// The first check of [`Message::parse`] that `body` (at payload offset `at`) fails, if any.
fn header_miss(body: &[u8], at: usize, transport: u8, cookie_required: bool) -> Option<Miss> {
    let (Some(ty), Some(len), Some(cookie)) = (be16(body, 0), be16(body, 2), be32(body, 4)) else {
        return Some(Miss::new(Some(at), "a 20-byte STUN header", format!("{} bytes", body.len())));
    };
    if body.len() < 20 {
        return Some(Miss::new(Some(at), "a 20-byte STUN header", format!("{} bytes", body.len())));
    }
    if ty == 0 {
        return Some(Miss::new(Some(at), "a message type other than 0", "0x0000"));
    }
    if usize::from(len) + 20 != body.len() {
        let want = format!("length {:#06x} (message of {} bytes)", body.len() - 20, body.len());
        return Some(Miss::new(Some(at + 2), want, format!("{len:#06x}")));
    }
    let found = format!("{ty:#06x}");
    if cookie == MAGIC_COOKIE {
        if ty & 0x3EEF > 0x000B && !(0x0800..=0x0802).contains(&ty) {
            return Some(Miss::new(Some(at), "a type with type & 0x3eef <= 0x000b", found));
        }
        return None;
    }
    if cookie_required {
        let want = format!("magic cookie {MAGIC_COOKIE:#010x}");
        return Some(Miss::new(Some(at + 4), want, format!("{cookie:#010x}")));
    }
    if transport == TCP {
        return Some(Miss::new(Some(at + 4), "the magic cookie over TCP", format!("{cookie:#010x}")));
    }
    if !CLASSIC_TYPES.contains(&ty) {
        return Some(Miss::new(Some(at), "an RFC 3489 message type", found));
    }
    None
}

impl StunTest {
    /// Why the attribute walk of a message with a valid header fails.
    fn walk_miss(&self, body: &[u8], at: usize) -> Miss {
        let m = Message {
            body,
            cookie: be32(body, 4) == Some(MAGIC_COOKIE),
        };
        let mut walk = m.attributes();
        let kinds: Vec<String> = walk.by_ref().map(|a| format!("{:#06x}", a.kind)).collect();
        if walk.broken() || (!m.has_cookie() && !walk.ends_exactly()) {
            return Miss::new(None, "attributes that end with the message", "a broken attribute list");
        }
        let want = match self {
            StunTest::Message { attrs, .. } => {
                let a: Vec<String> = attrs.iter().map(|a| format!("{a:#06x}")).collect();
                format!("an attribute {}", a.join("|"))
            }
            StunTest::Realm(r) => format!("a REALM containing {}", lit(r)),
        };
        let found = if kinds.is_empty() {
            "no attributes".to_string()
        } else {
            format!("attributes {}", kinds.join(" "))
        };
        Miss::new(Some(at + 20), want, found)
    }
}

impl fmt::Display for StunTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StunTest::Realm(r) => write!(f, "stun realm {}", lit(r)),
            StunTest::Message { cookie, attrs } => {
                f.write_str(if *cookie { "stun cookie" } else { "stun" })?;
                if !attrs.is_empty() {
                    f.write_str(" attr")?;
                    for a in attrs {
                        write!(f, " {a:#06x}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// The table's entry.
pub struct Stun;
pub const HELPER: Stun = Stun;

impl Helper for Stun {
    fn keywords(&self) -> &'static [&'static str] {
        &["stun"]
    }

    fn syntax(&self) -> &'static str {
        "`stun`, `stun cookie`, `stun attr 0x8054 ...` or `stun realm \"text\"`"
    }

    fn parse<'a>(&self, _keyword: &str, i: &'a str) -> Res<'a, ProtoTest> {
        let realm = map(
            preceded(tuple((space1, tag("realm"), space1)), cut(literal)),
            StunTest::Realm,
        );
        let message = map(
            tuple((
                alt((value(true, preceded(space1, tag("cookie"))), value(false, tag("")))),
                opt(preceded(
                    tuple((space1, tag("attr"), space1)),
                    cut(separated_list1(space1, u16_num)),
                )),
            )),
            |(cookie, attrs)| StunTest::Message {
                cookie,
                attrs: attrs.unwrap_or_default(),
            },
        );
        map(alt((realm, message)), ProtoTest::new)(i)
    }

    fn samples(&self) -> &'static [&'static str] {
        &[
            "stun",
            "stun cookie",
            "stun attr 0x8054 0x8070",
            "stun cookie attr 0x8054",
            "stun realm \"signal.org\"",
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use crate::proto::tests_support::hex;

    /// teams.pcap, 192.168.1.6:50016 -> 52.114.250.123:3478: an Allocate request with MS-TURN's
    /// 0x8006 and 0x8055 attributes.
    const TEAMS_ALLOCATE: &str = "000300302112a442b2343f6e67f41d58acba639f000f000472c64bc68037000400000002800800040000000680060004000000010010000400002ee08055000400020002";
    /// teams.pcap, 192.168.1.6:50016 -> 52.114.252.8:3479: a Binding response in Microsoft's
    /// 0xFF10 multiplexed-TURN wrapper, with 0x8070.
    const TEAMS_WRAPPED: &str = "ff100060deaa296708f708fc010100442112a44281275a7e28b364d88f3d14f980700004000000070020000800012c851560584a8037000400000002803600040000000100080014998b53fec81f7d913f18f8cc4c645293987537ed802800043ea7ac36";
    /// adult_content.pcap, 192.168.1.199:42759 -> 31.220.27.69:80: a bare Binding request.
    pub(crate) const STUN_BINDING: &str = "000100002112a4424133516369344e75724f4b41";

    fn test(cookie: bool, attrs: &[u16]) -> StunTest {
        StunTest::Message {
            cookie,
            attrs: attrs.to_vec(),
        }
    }

    /// `explain` names the first header check a payload fails, at its byte, and the attribute
    /// a message lacks.
    #[test]
    fn misses_name_the_failing_byte() {
        let t = |src: &str| {
            let (_, t) = HELPER.parse("stun", src).unwrap();
            t
        };
        let attr = t(" cookie attr 0x8054");
        // A binding request with the cookie and one attribute 0x0006 (4 bytes).
        let msg = hex("000100082112a442000000000000000000000000000600040000000a");
        let m = attr.check().miss(&msg, UDP);
        assert_eq!((m.offset, m.want.as_str(), m.found.as_str()), (Some(20), "an attribute 0x8054", "attributes 0x0006"));
        let mut bad_len = msg.clone();
        bad_len[3] = 0x09;
        let m = attr.check().miss(&bad_len, UDP);
        assert_eq!((m.offset, m.found.as_str()), (Some(2), "0x0009"));
        let mut no_cookie = msg.clone();
        no_cookie[4] = 0x90;
        let m = attr.check().miss(&no_cookie, UDP);
        assert_eq!((m.offset, m.found.as_str()), (Some(4), "0x9012a442"));
        assert_eq!(t("").check().miss(&[0x90, 1], UDP).found, "2 bytes");
    }

    #[test]
    fn header_attributes_and_the_ms_wrapper() {
        let ms = [0x8054, 0x8095, 0x8006, 0x8070, 0x8055];
        assert!(test(true, &ms).holds(&hex(TEAMS_ALLOCATE), UDP));
        assert!(test(false, &[0x8070]).holds(&hex(TEAMS_WRAPPED), UDP));
        assert!(!test(false, &[0x8054]).holds(&hex(TEAMS_WRAPPED), UDP));
        assert!(test(false, &[]).holds(&hex(STUN_BINDING), UDP));
        assert!(!test(false, &ms).holds(&hex(STUN_BINDING), UDP));
        assert!(!test(false, &[]).holds(&hex(crate::proto::dns::tests::DNS_QUERY), UDP));
        // Over TCP, with RFC 4571 framing.
        let mut framed = vec![0, 20];
        framed.extend(hex(STUN_BINDING));
        assert!(test(true, &[]).holds(&framed, TCP));
        let allocate = hex(TEAMS_ALLOCATE);
        let m = Message::parse(&allocate, UDP, true).unwrap();
        assert_eq!(m.message_type(), 0x0003);
        let kinds: Vec<u16> = m.attributes().map(|a| a.kind).collect();
        assert_eq!(kinds, vec![0x000f, 0x8037, 0x8008, 0x8006, 0x0010, 0x8055]);
    }

    #[test]
    fn classic_stun_needs_an_exact_attribute_walk() {
        // A cookie-less Binding request (0x0001) with one 4-byte attribute: RFC 3489 form.
        let mut classic = vec![0x00, 0x01, 0x00, 0x08];
        classic.extend_from_slice(&[0x11; 16]);
        classic.extend_from_slice(&[0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0]);
        assert!(test(false, &[]).holds(&classic, UDP));
        assert!(!test(true, &[]).holds(&classic, UDP));
        // The attribute claims more than the message holds.
        classic[11 + 12] = 0x08;
        assert!(!test(false, &[]).holds(&classic, UDP));
    }

    #[test]
    fn realm_is_found_case_insensitively() {
        // A Binding request with REALM "Signal.ORG" (10 bytes, padded to 12).
        let mut m = vec![0x00, 0x01, 0x00, 16, 0x21, 0x12, 0xa4, 0x42];
        m.extend_from_slice(&[7; 12]);
        m.extend_from_slice(&[0x00, 0x14, 0x00, 10]);
        m.extend_from_slice(b"Signal.ORG\0\0");
        assert!(StunTest::Realm(b"signal.org".to_vec()).holds(&m, UDP));
        assert!(!StunTest::Realm(b"signal.com".to_vec()).holds(&m, UDP));
        assert!(StunTest::Realm(Vec::new()).validate().is_err());
    }

    #[test]
    fn hints_admit_every_type_the_header_check_admits() {
        let first = test(false, &[]).hints(UDP).first;
        for ty in 1..=u16::MAX {
            let mut m = ty.to_be_bytes().to_vec();
            m.extend_from_slice(&[0, 0, 0x21, 0x12, 0xa4, 0x42]);
            m.extend_from_slice(&[0; 12]);
            if Message::parse(&m, UDP, false).is_some() {
                assert!(first.contains(m[0]), "{ty:#06x}");
            }
        }
        assert!(first.contains(0xFF) && !first.contains(0x16));
    }

    #[test]
    fn every_prefix_of_real_payloads_is_safe() {
        for h in [TEAMS_ALLOCATE, TEAMS_WRAPPED, STUN_BINDING] {
            let p = hex(h);
            for n in 0..p.len() {
                for t in [UDP, TCP] {
                    let _ = test(false, &[0x8054]).holds(&p[..n], t);
                    let _ = StunTest::Realm(b"x".to_vec()).holds(&p[..n], t);
                }
            }
        }
    }
}
