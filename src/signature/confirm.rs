//! Confirmation: `confirm N by KIND…`, what a named flow must show before it is accepted.
//!
//! A rule with `confirm` names the flow on its match, but the flow stays pending (and spends
//! its budget) until N later packets each carry evidence of one of the kinds: the media a call
//! sends once set up. The kinds are chosen so that random bytes almost never pass: a STUN
//! message (cookie and length), TURN ChannelData (channel 0x4000–0x4FFF and its length), MS-TURN
//! framing (`FF10` and its length), a DTLS record header, and RTP or RTCP that continues the
//! stream of the previous such packet of the same direction (the same SSRC: 32 bits), and the
//! framing of Zoom's multimedia routers, IMO's length-prefixed frames, and the first four bytes
//! of the packet that named the flow again (a call tag every datagram carries). `self` counts a
//! packet on which the rule's own payload tests hold again. Pure: no flows, no policy.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use super::matcher::Progress;
use super::parse::Test;
use crate::packet::{Direction, TCP};
use crate::proto::dtls::Record;
use crate::proto::rtp::{Rtcp, Rtp};
use crate::proto::stun::Message;
use crate::proto::{be16, be32};

/// One kind of confirming evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Stun,
    Turn,
    MsTurn,
    Dtls,
    Rtp,
    Rtcp,
    Zoom,
    Imo,
    Tag,
    Own,
}

impl Kind {
    /// Every kind, in canonical (printing) order.
    pub const ALL: [Kind; 10] = [
        Kind::Stun,
        Kind::Turn,
        Kind::MsTurn,
        Kind::Dtls,
        Kind::Rtp,
        Kind::Rtcp,
        Kind::Zoom,
        Kind::Imo,
        Kind::Tag,
        Kind::Own,
    ];

    /// The keyword after `by`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Stun => "stun",
            Kind::Turn => "turn",
            Kind::MsTurn => "msturn",
            Kind::Dtls => "dtls",
            Kind::Rtp => "rtp",
            Kind::Rtcp => "rtcp",
            Kind::Zoom => "zoom",
            Kind::Imo => "imo",
            Kind::Tag => "tag",
            Kind::Own => "self",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// `confirm N by KIND…`: N later packets, each evidence of one of the kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirm {
    pub count: u8,
    kinds: u16,
}

impl Confirm {
    pub fn new(count: u8, kinds: impl IntoIterator<Item = Kind>) -> Self {
        Confirm {
            count,
            kinds: kinds.into_iter().fold(0, |acc, k| acc | k.bit()),
        }
    }

    pub fn has(&self, k: Kind) -> bool {
        self.kinds & k.bit() != 0
    }

    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        Kind::ALL.into_iter().filter(|k| self.has(*k))
    }
}

impl fmt::Display for Confirm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "confirm {} by", self.count)?;
        for k in self.kinds() {
            write!(f, " {}", k.name())?;
        }
        Ok(())
    }
}

/// What a label that needs confirmation carries: the statement, and the rule's own payload
/// tests when `self` is one of the kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmSpec {
    pub confirm: Confirm,
    pub own: Vec<Test>,
}

/// The packet that named the flow: with `tag`, its first four bytes are recorded (cell 3,
/// count 1), for the later packets to carry again. `progress` is the flow's, cleared.
pub fn start(spec: &ConfirmSpec, payload: &[u8], p: &mut Progress) {
    if let (true, Some(tag), Some((value, seen))) =
        (spec.confirm.has(Kind::Tag), be32(payload, 0), p.cell(3))
    {
        (*value, *seen) = (tag, 1);
    }
}

/// Count one packet (never the one that named the flow); true once the count is reached. The
/// flow's cleared matcher progress keeps the count (cell 0), per direction the SSRC of its
/// latest RTP/RTCP packet (cells 1 and 2, count 1 once recorded), and the naming packet's tag
/// (cell 3, see [`start`]).
pub fn step(
    spec: &ConfirmSpec,
    payload: &[u8],
    transport: u8,
    dir: Direction,
    p: &mut Progress,
) -> bool {
    observe(spec, payload, transport, dir, p);
    confirmed(spec, p)
}

