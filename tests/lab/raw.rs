//! Captured flows replayed byte for byte, TCP included: each packet's transport header and
//! payload exactly as captured (sequence numbers, flags, options, pure ACKs, retransmissions),
//! under a fresh 20-byte IPv4 header with the lab's addresses, sent from a raw socket on the
//! sender's side and watched for with a packet socket on the receiver's. So the firewall sees
//! the capture's packets, sizes and order — what `nfdpi classify` reads offline — and its
//! budget (IP bytes) and signatures meet the same bytes.
//!
//! The end hosts take no part: [`RawLab::new`] drops inbound TCP and UDP in the client's and
//! the server's `raw` PREROUTING (after the packet socket has seen them), so their stacks never
//! answer with a RST or an ICMP error that the capture does not have. A real TCP connection
//! between the namespaces would carry the capture's payloads, but with its own segmentation,
//! handshake, options and ACKs: its IP bytes, and so where the budget cuts it, would not be the
//! capture's, and live and offline could not be compared packet for packet.

use super::*;
use nfdpi::packet::TCP;

/// One flow of a capture, as its packets' transport segments (header and payload).
#[derive(Debug, Clone)]
pub struct RawFlow {
    pub proto: u8,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub steps: Vec<(Dir, Vec<u8>)>,
    /// False when some packet cannot be sent as captured (fragment, IP options, truncated,
    /// larger than the lab's 1500-byte MTU).
    pub replayable: bool,
}

/// The IPv4 header length and the transport segment of `p`, found in `frame` through the packet
/// view: the IP packet ends where the transport payload does and is `ip_len` bytes long.
fn segment<'a>(frame: &'a [u8], p: &Packet<'_>) -> Option<(usize, &'a [u8])> {
    let end = (p.payload.as_ptr() as usize)
        .checked_sub(frame.as_ptr() as usize)?
        .checked_add(p.payload.len())?;
    let start = end.checked_sub(p.ip_len as usize)?;
    let ip = frame.get(start..end)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if ip.first()? >> 4 != 4 || usize::from(u16::from_be_bytes([ip[2], ip[3]])) != ip.len() {
        return None;
    }
    Some((ihl, ip.get(ihl..)?))
}

/// Every TCP and UDP flow over IPv4 of a capture, in order of first packet.
pub fn raw_flows(path: &Path) -> Vec<RawFlow> {
    let mut flows: Vec<RawFlow> = Vec::new();
    let mut index: HashMap<(u8, SocketAddr, SocketAddr), usize> = HashMap::new();
    for (link, frame) in read_frames(path) {
        let Some(link) = link else { continue };
        let Ok(p) = Packet::from_link(link, &frame) else {
            continue;
        };
        if !(p.proto == UDP || p.proto == TCP) || !p.src.is_ipv4() {
            continue;
        }
        let (a, b) = (
            SocketAddr::new(p.src, p.sport),
            SocketAddr::new(p.dst, p.dport),
        );
        let key = if a <= b {
            (p.proto, a, b)
        } else {
            (p.proto, b, a)
        };
        let i = *index.entry(key).or_insert_with(|| {
            flows.push(RawFlow {
                proto: p.proto,
                client: a,
                server: b,
                steps: Vec::new(),
                replayable: true,
            });
            flows.len() - 1
        });
        let f = &mut flows[i];
        let dir = if a == f.client {
            Dir::ToServer
        } else {
            Dir::ToClient
        };
        match segment(&frame, &p) {
            Some((20, seg)) if p.frag.is_none() && seg.len() + 20 <= 1500 => {
                f.steps.push((dir, seg.to_vec()))
            }
            _ => {
                f.replayable = false;
                f.steps.push((dir, p.payload.to_vec()));
            }
        }
    }
    flows
}

