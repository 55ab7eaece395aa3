//! A borrowed view of one packet: addresses, transport, ports and the transport payload.
//!
//! Two entries: [`Packet::from_link`] for captures (every link type nDPI's reader takes: Ethernet
//! with its tags, PPPoE, MPLS and LLC/SNAP, Linux SLL and SLL2, raw IP, BSD loopback, PPP and
//! Cisco HDLC, 802.11 alone or behind radiotap or PPI) and [`Packet::from_ip`] for NFQUEUE, which
//! hands packets over without a link header. Every header is read here, by this module's own
//! bounds-checked code: IPv6 extension headers are walked with the kernel's rules, so the
//! transport found is the one `ip6tables -p udp` found. This module allocates nothing, knows
//! nothing of flows or signatures, and never panics on packet bytes.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod ip;
mod link;
mod tunnel;

/// IP protocol number of UDP.
pub const UDP: u8 = 17;
/// IP protocol number of TCP.
pub const TCP: u8 = 6;

/// The link layer a capture's packets start with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II or 802.3 with LLC/SNAP, with any 802.1Q / 802.1ad tags, PPPoE or MPLS.
    Ethernet,
    /// Linux "cooked" capture v1 (16-byte header).
    LinuxSll,
    /// Linux "cooked" capture v2 (20-byte header).
    LinuxSll2,
    /// Raw IPv4 or IPv6, version taken from the first nibble.
    RawIp,
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    Null,
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    Loop,
    /// PPP, with or without HDLC-like framing (`FF 03`); a Cisco HDLC frame is recognised too.
    Ppp,
    /// Cisco HDLC: address, control, then an EtherType.
    CiscoHdlc,
    /// IEEE 802.11 frames without a radio header.
    Ieee80211,
    /// IEEE 802.11 behind a radiotap header.
    Radiotap,
    /// Per-Packet Information: a header naming the link type that follows.
    Ppi,
}

impl LinkType {
    /// The link type of a pcap/pcapng `LINKTYPE_*` value, if it is one nfdpi reads.
    pub fn from_pcap(linktype: i32) -> Option<Self> {
        match linktype {
            1 => Some(Self::Ethernet),
            113 => Some(Self::LinuxSll),
            276 => Some(Self::LinuxSll2),
            // LINKTYPE_RAW, plus the historical DLT_RAW values some systems wrote, and IPV4/IPV6.
            101 | 12 | 14 | 228 | 229 => Some(Self::RawIp),
            0 => Some(Self::Null),
            108 => Some(Self::Loop),
            // LINKTYPE_PPP, LINKTYPE_PPP_HDLC (DLT_PPP_SERIAL).
            9 | 50 => Some(Self::Ppp),
            104 => Some(Self::CiscoHdlc),
            105 => Some(Self::Ieee80211),
            127 => Some(Self::Radiotap),
            192 => Some(Self::Ppi),
            _ => None,
        }
    }

    /// Every link type, in declaration order.
    pub const ALL: [LinkType; 11] = [
        Self::Ethernet,
        Self::LinuxSll,
        Self::LinuxSll2,
        Self::RawIp,
        Self::Null,
        Self::Loop,
        Self::Ppp,
        Self::CiscoHdlc,
        Self::Ieee80211,
        Self::Radiotap,
        Self::Ppi,
    ];

    /// Every link type nfdpi reads, for messages.
    pub const SUPPORTED: &'static str = "Ethernet (1), Linux SLL (113) and SLL2 (276), raw IP \
         (101, 228, 229), BSD loopback (0, 108), PPP (9, 50), Cisco HDLC (104), 802.11 (105), \
         radiotap (127) and PPI (192)";
}

/// Why a packet could not be viewed. Counted by the engine, never fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not IPv4 or IPv6 (ARP, LLDP, 802.11 management, encrypted 802.11, …): not an error, just
    /// nothing to classify.
    NotIp,
    /// The bytes stop before a header they announce, or a header is invalid.
    Malformed,
}

/// Where an IP fragment sits in its datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// IPv4 identification or IPv6 fragment-header identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
    /// Bytes of datagram data this fragment carries.
    pub len: u32,
}

/// A view of one IP packet. Borrowed from the caller's buffer; nothing is copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number of the transport (after IPv6 extension headers).
    pub proto: u8,
    /// Source port (0 for a non-first fragment or a transport without ports).
    pub sport: u16,
    /// Destination port (0 for a non-first fragment or a transport without ports).
    pub dport: u16,
    /// Transport payload as captured (may be shorter than on the wire when a capture's snap
    /// length cut it). For a non-first fragment, the fragment's data.
    pub payload: &'a [u8],
    /// Length of the IP datagram (or fragment) on the wire, in bytes, from the IP header: the
    /// unit of the budget, like iptables' connbytes.
    pub ip_len: u32,
    /// Set when this packet is an IP fragment.
    pub frag: Option<Fragment>,
}

impl<'a> Packet<'a> {
    /// True for UDP or TCP with ports (a first fragment included).
    pub fn has_ports(&self) -> bool {
        (self.proto == UDP || self.proto == TCP) && self.frag.is_none_or(|f| f.offset == 0)
    }

