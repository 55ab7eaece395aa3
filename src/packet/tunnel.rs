//! Tunnels nfdpi opens offline, as nDPI reports their inner flows: GRE, VXLAN, GTP-U and CAPWAP
//! data.

use super::{be16, byte, link, rest, LinkType, Packet, ParseError, UDP};

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
            GRE => gre(p),
            UDP if self.dport == VXLAN || self.sport == VXLAN => {
                // Flags with the I bit (VNI valid), then 7 bytes; Ethernet follows.
                (p.first()? & 0x08 != 0).then_some(())?;
                Self::from_link(LinkType::Ethernet, p.get(8..)?)
            }
            UDP if self.dport == GTP_U || self.sport == GTP_U => gtp_u(p),
            UDP if self.dport == CAPWAP_DATA || self.sport == CAPWAP_DATA => capwap(p),
            _ => return None,
        };
        inner.ok()
    }
}

fn gre(p: &[u8]) -> Result<Packet<'_>, ParseError> {
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
    let inner = rest(p, at)?;
    match proto {
        0x0800 | 0x86dd => Packet::from_ip(inner),
        0x6558 => Packet::from_link(LinkType::Ethernet, inner),
        0x880b => link::ppp(inner),
        _ => Err(ParseError::NotIp),
    }
}

/// GTP-U: version 1 G-PDU (type 0xFF); 8-byte header, 4 more when any of E/S/PN is set,
/// then the chain of extension headers (length in 4-byte units, next type in the last byte).
fn gtp_u(p: &[u8]) -> Result<Packet<'_>, ParseError> {
    let flags = byte(p, 0)?;
    if flags >> 5 != 1 || p.get(1) != Some(&0xff) {
        return Err(ParseError::NotIp);
    }
    let mut at = 8usize;
    if flags & 0x07 != 0 {
        at = 12;
        let mut next = byte(p, 11)?;
        while flags & 0x04 != 0 && next != 0 {
            let len = usize::from(byte(p, at)?) * 4;
            if len == 0 {
                return Err(ParseError::Malformed);
            }
            next = byte(p, at + len - 1)?;
            at += len;
        }
    }
    Packet::from_ip(rest(p, at)?)
}

/// CAPWAP data: a header of HLEN × 4 bytes, a 24-byte 802.11 data header (as nDPI reads it),
/// LLC/SNAP with the EtherType, then the packet.
fn capwap(p: &[u8]) -> Result<Packet<'_>, ParseError> {
    if p.first() != Some(&0) {
        return Err(ParseError::NotIp); // preamble: version 0, type 0 (not DTLS-wrapped)
    }
    let hlen = usize::from(byte(p, 1)? >> 3) * 4;
    link::llc(rest(p, hlen + 24)?)
}
