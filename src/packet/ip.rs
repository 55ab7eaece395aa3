//! The IP layer: IPv4 and IPv6 headers, the IPv6 extension-header chain, IP in IP, and the UDP
//! or TCP header. The chain is walked by the rules of Linux's `ipv6_find_hdr`, which is what
//! `ip6tables -p udp` uses to decide a packet is UDP and queue it: nfdpi must find the same
//! transport header, or a packet queued as UDP would pass without a flow or a budget.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{array, be16, be32, byte, rest, Fragment, Packet, ParseError, TCP, UDP};

const IPV4_IN_IP: u8 = 4;
const IPV6_IN_IP: u8 = 41;
const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const AUTH: u8 = 51;
const DEST_OPTIONS: u8 = 60;
/// Extension headers walked at most before the packet is refused, as Linux does
/// (`IP6_MAX_EXT_HDRS_CNT`): a chain longer than this is not queued by a current kernel.
const MAX_EXT_HEADERS: usize = 12;
/// IP-in-IP layers opened at most (6in4, 4in4, 6in6, 4in6).
const MAX_IP_IN_IP: u8 = 2;

/// The network layer of a packet, before its transport header is read.
struct Net<'a> {
    src: IpAddr,
    dst: IpAddr,
    /// The transport's IP protocol number (after any IPv6 extension headers).
    proto: u8,
    /// The bytes after the network headers, up to the IP length or the end of the capture.
    payload: &'a [u8],
    ip_len: u32,
    frag: Option<Fragment>,
}

/// An IP packet of either version. `depth` counts the IP-in-IP layers already opened. A first
/// nibble other than 4 or 6 is malformed here: the caller's link header announced IP.
pub(super) fn packet(data: &[u8], depth: u8) -> Result<Packet<'_>, ParseError> {
    let net = match data.first().map(|b| b >> 4) {
        Some(4) => v4(data)?,
        Some(6) => v6(data)?,
        _ => return Err(ParseError::Malformed),
    };
    transport(net, depth)
}

/// An IPv4 header. Options are skipped by the header length; nothing in them is read. A
/// header length under 20 bytes is invalid and Linux drops such a packet before any queue; a
/// capture may still hold one, and nDPI's reader takes its transport header-length bytes in, its
/// addresses where they always are: read the same way, a capture's flows are nDPI's.
fn v4(data: &[u8]) -> Result<Net<'_>, ParseError> {
    let fixed: &[u8; 20] = data
        .get(..20)
        .and_then(|h| h.try_into().ok())
        .ok_or(ParseError::Malformed)?;
    let hl = usize::from(fixed[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
    // A total length of 0 is what a sender's capture shows under segmentation offload (or BIG
    // TCP), and one shorter than the header is no length at all: what was captured is then the
    // only length there is. One longer than the capture is the wire length of a cut packet.
    let (payload, ip_len) = if total == 0 || total < hl {
        let p = rest(data, hl)?;
        (p, (hl + p.len()) as u32)
    } else {
        let end = total.min(data.len());
        (
            data.get(hl..end).ok_or(ParseError::Malformed)?,
            total as u32,
        )
    };
    let flags_frag = u16::from_be_bytes([fixed[6], fixed[7]]);
    let offset = u32::from(flags_frag & 0x1fff) * 8;
    let more = flags_frag & 0x2000 != 0;
    let frag = (more || offset != 0).then(|| Fragment {
        id: u32::from(u16::from_be_bytes([fixed[4], fixed[5]])),
        offset,
        more,
        len: ip_len.saturating_sub(hl as u32),
    });
    Ok(Net {
        src: IpAddr::V4(Ipv4Addr::from(array::<4>(fixed, 12)?)),
        dst: IpAddr::V4(Ipv4Addr::from(array::<4>(fixed, 16)?)),
        proto: fixed[9],
        payload,
        ip_len,
        frag,
    })
}

/// An IPv6 header and its extension headers.
fn v6(data: &[u8]) -> Result<Net<'_>, ParseError> {
    let fixed: &[u8; 40] = data
        .get(..40)
        .and_then(|h| h.try_into().ok())
        .ok_or(ParseError::Malformed)?;
    let plen = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
    let captured = rest(data, 40)?;
    // Payload length 0: a jumbogram or a segmentation-offload capture; use what was captured.
    // A payload length longer than the capture is the wire length of a cut packet.
    let (region, ip_len) = match plen {
        0 => (captured, 40 + captured.len() as u32),
        n => (captured.get(..n).unwrap_or(captured), 40 + n as u32),
    };
    let (proto, payload, frag) = extension_chain(fixed[6], region)?;
    Ok(Net {
        src: IpAddr::V6(Ipv6Addr::from(array::<16>(fixed, 8)?)),
        dst: IpAddr::V6(Ipv6Addr::from(array::<16>(fixed, 24)?)),
        proto,
        payload,
        ip_len,
        frag,
    })
}