/// Count one packet as [`step`] does, and say which kind of evidence it was, if any (for
/// `nfdpi explain`; the engine only asks [`step`]).
pub fn observe(
    spec: &ConfirmSpec,
    payload: &[u8],
    transport: u8,
    dir: Direction,
    p: &mut Progress,
) -> Option<Kind> {
    let hit = evidence(spec, payload, transport, dir, p);
    if let (Some(_), Some((_, count))) = (hit, p.cell(0)) {
        *count = count.saturating_add(1);
    }
    hit
}

/// Whether the packets counted so far reach the spec's count.
pub fn confirmed(spec: &ConfirmSpec, p: &mut Progress) -> bool {
    p.cell(0)
        .is_some_and(|(_, count)| *count >= spec.confirm.count)
}

/// The kind of evidence one packet is, among the spec's kinds (and records its RTP stream). A
/// continued RTP or RTCP stream comes first, then the kinds in canonical order.
fn evidence(
    spec: &ConfirmSpec,
    payload: &[u8],
    transport: u8,
    dir: Direction,
    p: &mut Progress,
) -> Option<Kind> {
    let c = spec.confirm;
    let media = unframe(payload, transport);
    // Zoom's peer-to-peer media wraps RTP/RTCP in a header of its own: a stream inside counts.
    let zme = c.has(Kind::Zoom).then(|| zoom_media(payload)).flatten();
    let stream = match zme {
        Some(inner) => stream_ssrc(true, true, inner).map(|(_, ssrc)| (Kind::Zoom, ssrc)),
        None => stream_ssrc(c.has(Kind::Rtp), c.has(Kind::Rtcp), media),
    };
    if let (Some((kind, ssrc)), Some((last, seen))) = (stream, p.cell(1 + dir as usize)) {
        let continues = *seen == 1 && *last == ssrc;
        (*last, *seen) = (ssrc, 1);
        if continues {
            return Some(kind);
        }
    }
    let tagged = c.has(Kind::Tag)
        && match (p.cell(3), be32(payload, 0)) {
            (Some((tag, 1)), Some(first)) => *tag == first,
            _ => false,
        };
    let holds = |k: Kind| match k {
        Kind::Stun => Message::parse(payload, transport, false).is_some(),
        Kind::Turn => channel_data(media),
        Kind::MsTurn => ms_turn(payload),
        Kind::Dtls => Record::parse(media).is_some(),
        Kind::Zoom => zoom_frame(payload),
        Kind::Imo => imo_frame(payload),
        Kind::Tag => tagged,
        Kind::Own => super::matcher::tests_hold(&spec.own, payload, transport),
        Kind::Rtp | Kind::Rtcp => false,
    };
    Kind::ALL.into_iter().find(|k| c.has(*k) && holds(*k))
}

/// The SSRC of an RTP packet (payload type 0–34 or 96–127) or of an RTCP packet's sender,
/// with the kind it is, among those asked for.
fn stream_ssrc(rtp: bool, rtcp: bool, p: &[u8]) -> Option<(Kind, u32)> {
    if rtcp && Rtcp::parse(p).is_some() {
        return be32(p, 4).map(|s| (Kind::Rtcp, s));
    }
    let rtp = Rtp::parse(p).filter(|_| rtp)?;
    matches!(rtp.payload_type(), 0..=34 | 96..=127).then(|| (Kind::Rtp, rtp.ssrc()))
}

/// RFC 4571's 2-byte length over TCP, peeled when it frames the whole payload.
fn unframe(p: &[u8], transport: u8) -> &[u8] {
    match be16(p, 0) {
        Some(l) if transport == TCP && usize::from(l) + 2 == p.len() => p.get(2..).unwrap_or(&[]),
        _ => p,
    }
}

/// TURN ChannelData (RFC 8656 §12.4): a channel number 0x4000–0x4FFF and a length equal to
/// the data, padded to 4 bytes or not.
fn channel_data(p: &[u8]) -> bool {
    let (Some(channel), Some(len)) = (be16(p, 0), be16(p, 2)) else {
        return false;
    };
    let exact = usize::from(len) + 4;
    channel & 0xF000 == 0x4000 && (p.len() == exact || p.len() == (exact + 3) & !3)
}

