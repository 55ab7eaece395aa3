//! The canonical bidirectional flow key: (transport, lower endpoint, higher endpoint). Both
//! directions of a conversation give the same key; the side tells which end sent the packet.
//! It holds no state.

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::packet::Packet;

/// One endpoint, compact: IPv4 addresses are stored as IPv4-mapped IPv6 with a flag, and the
/// port as big-endian bytes. Every field has alignment 1, so a key is 39 bytes with no padding,
/// and the derived order is still numeric order (flag, then address, then port).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Endpoint {
    v6: bool,
    ip: [u8; 16],
    port: [u8; 2],
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("v6", &self.v6)
            .field("ip", &self.ip)
            .field("port", &u16::from_be_bytes(self.port))
            .finish()
    }
}

/// An endpoint's fields as numbers (family flag, IPv4-mapped address, port): the same order as
/// the derived order of [`Endpoint`], and cheap to compare and to pack.
type Rank = (bool, u128, u16);

impl Endpoint {
    #[cfg(test)]
    fn new(ip: IpAddr, port: u16) -> Self {
        Self::from_rank(Self::rank_of(ip, port))
    }

    fn rank_of(ip: IpAddr, port: u16) -> Rank {
        match ip {
            IpAddr::V4(a) => (false, u128::from(a.to_ipv6_mapped()), port),
            IpAddr::V6(a) => (true, u128::from(a), port),
        }
    }

    fn from_rank((v6, ip, port): Rank) -> Self {
        Endpoint {
            v6,
            ip: ip.to_be_bytes(),
            port: port.to_be_bytes(),
        }
    }

    #[cfg(test)]
    fn rank(&self) -> Rank {
        (
            self.v6,
            u128::from_be_bytes(self.ip),
            u16::from_be_bytes(self.port),
        )
    }

    fn addr(&self) -> SocketAddr {
        let v6 = Ipv6Addr::from(self.ip);
        let ip = match (self.v6, v6.to_ipv4_mapped()) {
            (false, Some(v4)) => IpAddr::V4(v4),
            (false, None) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            (true, _) => IpAddr::V6(v6),
        };
        SocketAddr::new(ip, u16::from_be_bytes(self.port))
    }
}

/// Canonical bidirectional key (39 bytes, alignment 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowKey {
    proto: u8,
    lo: Endpoint,
    hi: Endpoint,
}

/// Which end of the key sent a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The packet's source is the key's lower endpoint.
    Lo,
    /// The packet's source is the key's higher endpoint.
    Hi,
}

impl FlowKey {
    /// The key of a packet and the side its source is on.
    pub fn of(pkt: &Packet<'_>) -> (FlowKey, Side) {
        Self::from_parts(
            pkt.proto,
            SocketAddr::new(pkt.src, pkt.sport),
            SocketAddr::new(pkt.dst, pkt.dport),
        )
    }

    /// The key of a conversation between `src` and `dst` over IP protocol `proto`.
    pub fn from_parts(proto: u8, src: SocketAddr, dst: SocketAddr) -> (FlowKey, Side) {
        // Compared as numbers, then packed: as building both endpoints and comparing them.
        let a = Endpoint::rank_of(src.ip(), src.port());
        let b = Endpoint::rank_of(dst.ip(), dst.port());
        let (a, b, lo) = (Endpoint::from_rank(a), Endpoint::from_rank(b), a <= b);
        if lo {
            (
                FlowKey {
                    proto,
                    lo: a,
                    hi: b,
                },
                Side::Lo,
            )
        } else {
            (
                FlowKey {
                    proto,
                    lo: b,
                    hi: a,
                },
                Side::Hi,
            )
        }
    }

    /// IP protocol number.
    pub fn proto(&self) -> u8 {
        self.proto
    }

    /// The two endpoints, lower first.
    pub fn endpoints(&self) -> (SocketAddr, SocketAddr) {
        (self.lo.addr(), self.hi.addr())
    }

    /// The endpoint on the given side.
    pub fn endpoint(&self, side: Side) -> SocketAddr {
        match side {
            Side::Lo => self.lo.addr(),
            Side::Hi => self.hi.addr(),
        }
    }
}

