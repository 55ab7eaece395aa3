//! Link layers, down to the IP packet: Ethernet (802.1Q/802.1ad tags, PPPoE sessions, MPLS,
//! 802.3 with LLC/SNAP), Linux SLL and SLL2, BSD loopback, PPP and Cisco HDLC, 802.11 data
//! frames alone or behind radiotap or PPI.

use super::{be16, byte, ip, le16, le32, rest, LinkType, Packet, ParseError};

/// A frame of one of the link types [`Packet::from_link`] does not handle itself.
pub(super) fn other(link: LinkType, data: &[u8]) -> Result<Packet<'_>, ParseError> {
    match link {
        LinkType::Ethernet => ethernet(data),
        LinkType::RawIp => Packet::from_ip(data),
        // 16-byte header; protocol type (an EtherType for IP) in its last two bytes.
        LinkType::LinuxSll => ether_payload(need16(data, 14)?, rest(data, 16)?),
        // 20-byte header; protocol type in its first two bytes.
        LinkType::LinuxSll2 => ether_payload(need16(data, 0)?, rest(data, 20)?),
        // The address family's value differs by OS (AF_INET6 is 24, 28 or 30) and byte order;
        // the IP version nibble decides.
        LinkType::Null | LinkType::Loop => Packet::from_ip(rest(data, 4)?),
        LinkType::Ppp | LinkType::CiscoHdlc => ppp_or_hdlc(data),
        LinkType::Ieee80211 => ieee80211(data, 0),
        LinkType::Radiotap => radiotap(data),
        LinkType::Ppi => ppi(data),
    }
}

fn need16(data: &[u8], at: usize) -> Result<u16, ParseError> {
    be16(data, at).ok_or(ParseError::Malformed)
}

/// Ethernet II, or 802.3 (a length where the EtherType would be) with LLC/SNAP.
pub(super) fn ethernet(data: &[u8]) -> Result<Packet<'_>, ParseError> {
    let ether = need16(data, 12)?;
    let body = rest(data, 14)?;
    if ether <= 1500 {
        return llc(body);
    }
    ether_payload(ether, body)
}

/// An 802.2 LLC header with SNAP (`AA AA 03`, a 3-byte OUI, an EtherType), then its payload.
/// Other LLC frames (spanning tree, NetBEUI, …) carry no IP.
pub(super) fn llc(body: &[u8]) -> Result<Packet<'_>, ParseError> {
    if !body.starts_with(&[0xaa, 0xaa, 0x03]) {
        return Err(ParseError::NotIp);
    }
    ether_payload(need16(body, 6)?, rest(body, 8)?)
}

/// What follows an EtherType: VLAN tags (any number, each consumes 4 bytes), a PPPoE session,
/// an MPLS label stack, or IP.
pub(super) fn ether_payload(mut ether: u16, mut data: &[u8]) -> Result<Packet<'_>, ParseError> {
    loop {
        match ether {
            0x0800 | 0x86dd => return ip::packet(data, 0),
            0x8100 | 0x88a8 | 0x9100 => {
                ether = need16(data, 2)?;
                data = rest(data, 4)?;
            }
            // PPPoE session: a 6-byte header, then the PPP protocol.
            0x8864 => return ppp_protocol(need16(data, 6)?, rest(data, 8)?),
            0x8847 | 0x8848 => return mpls(data),
            _ => return Err(ParseError::NotIp),
        }
    }
}

/// An MPLS label stack (4 bytes per label, bit 8 of the last marks the bottom). MPLS does not
/// name its payload: IP is recognised by its version nibble, as nDPI does.
fn mpls(mut data: &[u8]) -> Result<Packet<'_>, ParseError> {
    loop {
        let label = super::be32(data, 0).ok_or(ParseError::Malformed)?;
        data = rest(data, 4)?;
        if label & 0x100 != 0 {
            return Packet::from_ip(data);
        }
    }
}

/// Cisco HDLC (address `0F` or `8F`, control, EtherType) or PPP: a PPP link may carry either,
/// as nDPI's reader assumes.
fn ppp_or_hdlc(data: &[u8]) -> Result<Packet<'_>, ParseError> {
    match data.first() {
        Some(0x0f | 0x8f) => ether_payload(need16(data, 2)?, rest(data, 4)?),
        _ => ppp(data),
    }
}

/// PPP: optional address and control (`FF 03`), then a 1-byte (compressed, odd) or 2-byte
/// protocol.
pub(super) fn ppp(p: &[u8]) -> Result<Packet<'_>, ParseError> {
    let p = if p.starts_with(&[0xff, 0x03]) {
        rest(p, 2)?
    } else {
        p
    };
    let first = byte(p, 0)?;
    if first & 1 == 1 {
        ppp_protocol(u16::from(first), rest(p, 1)?)
    } else {
        ppp_protocol(need16(p, 0)?, rest(p, 2)?)
    }
}