/// The internet checksum of `parts`, concatenated.
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum = 0u32;
    let mut odd: Option<u8> = None;
    for b in parts.iter().flat_map(|p| p.iter().copied()) {
        match odd.take() {
            None => odd = Some(b),
            Some(hi) => sum += u32::from(u16::from_be_bytes([hi, b])),
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(hi) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The IPv4 packet carrying `seg` (a TCP or UDP segment) from `src` to `dst`: a 20-byte header
/// with DF, TTL 64, and both checksums recomputed for the new addresses.
pub fn ipv4_packet(proto: u8, src: Ipv4Addr, dst: Ipv4Addr, id: u16, seg: &[u8]) -> Vec<u8> {
    let mut seg = seg.to_vec();
    let at = if proto == TCP { 16 } else { 6 };
    seg[at..at + 2].fill(0);
    let len = u16::try_from(seg.len()).expect("a segment under 64 KiB");
    let pseudo = [
        &src.octets()[..],
        &dst.octets()[..],
        &[0, proto],
        &len.to_be_bytes()[..],
    ]
    .concat();
    let sum = checksum(&[&pseudo, &seg]);
    // A UDP checksum of 0 means "none": send its one's complement twin.
    let sum = if proto == UDP && sum == 0 {
        0xffff
    } else {
        sum
    };
    seg[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    let total = (20 + len).to_be_bytes();
    let mut ip = vec![0x45, 0, total[0], total[1], 0, 0, 0x40, 0, 64, proto, 0, 0];
    ip[4..6].copy_from_slice(&id.to_be_bytes());
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let sum = checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&seg);
    ip
}

/// A file descriptor closed on drop.
pub struct Fd(i32);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: our own descriptor, closed once.
        unsafe { libc::close(self.0) };
    }
}

/// Run `f` on a thread that entered namespace `ns` (sockets it opens stay in it).
fn in_ns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{ns}");
    thread::spawn(move || {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // SAFETY: setns on this short-lived thread only.
        let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "setns {path}: {}", std::io::Error::last_os_error());
        f()
    })
    .join()
    .expect("namespace thread")
}

/// A raw IPv4 socket in `ns` that sends whole packets (IPPROTO_RAW: the header is ours).
fn raw_sender(ns: &str) -> Fd {
    in_ns(ns, || {
        // SAFETY: plain socket(2).
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW) };
        assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
        Fd(fd)
    })
}

/// A packet socket on `eth0` of `ns` that reads the IPv4 packets arriving there (before the
/// namespace's netfilter hooks), with a receive timeout set per read.
fn packet_watcher(ns: &str) -> Fd {
    in_ns(ns, || {
        let proto = (libc::ETH_P_IP as u16).to_be();
        // SAFETY: plain socket(2).
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM, i32::from(proto)) };
        assert!(
            fd >= 0,
            "packet socket: {}",
            std::io::Error::last_os_error()
        );
        let fd = Fd(fd);
        // SAFETY: a NUL-terminated name.
        let ifindex = unsafe { libc::if_nametoindex(c"eth0".as_ptr()) };
        assert!(ifindex > 0, "no eth0");
        // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: bind with a sockaddr_ll of its own size.
        let r = unsafe {
            libc::bind(
                fd.0,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        assert_eq!(
            r,
            0,
            "bind packet socket: {}",
            std::io::Error::last_os_error()
        );
        fd
    })
}

/// One arriving IPv4 packet: (source, destination, transport segment), or `None` after `wait`.
fn next_arrival(fd: &Fd, wait: Duration) -> Option<(Ipv4Addr, Ipv4Addr, Vec<u8>)> {
    let end = Instant::now() + wait;
    let mut buf = vec![0u8; 65536];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let tv = libc::timeval {
            tv_sec: left.as_secs() as libc::time_t,
            tv_usec: left.subsec_micros().max(1) as libc::suseconds_t,
        };
        // SAFETY: setsockopt with a timeval of its own size.
        unsafe {
            libc::setsockopt(
                fd.0,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as u32,
            )
        };
        // SAFETY: sockaddr_ll is plain data.
        let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
        // SAFETY: recvfrom into our buffer and address, with their sizes.
        let n = unsafe {
            libc::recvfrom(
                fd.0,
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&mut from as *mut libc::sockaddr_ll).cast(),
                &mut len,
            )
        };
        if n < 0 {
            return None; // timed out (or interrupted: treated alike)
        }
        let pkt = &buf[..n as usize];
        if from.sll_pkttype == libc::PACKET_OUTGOING || pkt.len() < 20 {
            continue;
        }
        let ihl = usize::from(pkt[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]])).min(pkt.len());
        let (Some(src), Some(dst), Some(seg)) =
            (pkt.get(12..16), pkt.get(16..20), pkt.get(ihl..total))
        else {
            continue;
        };
        let ip = |b: &[u8]| Ipv4Addr::new(b[0], b[1], b[2], b[3]);
        return Some((ip(src), ip(dst), seg.to_vec()));
    }
}

