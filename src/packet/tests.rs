//! The packet view's tests: the link types, the IP layer, the fast path against the general
//! path, and hostile bytes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

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
    for dir in ["../shared/pcaps/ndpi", "../shared/pcaps/ndpi-more", "pcaps"].map(|d| root.join(d))
    {
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
                            frames.push(e.data[..(e.caplen as usize).min(e.data.len())].to_vec())
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
            assert_eq!(Ok(p), link::ethernet(f), "frame {f:02x?}");
        }
        let ip = f.get(14..).unwrap_or(&[]);
        if let Some(p) = Packet::fast_ip(ip) {
            assert_eq!(Ok(p), ip::packet(ip, 0), "packet {ip:02x?}");
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

// ---------------------------------------------------------------------------------------------
// IP layer

/// An IPv6 packet: fixed header with next header `next`, then `after` (extension headers and
/// transport); the payload length counts `after`.
fn v6(next: u8, after: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(after.len() as u16).to_be_bytes());
    p.extend_from_slice(&[next, 64]);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8].repeat(4));
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb9].repeat(4));
    p.extend_from_slice(after);
    p
}

/// A UDP header 4000 → 5000 and `payload`.
fn udp(payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0x0f, 0xa0, 0x13, 0x88];
    u.extend_from_slice(&(8 + payload.len() as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

/// An extension header of the Hop-by-Hop/Routing/Destination kind: next header, length in
/// 8-byte units beyond the first 8, padding.
fn opt_header(next: u8, units: u8) -> Vec<u8> {
    let mut h = vec![next, units];
    h.resize(8 * (usize::from(units) + 1), 0);
    h
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[track_caller]
fn assert_udp(p: Result<Packet<'_>, ParseError>, payload: &[u8]) {
    let p = p.unwrap();
    assert_eq!(
        (p.proto, p.sport, p.dport, p.payload),
        (UDP, 4000, 5000, payload)
    );
}

/// Linux's `ipv6_find_hdr` (what `ip6tables -p udp` asks) skips Hop-by-Hop, Routing and
/// Destination Options headers wherever they stand, and Authentication headers by their own
/// length rule; nfdpi finds the same UDP header.
#[test]
fn ipv6_extension_headers_are_walked_as_the_kernel_walks_them() {
    let u = udp(b"data");
    // Hop-by-Hop first, as the RFC wants it.
    assert_udp(
        Packet::from_ip(&v6(0, &concat(&[&opt_header(17, 0), &u]))),
        b"data",
    );
    // Destination Options, then a misplaced Hop-by-Hop of 16 bytes, then Routing.
    let chain = concat(&[
        &opt_header(0, 0),
        &opt_header(43, 1),
        &opt_header(17, 0),
        &u,
    ]);
    assert_udp(Packet::from_ip(&v6(60, &chain)), b"data");
    // AH, length 0: (0 + 2) × 4 = 8 bytes. Length 1: 12 bytes.
    let ah0 = [17, 0, 0, 0, 0, 0, 0, 1];
    assert_udp(Packet::from_ip(&v6(51, &concat(&[&ah0, &u]))), b"data");
    let ah1 = [60, 1, 0, 0, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd];
    let chain = concat(&[&ah1, &opt_header(17, 0), &u]);
    assert_udp(Packet::from_ip(&v6(51, &chain)), b"data");
    // The walk stops at ESP and at No Next Header: not UDP.
    let esp = v6(60, &concat(&[&opt_header(50, 0), &u]));
    let esp = Packet::from_ip(&esp).unwrap();
    assert_eq!((esp.proto, esp.payload), (50, &u[..]));
    let none = v6(0, &concat(&[&opt_header(59, 0), &u]));
    let none = Packet::from_ip(&none).unwrap();
    assert_eq!(none.proto, 59);
    // The IP length counts every header.
    assert_eq!(
        Packet::from_ip(&v6(51, &chain)).unwrap().ip_len,
        40 + 12 + 8 + 12
    );
}

/// The kernel walks at most 12 extension headers (`IP6_MAX_EXT_HDRS_CNT`).
#[test]
fn ipv6_chain_of_12_headers_is_walked_and_13_are_refused() {
    let chain = |n: usize| {
        let mut c: Vec<u8> = (1..n).flat_map(|_| opt_header(60, 0)).collect();
        c.extend(opt_header(17, 0));
        c.extend(udp(b"x"));
        v6(60, &c)
    };
    assert_udp(Packet::from_ip(&chain(12)), b"x");
    assert_eq!(Packet::from_ip(&chain(13)), Err(ParseError::Malformed));
}

/// A Fragment header: next header, reserved, offset (bytes, a multiple of 8) with the M flag,
/// identification.
fn frag_header(next: u8, offset: u16, more: bool, id: u32) -> Vec<u8> {
    let mut h = vec![next, 0];
    h.extend_from_slice(&(offset | u16::from(more)).to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h
}

#[test]
fn ipv6_fragments_first_and_later() {
    // A first fragment with a Destination Options header after the Fragment header: walked on
    // to UDP; the fragment's data is everything after the Fragment header.
    let after = concat(&[&opt_header(17, 0), &udp(b"first")]);
    let first = v6(44, &concat(&[&frag_header(60, 0, true, 7), &after]));
    let p = Packet::from_ip(&first).unwrap();
    assert_eq!(
        (p.proto, p.sport, p.dport, p.payload),
        (UDP, 4000, 5000, &b"first"[..])
    );
    let f = p.frag.unwrap();
    assert_eq!(
        (f.id, f.offset, f.more, f.len),
        (7, 0, true, after.len() as u32)
    );
    // A later fragment: the walk ends at its Fragment header, whose next header is the
    // transport; what follows is data, not headers.
    let later = v6(
        44,
        &concat(&[&frag_header(17, 1232, false, 7), &opt_header(0, 3)]),
    );
    let p = Packet::from_ip(&later).unwrap();
    assert_eq!((p.proto, p.sport, p.payload.len()), (UDP, 0, 32));
    assert_eq!(p.frag.unwrap().offset, 1232);
    assert!(!p.has_ports());
    // A later fragment naming another extension header: the kernel finds no transport.
    let odd = v6(44, &concat(&[&frag_header(60, 1232, false, 7), &[0; 16]]));
    assert_eq!(Packet::from_ip(&odd), Err(ParseError::Malformed));
    // An atomic Fragment header (offset 0, no more fragments) is no fragment.
    let atomic = v6(
        44,
        &concat(&[&frag_header(17, 0, false, 9), &udp(b"whole")]),
    );
    let p = Packet::from_ip(&atomic).unwrap();
    assert_eq!((p.frag, p.payload), (None, &b"whole"[..]));
}

/// Issue 10.1: etherparse 0.21 read past the buffer on this 48-byte packet (payload length 0, a
/// Hop-by-Hop header, then a second one cut short). The chain is now walked here, within the
/// bytes: the second header runs past the packet, so the packet is malformed.
#[test]
fn ipv6_extension_header_cut_short_is_malformed_not_read_past() {
    let bug = "616d00000000000040080a0da40d0da40d0000000040080a0da40d0d0da40000000040080aa40d0d00000000400aa40d";
    let bytes: Vec<u8> = (0..bug.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&bug[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes.len(), 48);
    assert_eq!(Packet::from_ip(&bytes), Err(ParseError::Malformed));
    // The sibling sites: an Authentication and a Fragment header cut short, at every length.
    for (next, header) in [
        (51u8, vec![17u8, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]),
        (44, frag_header(17, 0, true, 1)),
    ] {
        let whole = concat(&[&opt_header(next, 0), &header]);
        for cut in 8..whole.len() {
            assert_eq!(
                Packet::from_ip(&v6(0, &whole[..cut])),
                Err(ParseError::Malformed),
                "next {next}, cut at {cut}"
            );
        }
    }
}

/// A header length under 20 bytes: Linux drops such a packet, but a capture may hold one, and
/// nDPI's reader takes the transport IHL × 4 bytes in (`fuzz-2006-06-26-2594.pcap`).
#[test]
fn ipv4_header_length_under_20_is_read_as_ndpi_reads_it() {
    let mut ip = udp4(b"abcdefgh")[14..].to_vec();
    ip[0] = 0x41; // IHL 1: the "transport" starts 4 bytes in, at the identification field.
    ip[4..8].copy_from_slice(&[0x6a, 0xb3, 0x00, 0x00]);
    let p = Packet::from_ip(&ip).unwrap();
    assert_eq!((p.proto, p.sport, p.dport), (UDP, 27315, 0));
    assert_eq!(p.src, "10.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(p.ip_len, ip.len() as u32);
    // Fewer than 20 bytes is no IPv4 header at all.
    assert_eq!(Packet::from_ip(&ip[..19]), Err(ParseError::Malformed));
}

/// `iptables -p udp` reads the IPv4 protocol field: an Authentication header there makes the
/// packet protocol 51, not UDP, and nfdpi says the same.
#[test]
fn ipv4_authentication_header_is_not_skipped() {
    let mut ip = udp4(b"xy")[14..].to_vec();
    ip[9] = 51;
    let p = Packet::from_ip(&ip).unwrap();
    assert_eq!((p.proto, p.sport), (51, 0));
}

#[test]
fn ip_in_ip_opens_two_layers() {
    let inner = udp4(b"in")[14..].to_vec();
    let wrap = |p: &[u8]| {
        let mut outer = udp4(&[])[14..34].to_vec();
        outer[9] = 4;
        outer[2..4].copy_from_slice(&((20 + p.len()) as u16).to_be_bytes());
        concat(&[&outer, p])
    };
    let two = wrap(&wrap(&inner));
    assert_eq!(Packet::from_ip(&two).unwrap().payload, b"in");
    let three = wrap(&two);
    assert_eq!(
        Packet::from_ip(&three).unwrap().proto,
        4,
        "a third layer stays closed"
    );
}

// ---------------------------------------------------------------------------------------------
// Link layers

/// The IPv4 packet of [`udp4`] without its Ethernet header.
fn ip4(payload: &[u8]) -> Vec<u8> {
    udp4(payload)[14..].to_vec()
}

#[test]
fn ppp_with_and_without_framing_and_cisco_hdlc() {
    let ip = ip4(b"ppp");
    for (link, head) in [
        (LinkType::Ppp, vec![0xff, 0x03, 0x00, 0x21]),
        (LinkType::Ppp, vec![0x00, 0x21]),
        (LinkType::Ppp, vec![0x21]), // protocol-field compression
        (LinkType::Ppp, vec![0x0f, 0x00, 0x08, 0x00]), // Cisco HDLC on a PPP link
        (LinkType::CiscoHdlc, vec![0x8f, 0x00, 0x08, 0x00]),
    ] {
        let frame = concat(&[&head, &ip]);
        assert_eq!(
            Packet::from_link(link, &frame).unwrap().payload,
            b"ppp",
            "{head:02x?}"
        );
    }
    // LCP (0xC021) carries no IP.
    let lcp = concat(&[&[0xff, 0x03, 0xc0, 0x21], &ip[..]]);
    assert_eq!(
        Packet::from_link(LinkType::Ppp, &lcp),
        Err(ParseError::NotIp)
    );
}

const LLC_IP4: [u8; 8] = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];

/// An 802.11 MAC header: frame control (type/subtype byte, flags), duration, addresses,
/// sequence control, then `extra` (fourth address, QoS control, HT control).
fn wifi(fc: u8, flags: u8, extra: &[u8]) -> Vec<u8> {
    let mut h = vec![fc, flags, 0, 0];
    h.extend_from_slice(&[0x02; 18]);
    h.extend_from_slice(&[0x10, 0]);
    h.extend_from_slice(extra);
    h
}

#[test]
fn ieee80211_data_frames_carry_ip_and_others_do_not() {
    let ip = ip4(b"wifi");
    let body = concat(&[&LLC_IP4, &ip]);
    let data = |fc, flags, extra: &[u8]| concat(&[&wifi(fc, flags, extra), &body]);
    // Data to the distribution system; QoS data; four addresses, QoS and HT control.
    for frame in [
        data(0x08, 0x01, &[]),
        data(0x88, 0x02, &[0x05, 0x00]),
        data(0x88, 0x83, &concat(&[&[0x02; 6], &[0x00, 0x00], &[0; 4]])),
    ] {
        assert_eq!(
            Packet::from_link(LinkType::Ieee80211, &frame)
                .unwrap()
                .payload,
            b"wifi"
        );
    }
    // An A-MSDU: the first subframe (destination, source, length) is read.
    let mut sub = vec![0x02; 12];
    sub.extend_from_slice(&(body.len() as u16).to_be_bytes());
    sub.extend_from_slice(&body);
    let amsdu = concat(&[&wifi(0x88, 0x01, &[0x80, 0x00]), &sub]);
    assert_eq!(
        Packet::from_link(LinkType::Ieee80211, &amsdu)
            .unwrap()
            .payload,
        b"wifi"
    );
    // Protected (encrypted), management, QoS null, and data without SNAP: no IP.
    for frame in [
        data(0x08, 0x41, &[]),
        data(0x80, 0x00, &[]),
        data(0xc8, 0x01, &[0, 0]),
        concat(&[&wifi(0x08, 0x01, &[]), &[0x42, 0x42, 0x03], &ip[..]]),
    ] {
        assert_eq!(
            Packet::from_link(LinkType::Ieee80211, &frame),
            Err(ParseError::NotIp)
        );
    }
    // A data frame cut inside its MAC header.
    assert_eq!(
        Packet::from_link(LinkType::Ieee80211, &data(0x08, 0x01, &[])[..20]),
        Err(ParseError::Malformed)
    );
}

/// Radiotap: two presence words (bit 31 of the first), TSFT aligned to 8, then Flags.
fn radiotap(flags: u8, frame: &[u8]) -> Vec<u8> {
    let mut h = vec![0, 0, 0, 0];
    h.extend_from_slice(&0x8000_0003u32.to_le_bytes()); // TSFT, Flags, another word follows
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&[0; 4]); // pad to 8 for TSFT
    h.extend_from_slice(&[7; 8]); // TSFT
    h.push(flags);
    h.push(0); // pad
    let len = h.len() as u16;
    h[2..4].copy_from_slice(&len.to_le_bytes());
    concat(&[&h, frame])
}

#[test]
fn radiotap_length_flags_and_fcs() {
    let frame = concat(&[&wifi(0x08, 0x01, &[]), &LLC_IP4, &ip4(b"rt")]);
    let plain = radiotap(0, &frame);
    let p = Packet::from_link(LinkType::Radiotap, &plain).unwrap();
    assert_eq!(p.payload, b"rt");
    // FCS at the end: 4 bytes trimmed, the packet is the same.
    let with_fcs = concat(&[&frame, &[1, 2, 3, 4]]);
    let fcs = radiotap(0x10, &with_fcs);
    let q = Packet::from_link(LinkType::Radiotap, &fcs).unwrap();
    assert_eq!(q, p);
    // A frame that failed its FCS check is dropped, as nDPI does.
    assert_eq!(
        Packet::from_link(LinkType::Radiotap, &radiotap(0x50, &with_fcs)),
        Err(ParseError::Malformed)
    );
    // A length past the frame, a length under 8, another version.
    let mut bad = radiotap(0, &frame);
    bad[2..4].copy_from_slice(&9999u16.to_le_bytes());
    assert_eq!(
        Packet::from_link(LinkType::Radiotap, &bad),
        Err(ParseError::Malformed)
    );
    bad[2..4].copy_from_slice(&4u16.to_le_bytes());
    assert_eq!(
        Packet::from_link(LinkType::Radiotap, &bad),
        Err(ParseError::Malformed)
    );
    let mut v1 = radiotap(0, &frame);
    v1[0] = 1;
    assert_eq!(
        Packet::from_link(LinkType::Radiotap, &v1),
        Err(ParseError::Malformed)
    );
}

/// PPI: header (version, flags, length, link type), optional fields, the frame.
fn ppi(dlt: u32, fields: &[u8], frame: &[u8]) -> Vec<u8> {
    let mut h = vec![0, 0];
    h.extend_from_slice(&(8 + fields.len() as u16).to_le_bytes());
    h.extend_from_slice(&dlt.to_le_bytes());
    concat(&[&h, fields, frame])
}

#[test]
fn ppi_names_the_link_type_that_follows() {
    // Ethernet behind an aggregation field (type 8), as in someip_sd_sample.pcap.
    let eth = udp4(b"ppi");
    let agg = [8, 0, 4, 0, 0, 0, 0, 0];
    assert_eq!(
        Packet::from_link(LinkType::Ppi, &ppi(1, &agg, &eth))
            .unwrap()
            .payload,
        b"ppi"
    );
    // 802.11 with an 802.11-Common field (type 2, 20 bytes) announcing the FCS.
    let wifi_frame = concat(&[
        &wifi(0x08, 0x01, &[]),
        &LLC_IP4,
        &ip4(b"ppi"),
        &[9, 9, 9, 9],
    ]);
    let common = |flags: u16| {
        let mut f = vec![2, 0, 20, 0];
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&flags.to_le_bytes());
        f.extend_from_slice(&[0; 10]);
        f
    };
    let good = ppi(105, &common(0x1), &wifi_frame);
    assert_eq!(
        Packet::from_link(LinkType::Ppi, &good).unwrap().payload,
        b"ppi"
    );
    assert_eq!(
        Packet::from_link(LinkType::Ppi, &ppi(105, &common(0x5), &wifi_frame)),
        Err(ParseError::Malformed),
        "FCS failed"
    );
    // PPI inside PPI, and a link type nfdpi does not read.
    assert_eq!(
        Packet::from_link(LinkType::Ppi, &ppi(192, &[], &eth)),
        Err(ParseError::NotIp)
    );
    assert_eq!(
        Packet::from_link(LinkType::Ppi, &ppi(147, &[], &eth)),
        Err(ParseError::NotIp)
    );
}

#[test]
fn ethernet_mpls_pppoe_and_llc_snap() {
    let ip = ip4(b"eth");
    let macs = [0x02u8; 12];
    let frame = |ether: u16, mid: &[u8]| concat(&[&macs, &ether.to_be_bytes(), mid, &ip]);
    // Two MPLS labels, the second at the bottom of the stack.
    let mpls = frame(0x8847, &[0, 1, 0x40, 64, 0, 2, 0x01, 64]);
    assert_eq!(
        Packet::from_link(LinkType::Ethernet, &mpls)
            .unwrap()
            .payload,
        b"eth"
    );
    // A PPPoE session behind a QinQ pair of tags.
    let pppoe = frame(
        0x88a8,
        &[
            0, 10, 0x81, 0x00, 0, 20, 0x88, 0x64, 0x11, 0, 0, 1, 0, 30, 0x00, 0x21,
        ],
    );
    assert_eq!(
        Packet::from_link(LinkType::Ethernet, &pppoe)
            .unwrap()
            .payload,
        b"eth"
    );
    // 802.3: a length, then LLC/SNAP with the EtherType.
    let snap = frame(ip.len() as u16 + 8, &LLC_IP4);
    assert_eq!(
        Packet::from_link(LinkType::Ethernet, &snap)
            .unwrap()
            .payload,
        b"eth"
    );
    // 802.3 with plain LLC (spanning tree): no IP.
    let stp = frame(38, &[0x42, 0x42, 0x03]);
    assert_eq!(
        Packet::from_link(LinkType::Ethernet, &stp),
        Err(ParseError::NotIp)
    );
}

/// Every link type, on every prefix and every one-byte change of a valid frame: never a panic,
/// and every view it gives lies within the frame.
#[test]
fn every_link_type_survives_cut_and_flipped_frames() {
    let ip = ip4(&[0x5a; 40]);
    let frames = [
        udp4(&[0x5a; 40]),
        concat(&[&[0u8; 14], &[0x08, 0x00], &ip]),
        concat(&[&[0x08, 0x00], &[0u8; 18], &ip]),
        ip.clone(),
        concat(&[&[2, 0, 0, 0], &ip]),
        concat(&[&[0, 0, 0, 2], &ip]),
        concat(&[&[0xff, 0x03, 0x00, 0x21], &ip]),
        concat(&[&[0x0f, 0x00, 0x08, 0x00], &ip]),
        concat(&[&wifi(0x88, 0x01, &[0, 0]), &LLC_IP4, &ip]),
        radiotap(
            0x10,
            &concat(&[&wifi(0x08, 0x01, &[]), &LLC_IP4, &ip, &[0; 4]]),
        ),
        ppi(1, &[], &udp4(&[0x5a; 40])),
    ];
    for (link, frame) in LinkType::ALL.into_iter().zip(frames) {
        let whole = Packet::from_link(link, &frame).unwrap_or_else(|e| panic!("{link:?}: {e:?}"));
        assert_eq!(whole.payload, &[0x5a; 40][..], "{link:?}");
        let within = |p: &Packet<'_>, f: &[u8]| {
            let r = f.as_ptr_range();
            p.payload.is_empty() || r.contains(&p.payload.as_ptr())
        };
        for n in 0..frame.len() {
            if let Ok(p) = Packet::from_link(link, &frame[..n]) {
                assert!(within(&p, &frame[..n]), "{link:?} cut at {n}");
            }
        }
        for at in 0..frame.len() {
            for bit in 0..8 {
                let mut m = frame.clone();
                m[at] ^= 1 << bit;
                if let Ok(p) = Packet::from_link(link, &m) {
                    assert!(within(&p, &m), "{link:?} flip {at}.{bit}");
                }
            }
        }
    }
}