/// Walk IPv6 extension headers from `next` over `region` as Linux's `ipv6_find_hdr` does for
/// "the last header": Hop-by-Hop, Routing and Destination Options headers are skipped wherever
/// they stand ((length + 1) × 8 bytes), Authentication headers too ((length + 2) × 4 bytes), a
/// first fragment's Fragment header (8 bytes) is passed, and the walk stops at anything else
/// (the transport, ESP, No Next Header). A later fragment ends the walk at its Fragment header,
/// whose next header is then the transport. Returns the transport's protocol, the bytes after
/// the last extension header, and the fragment it is, if any. A header that runs past the
/// packet, a later fragment whose next header is another extension header, or a chain of more
/// than [`MAX_EXT_HEADERS`] is malformed: the kernel refuses those too.
fn extension_chain(
    mut next: u8,
    region: &[u8],
) -> Result<(u8, &[u8], Option<Fragment>), ParseError> {
    let mut at = 0usize;
    let mut frag = None;
    for _ in 0..MAX_EXT_HEADERS {
        let len = match next {
            HOP_BY_HOP | ROUTING | DEST_OPTIONS => (usize::from(byte(region, at + 1)?) + 1) * 8,
            AUTH => (usize::from(byte(region, at + 1)?) + 2) * 4,
            FRAGMENT => {
                let h = region.get(at..at + 8).ok_or(ParseError::Malformed)?;
                let field = be16(h, 2).ok_or(ParseError::Malformed)?;
                let (offset, more) = (u32::from(field & 0xfff8), field & 1 != 0);
                let data = rest(region, at + 8)?;
                // An "atomic" fragment header (offset 0, no more fragments) is no fragment.
                if (offset != 0 || more) && frag.is_none() {
                    frag = Some(Fragment {
                        id: be32(h, 4).ok_or(ParseError::Malformed)?,
                        offset,
                        more,
                        len: data.len() as u32,
                    });
                }
                if offset != 0 {
                    let transport = byte(h, 0)?;
                    return match transport {
                        HOP_BY_HOP | ROUTING | FRAGMENT | AUTH | DEST_OPTIONS => {
                            Err(ParseError::Malformed)
                        }
                        _ => Ok((transport, data, frag)),
                    };
                }
                8
            }
            // The transport, ESP, No Next Header (59) or anything unknown: the walk ends here.
            _ => return Ok((next, rest(region, at)?, frag)),
        };
        if region.len().saturating_sub(at) < len {
            return Err(ParseError::Malformed);
        }
        next = byte(region, at)?;
        at += len;
    }
    // The kernel walks no more headers than this: the chain must end here.
    match next {
        HOP_BY_HOP | ROUTING | FRAGMENT | AUTH | DEST_OPTIONS => Err(ParseError::Malformed),
        _ => Ok((next, rest(region, at)?, frag)),
    }
}

/// The transport header of a network layer (or the inner packet of IP in IP).
fn transport(net: Net<'_>, depth: u8) -> Result<Packet<'_>, ParseError> {
    // IP in IP (IPv6-in-IPv4 "6in4", IPv4-in-IPv4): the flow is the inner one, as nDPI sees it.
    if (net.proto == IPV6_IN_IP || net.proto == IPV4_IN_IP)
        && net.frag.is_none()
        && depth < MAX_IP_IN_IP
    {
        return packet(net.payload, depth + 1);
    }
    let p = net.payload;
    let mut pkt = Packet {
        src: net.src,
        dst: net.dst,
        proto: net.proto,
        sport: 0,
        dport: 0,
        payload: p,
        ip_len: net.ip_len,
        frag: net.frag,
    };
    if net.proto != UDP && net.proto != TCP {
        return Ok(pkt);
    }
    match net.frag {
        None => {
            let (header, end) = if net.proto == UDP {
                // The UDP length when it fits, else what there is (a length of 0 is a
                // jumbogram's; a cut capture keeps what it has).
                let len = usize::from(be16(p, 4).ok_or(ParseError::Malformed)?);
                (
                    8,
                    if (8..=p.len()).contains(&len) {
                        len
                    } else {
                        p.len()
                    },
                )
            } else {
                let off = usize::from(byte(p, 12)? >> 4) * 4;
                if off < 20 || off > p.len() {
                    return Err(ParseError::Malformed);
                }
                (off, p.len())
            };
            pkt.payload = p.get(header..end).ok_or(ParseError::Malformed)?;
        }
        // A first fragment: the ports sit at the start of the fragment's data; its payload is
        // whatever follows the transport header in this fragment.
        Some(f) if f.offset == 0 => {
            let header = if net.proto == UDP {
                8
            } else {
                usize::from(byte(p, 12)? >> 4) * 4
            };
            pkt.payload = p.get(header..).unwrap_or(&[]);
        }
        Some(_) => return Ok(pkt),
    }
    pkt.sport = be16(p, 0).ok_or(ParseError::Malformed)?;
    pkt.dport = be16(p, 2).ok_or(ParseError::Malformed)?;
    Ok(pkt)
}
