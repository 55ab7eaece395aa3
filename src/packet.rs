//! A borrowed view of one packet: addresses, transport, ports and the transport payload.
//!
//! Two entries: [`Packet::from_link`] for captures (Ethernet with 802.1Q/QinQ tags, Linux SLL and
//! SLL2, raw IP, BSD loopback) and [`Packet::from_ip`] for NFQUEUE, which hands packets over
//! without a link header. This module allocates nothing, knows nothing of flows or signatures,
//! and never panics on packet bytes: every length is checked before it is read.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};

/// IP protocol number of UDP.
pub const UDP: u8 = 17;
/// IP protocol number of TCP.
pub const TCP: u8 = 6;
const IPV4_IN_IP: u8 = 4;
const IPV6_IN_IP: u8 = 41;

/// The link layer a capture's packets start with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II, with any 802.1Q / 802.1ad tags.
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
            _ => None,
        }
    }
}

/// Why a packet could not be viewed. Counted by the engine, never fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not IPv4 or IPv6 (ARP, LLDP, …): not an error, just nothing to classify.
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
                None => Self::from_ethernet_general(data),
            },
            LinkType::LinuxSll => {
                // 16-byte header; protocol type (an EtherType for IP) in its last two bytes.
                let ether = be16(data, 14).ok_or(ParseError::Malformed)?;
                Self::from_ether_type(ether, data.get(16..).ok_or(ParseError::Malformed)?)
            }
            LinkType::LinuxSll2 => {
                // 20-byte header; protocol type in its first two bytes.
                let ether = be16(data, 0).ok_or(ParseError::Malformed)?;
                Self::from_ether_type(ether, data.get(20..).ok_or(ParseError::Malformed)?)
            }
            LinkType::RawIp => Self::from_ip(data),
            LinkType::Null | LinkType::Loop => {
                // The address family's value differs by OS (AF_INET6 is 24, 28 or 30); both byte
                // orders are accepted, and the IP version nibble decides in the end.
                let rest = data.get(4..).ok_or(ParseError::Malformed)?;
                Self::from_ip(rest)
            }
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
        Self::from_ip_depth(data, 0)
    }

    /// Ethernet through etherparse: every tag, tunnel and oddity.
    fn from_ethernet_general(data: &'a [u8]) -> Result<Self, ParseError> {
        let sliced = LaxSlicedPacket::from_ethernet(data).map_err(|_| ParseError::Malformed)?;
        match Self::from_sliced(sliced, 0) {
            Err(ParseError::NotIp) => Self::from_pppoe(data),
            r => r,
        }
    }

    /// The common case without etherparse: Ethernet II with at most one 802.1Q tag, then
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

    /// The common case without etherparse: an unfragmented IPv4 packet (options allowed) or an
    /// IPv6 packet without extension headers, carrying UDP or TCP, whose IP length fits in
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
                // As etherparse's lax UDP view: the length field when it fits, else the slice.
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

    fn from_ip_depth(data: &'a [u8], depth: u8) -> Result<Self, ParseError> {
        let sliced = LaxSlicedPacket::from_ip(data).map_err(|_| ParseError::Malformed)?;
        Self::from_sliced(sliced, depth)
    }

    /// PPPoE session frames (EtherType 0x8864, possibly behind VLAN tags), which etherparse
    /// leaves alone: a 6-byte PPPoE header, then the 2-byte PPP protocol, then IP.
    fn from_pppoe(data: &'a [u8]) -> Result<Self, ParseError> {
        let mut at = 12;
        let mut ether = be16(data, at).ok_or(ParseError::Malformed)?;
        while matches!(ether, 0x8100 | 0x88a8 | 0x9100) {
            at += 4;
            ether = be16(data, at).ok_or(ParseError::Malformed)?;
        }
        if ether != 0x8864 {
            return Err(ParseError::NotIp);
        }
        match be16(data, at + 8) {
            Some(0x0021) | Some(0x0057) => {
                Self::from_ip(data.get(at + 10..).ok_or(ParseError::Malformed)?)
            }
            Some(_) => Err(ParseError::NotIp),
            None => Err(ParseError::Malformed),
        }
    }

    fn from_ether_type(ether: u16, data: &'a [u8]) -> Result<Self, ParseError> {
        let ether = EtherType(ether);
        if ether != EtherType::IPV4
            && ether != EtherType::IPV6
            && ether != EtherType::VLAN_TAGGED_FRAME
            && ether != EtherType::PROVIDER_BRIDGING
            && ether != EtherType::VLAN_DOUBLE_TAGGED_FRAME
        {
            return Err(ParseError::NotIp);
        }
        Self::from_sliced(LaxSlicedPacket::from_ether_type(ether, data), 0)
    }

    fn from_sliced(sliced: LaxSlicedPacket<'a>, depth: u8) -> Result<Self, ParseError> {
        let (src, dst, ip_len, payload, frag) = match &sliced.net {
            Some(LaxNetSlice::Ipv4(v4)) => {
                let h = v4.header();
                let header_len = u32::from(h.ihl()) * 4;
                // A total length of 0 is what a sender's capture shows under TCP segmentation
                // offload (or BIG TCP): the captured length is then the only length there is.
                let ip_len = match u32::from(h.total_len()) {
                    0 => header_len + v4.payload().payload.len() as u32,
                    n => n,
                };
                let frag = if h.is_fragmenting_payload() {
                    Some(Fragment {
                        id: u32::from(h.identification()),
                        offset: u32::from(h.fragments_offset().value()) * 8,
                        more: h.more_fragments(),
                        len: ip_len.saturating_sub(header_len),
                    })
                } else {
                    None
                };
                let src = IpAddr::V4(Ipv4Addr::from(h.source()));
                let dst = IpAddr::V4(Ipv4Addr::from(h.destination()));
                (src, dst, ip_len, v4.payload(), frag)
            }
            Some(LaxNetSlice::Ipv6(v6)) => {
                let h = v6.header();
                let data_len = v6.payload().payload.len() as u32;
                // Payload length 0: a jumbogram or a segmentation-offload capture; use what
                // was captured.
                let ip_len = match u32::from(h.payload_length()) {
                    0 => 40 + v6.extensions().slice().len() as u32 + data_len,
                    n => 40 + n,
                };
                let frag = v6.extensions().clone().into_iter().find_map(|e| match e {
                    etherparse::Ipv6ExtensionSlice::Fragment(f) => Some(f.to_header()),
                    _ => None,
                });
                let frag = frag.and_then(|f| {
                    // An "atomic" fragment header (offset 0, no more fragments) is no fragment.
                    (f.fragment_offset.value() != 0 || f.more_fragments).then(|| Fragment {
                        id: f.identification,
                        offset: u32::from(f.fragment_offset.value()) * 8,
                        more: f.more_fragments,
                        len: data_len,
                    })
                });
                let src = IpAddr::V6(Ipv6Addr::from(h.source()));
                let dst = IpAddr::V6(Ipv6Addr::from(h.destination()));
                (src, dst, ip_len, v6.payload(), frag)
            }
            Some(LaxNetSlice::Arp(_)) => return Err(ParseError::NotIp),
            // Etherparse stops at unknown EtherTypes (ARP, LLDP…); a known but broken IP header
            // leaves a stop error on the network layer.
            None => {
                return match sliced.stop_err {
                    Some((_, etherparse::err::Layer::Ethernet2Header))
                    | Some((_, etherparse::err::Layer::VlanHeader))
                    | None => Err(ParseError::NotIp),
                    Some(_) => Err(ParseError::Malformed),
                }
            }
        };
        let proto = payload.ip_number.0;
        // IP in IP (IPv6-in-IPv4 "6in4", IPv4-in-IPv4): the flow is the inner one, as nDPI sees it.
        if (proto == IPV6_IN_IP || proto == IPV4_IN_IP) && frag.is_none() && depth < 2 {
            return Self::from_ip_depth(payload.payload, depth + 1);
        }
        let mut pkt = Packet {
            src,
            dst,
            proto,
            sport: 0,
            dport: 0,
            payload: payload.payload,
            ip_len,
            frag,
        };
        match (&sliced.transport, frag) {
            (Some(TransportSlice::Udp(udp)), None) => {
                pkt.sport = udp.source_port();
                pkt.dport = udp.destination_port();
                pkt.payload = udp.payload();
            }
            (Some(TransportSlice::Tcp(tcp)), None) => {
                pkt.sport = tcp.source_port();
                pkt.dport = tcp.destination_port();
                pkt.payload = tcp.payload();
            }
            // A first fragment: etherparse leaves the transport alone; the ports sit at the
            // start of the fragment's data all the same.
            (_, Some(f)) if f.offset == 0 && (proto == UDP || proto == TCP) => {
                pkt.sport = be16(payload.payload, 0).ok_or(ParseError::Malformed)?;
                pkt.dport = be16(payload.payload, 2).ok_or(ParseError::Malformed)?;
                let header = if proto == UDP {
                    8
                } else {
                    let off = payload.payload.get(12).ok_or(ParseError::Malformed)?;
                    usize::from(off >> 4) * 4
                };
                pkt.payload = payload.payload.get(header..).unwrap_or(&[]);
            }
            (_, Some(_)) => {}
            // UDP or TCP without a parsable header (cut by the snap length, or broken).
            (None, None) if proto == UDP || proto == TCP => {
                return Err(ParseError::Malformed);
            }
            _ => {}
        }
        Ok(pkt)
    }
}