/// The lab's client and server ends for byte-for-byte replay.
pub struct RawLab {
    client_tx: Fd,
    server_tx: Fd,
    client_rx: Fd,
    server_rx: Fd,
    next_id: u16,
}

impl RawLab {
    /// Senders and watchers in the client and server namespaces of `lab`, whose own stacks stop
    /// taking TCP and UDP (so they never answer the replayed packets).
    pub fn new(lab: &Lab) -> RawLab {
        for ns in [&lab.client, &lab.server] {
            for proto in ["tcp", "udp"] {
                run(Command::new("ip").args([
                    "netns",
                    "exec",
                    ns,
                    "iptables",
                    "-t",
                    "raw",
                    "-A",
                    "PREROUTING",
                    "-p",
                    proto,
                    "-j",
                    "DROP",
                ]));
            }
        }
        RawLab {
            client_tx: raw_sender(&lab.client),
            server_tx: raw_sender(&lab.server),
            client_rx: packet_watcher(&lab.client),
            server_rx: packet_watcher(&lab.server),
            next_id: 1,
        }
    }

    fn send(&mut self, dir: Dir, packet: &[u8], to: Ipv4Addr) {
        let fd = match dir {
            Dir::ToServer => &self.client_tx,
            Dir::ToClient => &self.server_tx,
        };
        // SAFETY: sockaddr_in is plain data.
        let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        sin.sin_family = libc::AF_INET as u16;
        sin.sin_addr.s_addr = u32::from(to).to_be();
        // SAFETY: sendto from our buffer to a sockaddr_in of its own size. A packet dropped on
        // the sender's own OUTPUT hook fails with EPERM: it is lost, as the replay will see.
        unsafe {
            libc::sendto(
                fd.0,
                packet.as_ptr().cast(),
                packet.len(),
                0,
                (&sin as *const libc::sockaddr_in).cast(),
                std::mem::size_of::<libc::sockaddr_in>() as u32,
            )
        };
    }

    /// Send `flow`'s packets in order between `client` and `server` (the flow's ports are
    /// kept), one at a time, and note which arrive, as [`Pair::replay`] does for UDP sockets.
    pub fn replay(&mut self, flow: &RawFlow, client: Ipv4Addr, server: Ipv4Addr) -> Vec<bool> {
        let steps = &flow.steps;
        let mut arrived = vec![false; steps.len()];
        let mut lost_any = false;
        for (i, (dir, seg)) in steps.iter().enumerate() {
            let (src, dst) = match dir {
                Dir::ToServer => (client, server),
                Dir::ToClient => (server, client),
            };
            self.next_id = self.next_id.wrapping_add(1);
            let packet = ipv4_packet(flow.proto, src, dst, self.next_id, seg);
            self.send(*dir, &packet, dst);
            let wait = if lost_any {
                Duration::from_millis(30)
            } else {
                Duration::from_millis(400)
            };
            let end = Instant::now() + wait;
            loop {
                let rx = match dir {
                    Dir::ToServer => &self.server_rx,
                    Dir::ToClient => &self.client_rx,
                };
                let Some((s, d, got)) =
                    next_arrival(rx, end.saturating_duration_since(Instant::now()))
                else {
                    lost_any = true;
                    break;
                };
                // The segment as sent (its checksum rewritten); a late one counts for its step.
                let sent = |j: usize| ipv4_packet(flow.proto, s, d, 0, &steps[j].1).split_off(20);
                if (s, d) != (src, dst) {
                    continue;
                }
                if let Some(j) = (0..=i)
                    .rev()
                    .find(|&j| !arrived[j] && steps[j].0 == *dir && sent(j) == got)
                {
                    arrived[j] = true;
                    if j == i {
                        break;
                    }
                }
            }
        }
        arrived
    }
}