/// The packet behind a PPP protocol number: IPv4 (0x21) or IPv6 (0x57).
fn ppp_protocol(proto: u16, data: &[u8]) -> Result<Packet<'_>, ParseError> {
    match proto {
        0x21 | 0x57 => Packet::from_ip(data),
        _ => Err(ParseError::NotIp),
    }
}

/// An IEEE 802.11 frame, `fcs` trailing bytes of frame check sequence included. Only data
/// frames that carry a body in the clear hold packets: management, control, null-function and
/// protected (encrypted) frames are not IP. The MAC header is 24 bytes, 30 with a fourth
/// address (to and from the distribution system), 2 more with QoS control, 4 more with HT
/// control (QoS frames with the order bit); an A-MSDU's first subframe is read.
fn ieee80211(data: &[u8], fcs: usize) -> Result<Packet<'_>, ParseError> {
    let (fc, flags) = (byte(data, 0)?, byte(data, 1)?);
    let subtype = fc >> 4;
    if (fc >> 2) & 0x3 != 2 || subtype & 0x4 != 0 || flags & 0x40 != 0 {
        return Err(ParseError::NotIp);
    }
    let mut header = if flags & 0x03 == 0x03 { 30 } else { 24 };
    let mut amsdu = false;
    if subtype & 0x8 != 0 {
        amsdu = byte(data, header)? & 0x80 != 0;
        header += if flags & 0x80 != 0 { 6 } else { 2 };
    }
    let end = data.len().checked_sub(fcs).ok_or(ParseError::Malformed)?;
    let body = data.get(header..end).ok_or(ParseError::Malformed)?;
    if amsdu {
        // Subframe header: destination, source, then the subframe's length.
        let len = usize::from(need16(body, 12)?);
        let sub = body.get(14..14 + len).ok_or(ParseError::Malformed)?;
        return llc(sub);
    }
    llc(body)
}

/// A radiotap header (version 0, pad, length, presence words), then 802.11. Bit 31 of a
/// presence word says another follows; the fields come after the last one, each aligned to its
/// size. Of the fields only Flags (bit 1, after the 8-byte TSFT of bit 0) matters: it says the
/// frame ends with a frame check sequence (0x10) or failed it (0x40, dropped as nDPI does).
fn radiotap(data: &[u8]) -> Result<Packet<'_>, ParseError> {
    let len = usize::from(le16(data, 2).ok_or(ParseError::Malformed)?);
    if byte(data, 0)? != 0 || len < 8 {
        return Err(ParseError::Malformed);
    }
    let header = data.get(..len).ok_or(ParseError::Malformed)?;
    let present = le32(header, 4).ok_or(ParseError::Malformed)?;
    let (mut word, mut at) = (present, 8usize);
    while word & 0x8000_0000 != 0 {
        word = le32(header, at).ok_or(ParseError::Malformed)?;
        at += 4;
    }
    let mut fcs = 0;
    if present & 0x2 != 0 {
        if present & 0x1 != 0 {
            at = at.next_multiple_of(8) + 8;
        }
        let flags = byte(header, at)?;
        if flags & 0x40 != 0 {
            return Err(ParseError::Malformed);
        }
        if flags & 0x10 != 0 {
            fcs = 4;
        }
    }
    ieee80211(rest(data, len)?, fcs)
}

/// PPI: version, flags, header length and the link type of the frame that follows (both
/// little-endian), then fields up to the header length. An 802.11 frame's frame check sequence
/// is announced by the 802.11-Common field (type 2: flags at byte 8, 0x1 present, 0x4 failed).
fn ppi(data: &[u8]) -> Result<Packet<'_>, ParseError> {
    let len = usize::from(le16(data, 2).ok_or(ParseError::Malformed)?);
    let dlt = le32(data, 4).ok_or(ParseError::Malformed)?;
    if len < 8 {
        return Err(ParseError::Malformed);
    }
    let header = data.get(..len).ok_or(ParseError::Malformed)?;
    let frame = rest(data, len)?;
    match i32::try_from(dlt).ok().and_then(LinkType::from_pcap) {
        Some(LinkType::Ieee80211) => {
            let mut at = 8usize;
            let mut fcs = 0;
            while let (Some(kind), Some(flen)) = (le16(header, at), le16(header, at + 2)) {
                if kind == 2 {
                    let flags = le16(header, at + 4 + 8).ok_or(ParseError::Malformed)?;
                    if flags & 0x4 != 0 {
                        return Err(ParseError::Malformed);
                    }
                    fcs = if flags & 0x1 != 0 { 4 } else { 0 };
                }
                at += 4 + usize::from(flen);
            }
            ieee80211(frame, fcs)
        }
        Some(LinkType::Ppi) | None => Err(ParseError::NotIp),
        Some(inner) => Packet::from_link(inner, frame),
    }
}