/// What Zoom's media encapsulation (the first bytes of a peer-to-peer call's datagrams)
/// carries after its own header: by its type, RTP at offset 19 (15, audio), 24 or 20 (16,
/// video: 24 when byte 20 is 2), 20 (30, screen sharing) or 27 (13, screen sharing), or RTCP
/// at 16 (33-35).
fn zoom_media(p: &[u8]) -> Option<&[u8]> {
    let at = match p.first()? {
        15 => 19,
        16 if p.get(20) == Some(&2) => 24,
        16 | 30 => 20,
        13 => 27,
        33..=35 => 16,
        _ => return None,
    };
    p.get(at..)
}

/// Zoom's framing of call traffic through its multimedia routers (SFU): a header before
/// everything, a type, a sequence number, and at offset 7 a direction byte (0 towards the
/// router in recent captures, 4 from it; 2 and 0 in a 2019 one). Type 3 and 4 are a keep-alive
/// and its answer (13 bytes or more, bytes 1-2 zero: 23 bits against random bytes), type 5
/// carries media (at least 16 bytes; about 14.4 bits).
fn zoom_frame(p: &[u8]) -> bool {
    match p.first() {
        Some(3 | 4) => p.len() >= 13 && be16(p, 1) == Some(0),
        Some(5) => p.len() >= 16 && matches!(p.get(7), Some(0 | 2 | 4)),
        _ => false,
    }
}

/// IMO's call framing: a length, one or two bytes (seven bits each, high bit set on the first
/// of two), that equals the bytes after it; the relay's side puts a zero byte before it. About
/// 8 bits on a datagram under 129 bytes, 16 on a longer one.
fn imo_frame(p: &[u8]) -> bool {
    let body = match p {
        [0, rest @ ..] => rest,
        _ => p,
    };
    match body {
        [len, rest @ ..] if *len < 0x80 => usize::from(*len) == rest.len() && !rest.is_empty(),
        [hi, lo, rest @ ..] if *hi >= 0x80 && *lo < 0x80 => {
            usize::from(hi & 0x7F) << 7 | usize::from(*lo) == rest.len() && rest.len() >= 0x80
        }
        _ => false,
    }
}