/// UDP port of GTP user-plane tunnels.
const GTP_U: u16 = 2152;
/// UDP port of VXLAN.
const VXLAN: u16 = 4789;
/// UDP port of CAPWAP data channels.
const CAPWAP_DATA: u16 = 5247;
const GRE: u8 = 47;

impl<'a> Packet<'a> {
    /// The packet carried inside a tunnel this packet belongs to, if it is one nfdpi opens:
    /// GRE (IP, Ethernet or PPP inside; PPTP's enhanced GRE too), VXLAN, GTP-U and CAPWAP data
    /// (802.11 with LLC/SNAP inside). `None` when this is no such tunnel packet, or its inner
    /// packet is not IP. Offline reports name inner flows as nDPI does; the live daemon keeps
    /// the outer flow, which is what conntrack marks.
    pub fn tunnel_inner(&self) -> Option<Packet<'a>> {
        if self.frag.is_some_and(|f| f.offset != 0 || f.more) {
            return None;
        }
        let p = self.payload;
        let inner = match self.proto {
            GRE => Self::from_gre(p),
            UDP if self.dport == VXLAN || self.sport == VXLAN => {
                // Flags with the I bit (VNI valid), then 7 bytes; Ethernet follows.
                (p.first()? & 0x08 != 0).then_some(())?;
                Self::from_link(LinkType::Ethernet, p.get(8..)?)
            }
            UDP if self.dport == GTP_U || self.sport == GTP_U => Self::from_gtp_u(p),
            UDP if self.dport == CAPWAP_DATA || self.sport == CAPWAP_DATA => Self::from_capwap(p),
            _ => return None,
        };
        inner.ok()
    }

    fn from_gre(p: &'a [u8]) -> Result<Self, ParseError> {
        let flags = be16(p, 0).ok_or(ParseError::Malformed)?;
        let proto = be16(p, 2).ok_or(ParseError::Malformed)?;
        let mut at = 4usize;
        if flags & 0x8000 != 0 {
            at += 4; // checksum + reserved (version 0)
        }
        if flags & 0x2000 != 0 {
            at += 4; // key (version 1: payload length + call id)
        }
        if flags & 0x1000 != 0 {
            at += 4; // sequence number
        }
        if flags & 0x0007 == 1 && flags & 0x0080 != 0 {
            at += 4; // acknowledgement number (enhanced GRE)
        }
        let rest = p.get(at..).ok_or(ParseError::Malformed)?;
        match proto {
            0x0800 | 0x86dd => Self::from_ip(rest),
            0x6558 => Self::from_link(LinkType::Ethernet, rest),
            0x880b => Self::from_ppp(rest),
            _ => Err(ParseError::NotIp),
        }
    }

    /// PPP: optional address/control (FF 03), then a 1- or 2-byte protocol.
    fn from_ppp(p: &'a [u8]) -> Result<Self, ParseError> {
        let p = if p.starts_with(&[0xff, 0x03]) {
            p.get(2..).ok_or(ParseError::Malformed)?
        } else {
            p
        };
        let first = *p.first().ok_or(ParseError::Malformed)?;
        let (proto, at) = if first & 1 == 1 {
            (u16::from(first), 1)
        } else {
            (be16(p, 0).ok_or(ParseError::Malformed)?, 2)
        };
        match proto {
            0x21 | 0x57 => Self::from_ip(p.get(at..).ok_or(ParseError::Malformed)?),
            _ => Err(ParseError::NotIp),
        }
    }

    /// GTP-U: version 1 G-PDU (type 0xFF); 8-byte header, 4 more when any of E/S/PN is set,
    /// then the chain of extension headers (length in 4-byte units, next type in the last byte).
    fn from_gtp_u(p: &'a [u8]) -> Result<Self, ParseError> {
        let flags = *p.first().ok_or(ParseError::Malformed)?;
        if flags >> 5 != 1 || p.get(1) != Some(&0xff) {
            return Err(ParseError::NotIp);
        }
        let mut at = 8usize;
        if flags & 0x07 != 0 {
            at = 12;
            let mut next = *p.get(11).ok_or(ParseError::Malformed)?;
            while flags & 0x04 != 0 && next != 0 {
                let len = usize::from(*p.get(at).ok_or(ParseError::Malformed)?) * 4;
                if len == 0 {
                    return Err(ParseError::Malformed);
                }
                next = *p.get(at + len - 1).ok_or(ParseError::Malformed)?;
                at += len;
            }
        }
        Self::from_ip(p.get(at..).ok_or(ParseError::Malformed)?)
    }

    /// CAPWAP data: a header of HLEN × 4 bytes, a 24-byte 802.11 data header, LLC/SNAP with
    /// the EtherType, then the packet.
    fn from_capwap(p: &'a [u8]) -> Result<Self, ParseError> {
        if p.first() != Some(&0) {
            return Err(ParseError::NotIp); // preamble: version 0, type 0 (not DTLS-wrapped)
        }
        let hlen = usize::from(*p.get(1).ok_or(ParseError::Malformed)? >> 3) * 4;
        let llc = p.get(hlen + 24..).ok_or(ParseError::Malformed)?;
        if !llc.starts_with(&[0xaa, 0xaa, 0x03]) {
            return Err(ParseError::NotIp);
        }
        let ether = be16(llc, 6).ok_or(ParseError::Malformed)?;
        Self::from_ether_type(ether, llc.get(8..).ok_or(ParseError::Malformed)?)
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn udp4(payload: &[u8]) -> Vec<u8> {
        let b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(5000, 3478);
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    #[test]
    fn ethernet_udp_v4() {
        let bytes = udp4(b"hello");
        let p = Packet::from_link(LinkType::Ethernet, &bytes).unwrap();
        assert_eq!(p.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!((p.sport, p.dport, p.proto), (5000, 3478, UDP));
        assert_eq!(p.payload, b"hello");
        assert_eq!(p.ip_len, 20 + 8 + 5);
    }

    #[test]
    fn vlan_ipv6_tcp() {
        let b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .single_vlan(etherparse::VlanId::try_new(42).unwrap())
            .ipv6([1; 16], [2; 16], 64)
            .tcp(443, 50000, 1, 1000);
        let mut out = Vec::new();
        b.write(&mut out, b"abc").unwrap();
        let p = Packet::from_link(LinkType::Ethernet, &out).unwrap();
        assert_eq!((p.sport, p.dport, p.proto), (443, 50000, TCP));
        assert_eq!(p.payload, b"abc");
        assert_eq!(p.ip_len, 40 + 20 + 3);
    }

    /// Ethernet frames of the shared nDPI captures and of the project's own, if present.
    fn real_frames() -> Vec<Vec<u8>> {
        use pcap_parser::pcapng::Block;
        use pcap_parser::{PcapBlockOwned, PcapError};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in [root.join("../shared/pcaps/ndpi"), root.join("pcaps")] {
            if let Ok(rd) = std::fs::read_dir(dir) {
                files.extend(rd.flatten().map(|e| e.path()));
            }
        }
        files.sort();
        let mut frames = Vec::new();
        for f in files {
            let Ok(file) = std::fs::File::open(&f) else {
                continue;
            };
            let Ok(mut r) = pcap_parser::create_reader(1 << 20, file) else {
                continue;
            };
            let mut ether = Vec::new();
            loop {
                match r.next() {
                    Ok((n, block)) => {
                        match block {
                            PcapBlockOwned::LegacyHeader(h) => ether = vec![h.network.0 == 1],
                            PcapBlockOwned::Legacy(b) if ether == [true] => {
                                frames.push(b.data.to_vec())
                            }
                            PcapBlockOwned::NG(Block::SectionHeader(_)) => ether.clear(),
                            PcapBlockOwned::NG(Block::InterfaceDescription(i)) => {
                                ether.push(i.linktype.0 == 1)
                            }
                            PcapBlockOwned::NG(Block::EnhancedPacket(e))
                                if ether.get(e.if_id as usize) == Some(&true) =>
                            {
                                frames
                                    .push(e.data[..(e.caplen as usize).min(e.data.len())].to_vec())
                            }
                            _ => {}
                        }
                        r.consume(n);
                    }
                    Err(PcapError::Incomplete(_)) => {
                        if r.refill().is_err() || r.reader_exhausted() && r.data().is_empty() {
                            break;
                        }
                        if r.reader_exhausted() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        }
        frames
    }

    /// The fast path gives exactly the general path's view whenever it takes a frame: on every
    /// real frame, and on cut and byte-flipped copies of them.
    #[test]
    fn fast_path_agrees_with_the_general_path() {
        let frames = real_frames();
        if frames.is_empty() {
            eprintln!("skipped: no captures under ../shared/pcaps/ndpi or pcaps/");
            return;
        }
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let (mut fast, mut total) = (0usize, 0usize);
        let mut check = |f: &[u8]| {
            total += 1;
            if let Some(p) = Packet::fast_ethernet(f) {
                fast += 1;
                assert_eq!(Ok(p), Packet::from_ethernet_general(f), "frame {f:02x?}");
            }
            let ip = f.get(14..).unwrap_or(&[]);
            if let Some(p) = Packet::fast_ip(ip) {
                assert_eq!(Ok(p), Packet::from_ip_depth(ip, 0), "packet {ip:02x?}");
            }
        };
        for f in &frames {
            check(f);
            for _ in 0..8 {
                let mut m = f.clone();
                match next() % 3 {
                    0 => m.truncate((next() as usize) % (f.len() + 1)),
                    _ => {
                        // Flip a byte in the headers, where the two paths decide things.
                        let at = (next() as usize) % f.len().clamp(1, 80);
                        if let Some(b) = m.get_mut(at) {
                            *b ^= 1 << (next() % 8);
                        }
                    }
                }
                check(&m);
            }
        }
        eprintln!("fast path took {fast} of {total} frames");
        // The fast path is for the common case; it must actually take it.
        assert!(fast * 2 > total, "fast path took only {fast} of {total}");
    }

    #[test]
    fn arp_is_not_ip() {
        let mut frame = vec![0u8; 42];
        frame[12] = 0x08;
        frame[13] = 0x06;
        assert_eq!(
            Packet::from_link(LinkType::Ethernet, &frame).unwrap_err(),
            ParseError::NotIp
        );
    }

    #[test]
    fn truncated_udp_is_malformed() {
        let bytes = udp4(b"hello");
        // Ethernet + IPv4 header + 4 bytes of the UDP header.
        assert!(Packet::from_link(LinkType::Ethernet, &bytes[..14 + 20 + 4]).is_err());
    }

    #[test]
    fn every_prefix_of_a_packet_is_safe() {
        let bytes = udp4(&[0x55; 64]);
        for n in 0..bytes.len() {
            let _ = Packet::from_link(LinkType::Ethernet, &bytes[..n]);
            let _ = Packet::from_ip(&bytes[14..14 + n.min(bytes.len() - 14)]);
        }
    }

    #[test]
    fn sll_and_sll2_and_null() {
        let bytes = udp4(b"xy");
        let ip = &bytes[14..];
        let mut sll = vec![0u8; 16];
        sll[14] = 0x08;
        sll.extend_from_slice(ip);
        let p = Packet::from_link(LinkType::LinuxSll, &sll).unwrap();
        assert_eq!(p.dport, 3478);
        let mut sll2 = vec![0u8; 20];
        sll2[0] = 0x08;
        sll2.extend_from_slice(ip);
        assert_eq!(
            Packet::from_link(LinkType::LinuxSll2, &sll2).unwrap().dport,
            3478
        );
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(ip);
        assert_eq!(
            Packet::from_link(LinkType::Null, &null).unwrap().dport,
            3478
        );
    }

    #[test]
    fn ipv4_fragments() {
        // A hand-made first fragment: IPv4 header with MF set, then a UDP header and data.
        let bytes = udp4(&[7u8; 32]);
        let mut ip = bytes[14..].to_vec();
        ip[6] = 0x20; // MF, offset 0
        let p = Packet::from_ip(&ip).unwrap();
        assert_eq!(p.frag.unwrap().offset, 0);
        assert!(p.frag.unwrap().more);
        assert_eq!((p.sport, p.dport), (5000, 3478));
        assert!(p.has_ports());
        // Second fragment at offset 16: no ports.
        ip[6] = 0x00;
        ip[7] = 2;
        let p = Packet::from_ip(&ip).unwrap();
        assert_eq!(p.frag.unwrap().offset, 16);
        assert!(!p.has_ports());
    }
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