impl Hash for FlowKey {
    /// Every field, in three words rather than field by field (it is hashed for every packet).
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from_ne_bytes(self.lo.ip));
        state.write_u128(u128::from_ne_bytes(self.hi.ip));
        state.write_u64(
            u64::from(self.proto)
                | u64::from(self.lo.v6) << 8
                | u64::from(self.hi.v6) << 9
                | u64::from(u16::from_ne_bytes(self.lo.port)) << 16
                | u64::from(u16::from_ne_bytes(self.hi.port)) << 32,
        );
    }
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Lo => Side::Hi,
            Side::Hi => Side::Lo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn both_directions_give_one_key() {
        let (k1, s1) = FlowKey::from_parts(17, sa("10.0.0.1:5000"), sa("10.0.0.2:53"));
        let (k2, s2) = FlowKey::from_parts(17, sa("10.0.0.2:53"), sa("10.0.0.1:5000"));
        assert_eq!(k1, k2);
        assert_ne!(s1, s2);
        assert_eq!(k1.endpoint(s1), sa("10.0.0.1:5000"));
        assert_eq!(k2.endpoint(s2), sa("10.0.0.2:53"));
    }

    #[test]
    fn transport_and_family_are_part_of_the_key() {
        let (u, _) = FlowKey::from_parts(17, sa("10.0.0.1:5000"), sa("10.0.0.2:53"));
        let (t, _) = FlowKey::from_parts(6, sa("10.0.0.1:5000"), sa("10.0.0.2:53"));
        assert_ne!(u, t);
        // 10.0.0.1 and its IPv4-mapped IPv6 form are different endpoints.
        let (m, side) = FlowKey::from_parts(17, sa("[::ffff:10.0.0.1]:5000"), sa("10.0.0.2:53"));
        assert_ne!(u, m);
        assert_eq!(m.endpoint(side), sa("[::ffff:10.0.0.1]:5000"));
    }

    #[test]
    fn same_address_different_ports() {
        let (k1, s1) = FlowKey::from_parts(17, sa("10.0.0.1:6000"), sa("10.0.0.1:5000"));
        let (k2, s2) = FlowKey::from_parts(17, sa("10.0.0.1:5000"), sa("10.0.0.1:6000"));
        assert_eq!(k1, k2);
        assert_eq!(s1.other(), s2);
    }

    #[test]
    fn key_is_packed() {
        assert_eq!(std::mem::size_of::<FlowKey>(), 39);
        assert_eq!(std::mem::align_of::<FlowKey>(), 1);
    }

    #[test]
    fn order_is_by_value() {
        // Ports compare as numbers (256 > 255 although its low byte is smaller), then families
        // (IPv4 before IPv6), then addresses.
        let (a, _) = FlowKey::from_parts(17, sa("10.0.0.1:255"), sa("10.0.0.9:1"));
        let (b, _) = FlowKey::from_parts(17, sa("10.0.0.1:256"), sa("10.0.0.9:1"));
        assert!(a < b);
        let (c, _) = FlowKey::from_parts(17, sa("[::1]:1"), sa("[::2]:1"));
        assert!(b < c);
        let (t, _) = FlowKey::from_parts(6, sa("[::1]:1"), sa("[::2]:1"));
        assert!(t < a, "transport first");
    }

    fn any_addr() -> impl Strategy<Value = SocketAddr> {
        prop_oneof![
            (any::<[u8; 4]>(), any::<u16>())
                .prop_map(|(ip, p)| SocketAddr::new(IpAddr::from(ip), p)),
            (any::<[u8; 16]>(), any::<u16>())
                .prop_map(|(ip, p)| SocketAddr::new(IpAddr::from(ip), p)),
        ]
    }

    type Fields = (bool, [u8; 16], u16);

    /// The order the key had when its port was a `u16` field: transport, then each endpoint as
    /// (family flag, IPv4-mapped address, port).
    fn reference(k: &FlowKey) -> (u8, Fields, Fields) {
        let ep = |a: SocketAddr| {
            let ip = match a.ip() {
                IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
                IpAddr::V6(v6) => v6.octets(),
            };
            (a.is_ipv6(), ip, a.port())
        };
        let (lo, hi) = k.endpoints();
        (k.proto(), ep(lo), ep(hi))
    }

    proptest! {
        #[test]
        fn rank_orders_as_the_fields(a in any_addr(), b in any_addr()) {
            let (a, b) = (Endpoint::new(a.ip(), a.port()), Endpoint::new(b.ip(), b.port()));
            prop_assert_eq!(a.rank().cmp(&b.rank()), a.cmp(&b));
        }

        #[test]
        fn order_matches_field_order(a in any_addr(), b in any_addr(), c in any_addr(), d in any_addr()) {
            let (k1, _) = FlowKey::from_parts(17, a, b);
            let (k2, _) = FlowKey::from_parts(17, c, d);
            prop_assert_eq!(k1.cmp(&k2), reference(&k1).cmp(&reference(&k2)));
        }

        #[test]
        fn key_is_symmetric_and_round_trips(a in any_addr(), b in any_addr(), proto in prop_oneof![Just(6u8), Just(17u8)]) {
            let (k1, s1) = FlowKey::from_parts(proto, a, b);
            let (k2, s2) = FlowKey::from_parts(proto, b, a);
            prop_assert_eq!(k1, k2);
            prop_assert_eq!(k1.endpoint(s1), a);
            prop_assert_eq!(k1.endpoint(s1.other()), b);
            if a != b { prop_assert_ne!(s1, s2); }
            let (lo, hi) = k1.endpoints();
            prop_assert!(lo == a || lo == b);
            prop_assert!(hi == a || hi == b);
        }
    }
}