/// Microsoft's multiplexed TURN (MS-TURN): `FF10` and a length equal to the rest.
fn ms_turn(p: &[u8]) -> bool {
    p.len() >= 16
        && be16(p, 0) == Some(0xFF10)
        && be16(p, 2).is_some_and(|l| usize::from(l) + 4 == p.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::packet::UDP;
    use crate::proto::tests_support::hex;

    fn spec(kinds: &[Kind]) -> ConfirmSpec {
        ConfirmSpec {
            confirm: Confirm::new(2, kinds.iter().copied()),
            own: Vec::new(),
        }
    }

    /// An RTP header (version 2, payload type 111) with this sequence number and SSRC.
    fn rtp(seq: u16, ssrc: u32) -> Vec<u8> {
        let mut p = vec![0x80, 111];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&1000u32.to_be_bytes()); // timestamp
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend_from_slice(&[0x55; 40]); // media
        p
    }

    #[test]
    fn rtp_confirms_only_when_it_continues_the_stream_of_its_direction() {
        let s = spec(&[Kind::Rtp]);
        let mut p = Progress::default();
        let up = Direction::ToServer;
        assert!(
            !step(&s, &rtp(1, 7), UDP, up, &mut p),
            "the first packet opens the stream"
        );
        assert_eq!(p.cell(0).map(|(_, n)| *n), Some(0));
        assert!(!step(&s, &rtp(1, 9), UDP, Direction::ToClient, &mut p));
        assert!(!step(&s, &rtp(2, 8), UDP, up, &mut p), "another SSRC");
        assert!(!step(&s, &rtp(3, 8), UDP, up, &mut p));
        assert_eq!(p.cell(0).map(|(_, n)| *n), Some(1));
        assert!(step(&s, &rtp(4, 8), UDP, up, &mut p));
    }

    #[test]
    fn each_kind_has_its_evidence_and_only_its_own() {
        // skype-conference-call.pcap: a Binding request with Microsoft attributes.
        let stun = hex("000100542112a442c55a4fdfde0c325e304c60c700060009677070653a7a57796b000000002400046efffeff802a00080000000000bf43178054000131000000807000040000000300080014c3926666385c09a134e40a0c6c2ef3061a8b62ab802800041fb59b6b");
        let mut channel = vec![0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5];
        let mut ms = vec![0xFF, 0x10, 0x00, 0x1C];
        ms.extend_from_slice(&[0; 28]);
        let dtls = hex(
            "17fefd0001000000000005001d0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d",
        );
        let cases: [(Kind, &[u8]); 4] = [
            (Kind::Stun, &stun),
            (Kind::Turn, &channel),
            (Kind::MsTurn, &ms),
            (Kind::Dtls, &dtls),
        ];
        for (kind, payload) in cases {
            for other in Kind::ALL.into_iter().filter(|k| *k != Kind::Own) {
                let mut p = Progress::default();
                let got = evidence(&spec(&[other]), payload, UDP, Direction::ToServer, &mut p);
                let want = (other == kind).then_some(kind);
                assert_eq!(got, want, "{} on {}", other.name(), kind.name());
            }
        }
        // ChannelData padded to 4 bytes over UDP; a reserved channel and a wrong length fail.
        channel.extend_from_slice(&[0, 0, 0]);
        assert!(channel_data(&channel));
        channel[0] = 0x50;
        assert!(!channel_data(&channel));
        assert!(!channel_data(&[0x40, 0x01, 0x00, 0x09, 1, 2, 3, 4, 5]));
    }

    #[test]
    fn zoom_framing_is_evidence_and_random_bytes_rarely_are() {
        // zoom.pcap, 193.122.35.237:8801 (inside GTP-U): an SFU keep-alive and a media frame.
        let keepalive =
            hex("03000000156d6e7c0000272ec9010540a48ba08c6abb7a227f1cb66e36fa34cd52980219432fe4");
        let media =
            hex("050f3100272ec90415010000000000000035010201001f5a4e0000028805030000000000000000ff");
        for (what, payload) in [("keep-alive", &keepalive), ("media", &media)] {
            let mut p = Progress::default();
            let got = evidence(
                &spec(&[Kind::Zoom]),
                payload,
                UDP,
                Direction::ToServer,
                &mut p,
            );
            assert_eq!(got, Some(Kind::Zoom), "{what}");
        }
        // Peer-to-peer audio: Zoom's 19-byte media header, then RTP; a stream that goes on
        // counts (its first packet only records it), as with `rtp`, and `rtp` alone does not
        // see through the header.
        let p2p = |seq: u16, ssrc: u32| {
            let mut v = vec![15];
            v.extend_from_slice(&[0; 18]);
            v.extend_from_slice(&rtp(seq, ssrc));
            v
        };
        let up = Direction::ToServer;
        let z = spec(&[Kind::Zoom]);
        let mut p = Progress::default();
        assert_eq!(evidence(&z, &p2p(1, 5), UDP, up, &mut p), None);
        assert_eq!(evidence(&z, &p2p(2, 5), UDP, up, &mut p), Some(Kind::Zoom));
        let r = spec(&[Kind::Rtp]);
        let mut p = Progress::default();
        evidence(&r, &p2p(1, 5), UDP, up, &mut p);
        assert_eq!(evidence(&r, &p2p(2, 5), UDP, up, &mut p), None);
        // zoom.pcap (2019), 192.168.1.117:58327 -> 109.94.160.99:8801: a 13-byte keep-alive and
        // a media frame towards the router with direction byte 2.
        assert!(zoom_frame(&hex("0300000001762a8d74005a0e3e")));
        assert!(zoom_frame(&hex(
            "0515010000000002030033010dff0000007a057000000003"
        )));
        let mut bad = media.clone();
        bad[7] = 3;
        assert!(
            !zoom_frame(&bad),
            "an SFU frame with another direction byte"
        );
        let mut bad = keepalive.clone();
        bad[2] = 1;
        assert!(!zoom_frame(&bad));
        // Random datagrams: about one in 20,000 passes (an SFU media frame: 14.4 bits); four in
        // one flow's budget do not happen.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut passed = 0;
        for _ in 0..200_000 {
            let bytes: Vec<u8> = (0..120)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            passed += usize::from(zoom_frame(&bytes));
        }
        assert!(passed < 30, "{passed} of 200,000 random datagrams passed");
    }

    #[test]
    fn imo_framing_is_evidence_and_random_bytes_rarely_are() {
        // imo.pcap: a peer-to-peer ping (09 02 ...), the relay's answer behind its zero byte
        // (00 09 03 ...), and a client datagram with a two-byte length (0x0246 = 582 bytes).
        assert!(imo_frame(&hex("0902dc9a020000000000")));
        assert!(imo_frame(&hex("000903219a020000000000")));
        let mut long = hex("8446");
        long.extend(std::iter::repeat_n(0x5a, 582));
        assert!(imo_frame(&long));
        long.push(0);
        assert!(!imo_frame(&long), "one byte more than its length says");
        // A one-byte keep-alive carries no frame; a two-byte length under 128 is not IMO's.
        assert!(!imo_frame(&hex("07")));
        assert!(!imo_frame(&hex("8003aabbcc")));
        let c = spec(&[Kind::Imo]);
        let mut p = Progress::default();
        let got = evidence(
            &c,
            &hex("0903dc9a020000000000"),
            UDP,
            Direction::ToClient,
            &mut p,
        );
        assert_eq!(got, Some(Kind::Imo));
        // Random datagrams of 40–1,400 bytes: one under 129 bytes passes about once in 256
        // (its length byte), a longer one once in 65,536; about one in 4,000 of these, and four
        // in one flow's budget do not happen.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut passed = 0;
        for _ in 0..200_000 {
            let len = 40 + (next() % 1361) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            passed += usize::from(imo_frame(&bytes));
        }
        assert!(passed < 100, "{passed} of 200,000 random datagrams passed");
        // The first of two length bytes has its high bit set.
        let mut low = vec![0x01, 0x00];
        low.extend(std::iter::repeat_n(0x5a, 128));
        assert!(!imo_frame(&low));
    }

    #[test]
    fn a_tag_is_the_naming_packets_first_four_bytes_again() {
        // telegram.pcap, 192.168.1.77:23174 <-> 91.108.8.7:521: every datagram opens with the
        // call's peer tag.
        let c = spec(&[Kind::Tag]);
        let naming =
            hex("dc4c00291565b7acbc236da9eda0d597fffffffffffffffffffffffffeffffff28f94611");
        let media = hex("dc4c00291565b7acbc236da9eda0d597592e46c3eb5bd2847e7cd8cd020b8522");
        let other = hex("dc4c00281565b7acbc236da9eda0d597592e46c3eb5bd2847e7cd8cd020b8522");
        let mut p = Progress::default();
        // Nothing recorded: no tag to compare with.
        assert_eq!(evidence(&c, &media, UDP, Direction::ToClient, &mut p), None);
        start(&c, &naming, &mut p);
        assert_eq!(
            evidence(&c, &media, UDP, Direction::ToClient, &mut p),
            Some(Kind::Tag)
        );
        assert_eq!(
            evidence(&c, &media, UDP, Direction::ToServer, &mut p),
            Some(Kind::Tag)
        );
        assert_eq!(evidence(&c, &other, UDP, Direction::ToServer, &mut p), None);
        assert_eq!(
            evidence(&c, &hex("dc4c00"), UDP, Direction::ToServer, &mut p),
            None
        );
        // Without `tag` among the kinds, start records nothing.
        let mut q = Progress::default();
        start(&spec(&[Kind::Imo]), &naming, &mut q);
        assert_eq!(evidence(&c, &media, UDP, Direction::ToClient, &mut q), None);
    }

    #[test]
    fn confirm_prints_its_kinds_in_canonical_order() {
        let c = Confirm::new(4, [Kind::Rtp, Kind::Stun, Kind::Own]);
        assert_eq!(c.to_string(), "confirm 4 by stun rtp self");
    }
}