    /// View a packet that starts with the given link layer.
    pub fn from_link(link: LinkType, data: &'a [u8]) -> Result<Self, ParseError> {
        match link {
            LinkType::Ethernet => match Self::fast_ethernet(data) {
                Some(p) => Ok(p),
                None => link::ethernet(data),
            },
            LinkType::RawIp => Self::from_ip(data),
            _ => link::other(link, data),
        }
    }

    /// View a packet that starts with its IP header (NFQUEUE, raw-IP captures).
    pub fn from_ip(data: &'a [u8]) -> Result<Self, ParseError> {
        match data.first().map(|b| b >> 4) {
            Some(4) | Some(6) => {}
            Some(_) => return Err(ParseError::NotIp),
            None => return Err(ParseError::Malformed),
        }
        if let Some(p) = Self::fast_ip(data) {
            return Ok(p);
        }
        ip::packet(data, 0)
    }

    /// The common case, read at fixed offsets: Ethernet II with at most one 802.1Q tag, then
    /// [`Self::fast_ip`]. `None` hands the frame to the general path, which gives the same view
    /// for every frame this accepts (a test compares both on real and mutated frames).
    fn fast_ethernet(data: &'a [u8]) -> Option<Self> {
        let mut ether = be16(data, 12)?;
        let mut at = 14;
        if ether == 0x8100 {
            ether = be16(data, 16)?;
            at = 18;
        }
        match ether {
            0x0800 | 0x86dd => Self::fast_ip(data.get(at..)?),
            _ => None,
        }
    }

    /// The common case, read at fixed offsets: an unfragmented IPv4 packet (options allowed) or
    /// an IPv6 packet without extension headers, carrying UDP or TCP, whose IP length fits in
    /// what was captured and whose transport header is whole. Anything else is `None`.
    fn fast_ip(data: &'a [u8]) -> Option<Self> {
        let first = *data.first()?;
        let (src, dst, proto, ip, ip_len) = match first >> 4 {
            4 => {
                let hl = usize::from(first & 0x0f) * 4;
                let total = usize::from(be16(data, 2)?);
                let flags_frag = be16(data, 6)?;
                // More fragments, or a fragment offset: the general path keys fragments.
                if hl < 20 || total < hl || total > data.len() || flags_frag & 0x3fff != 0 {
                    return None;
                }
                let a: [u8; 4] = data.get(12..16)?.try_into().ok()?;
                let b: [u8; 4] = data.get(16..20)?.try_into().ok()?;
                let ip = data.get(hl..total)?;
                (
                    IpAddr::V4(Ipv4Addr::from(a)),
                    IpAddr::V4(Ipv4Addr::from(b)),
                    *data.get(9)?,
                    ip,
                    total as u32,
                )
            }
            6 => {
                let plen = usize::from(be16(data, 4)?);
                // Payload length 0 (jumbogram, segmentation offload) goes the general way.
                if plen == 0 {
                    return None;
                }
                let a: [u8; 16] = data.get(8..24)?.try_into().ok()?;
                let b: [u8; 16] = data.get(24..40)?.try_into().ok()?;
                let ip = data.get(40..40usize.checked_add(plen)?)?;
                (
                    IpAddr::V6(Ipv6Addr::from(a)),
                    IpAddr::V6(Ipv6Addr::from(b)),
                    *data.get(6)?,
                    ip,
                    40 + plen as u32,
                )
            }
            _ => return None,
        };
        let (sport, dport, payload) = match proto {
            UDP => {
                let len = usize::from(be16(ip, 4)?);
                // The length field when it fits, else what there is (as the general path).
                let end = if (8..=ip.len()).contains(&len) {
                    len
                } else {
                    ip.len()
                };
                (be16(ip, 0)?, be16(ip, 2)?, ip.get(8..end)?)
            }
            TCP => {
                let off = usize::from(*ip.get(12)? >> 4) * 4;
                if off < 20 {
                    return None;
                }
                (be16(ip, 0)?, be16(ip, 2)?, ip.get(off..)?)
            }
            _ => return None,
        };
        Some(Packet {
            src,
            dst,
            proto,
            sport,
            dport,
            payload,
            ip_len,
            frag: None,
        })
    }
}

/// A big-endian u16 at `at`, if the bytes are there.
fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

/// A big-endian u32 at `at`, if the bytes are there.
fn be32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

/// A little-endian u16 at `at`, if the bytes are there.
fn le16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(b.try_into().ok()?))
}

/// A little-endian u32 at `at`, if the bytes are there.
fn le32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

/// A byte that must be there: its absence means the packet was cut short.
fn byte(data: &[u8], at: usize) -> Result<u8, ParseError> {
    data.get(at).copied().ok_or(ParseError::Malformed)
}

/// `N` bytes at `at`, which must be there.
fn array<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N], ParseError> {
    data.get(at..at.checked_add(N).ok_or(ParseError::Malformed)?)
        .and_then(|b| b.try_into().ok())
        .ok_or(ParseError::Malformed)
}

/// The bytes from `at` on, which must exist (`at == len` gives an empty slice).
fn rest(data: &[u8], at: usize) -> Result<&[u8], ParseError> {
    data.get(at..).ok_or(ParseError::Malformed)
}

/// Which way a packet travels within its flow. The client is the endpoint that sent the flow's
/// first packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client (the flow's first sender) to the server.
    ToServer,
    /// From the server back to the client.
    ToClient,
}

#[cfg(test)]
mod tests;
