//! DNS messages (RFC 1035): a borrowed view of the header and the first question, which the
//! `host` helper reads. Over TCP a message carries a 2-byte length prefix.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use super::be16;
use crate::packet::TCP;

/// A DNS message header: standard query opcode (0), 1–16 questions. The question itself is
/// read on demand ([`Message::question_name`]).
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    p: &'a [u8],
}

impl<'a> Message<'a> {
    /// The message in a payload of this transport (`packet::TCP` peels the length prefix).
    pub fn parse(payload: &'a [u8], transport: u8) -> Option<Self> {
        let p = unframe(payload, transport);
        let (flags, qd) = (be16(p, 2)?, be16(p, 4)?);
        (qd != 0 && qd <= 16 && flags & 0x7800 == 0).then_some(Message { p })
    }

    pub fn id(&self) -> u16 {
        be16(self.p, 0).unwrap_or(0)
    }

    pub fn flags(&self) -> u16 {
        be16(self.p, 2).unwrap_or(0)
    }

    /// The first question's name, lower-cased and dotted, into `buf`; `None` when the name is
    /// malformed, empty, longer than `buf`, or not followed by its type and class.
    pub fn question_name<'b>(&self, buf: &'b mut [u8; 256]) -> Option<&'b [u8]> {
        let p = self.p;
        let mut at = 12usize;
        let mut n = 0usize;
        loop {
            let l = usize::from(*p.get(at)?);
            if l == 0 {
                break;
            }
            if l > 63 {
                return None;
            }
            let label = p.get(at + 1..at + 1 + l)?;
            if n > 0 {
                *buf.get_mut(n)? = b'.';
                n += 1;
            }
            for &c in label {
                *buf.get_mut(n)? = c.to_ascii_lowercase();
                n += 1;
            }
            at += 1 + l;
        }
        // Type and class follow the name.
        p.get(at + 1..at + 5)?;
        if n == 0 {
            return None;
        }
        buf.get(..n)
    }
}

/// Over TCP, a 2-byte length equal to the rest of the payload comes first.
fn unframe(p: &[u8], transport: u8) -> &[u8] {
    if transport == TCP && be16(p, 0).is_some_and(|l| usize::from(l) + 2 == p.len()) {
        p.get(2..).unwrap_or(&[])
    } else {
        p
    }
}

/// The rule index's shape: a payload whose header reads as a DNS query with questions. Every
/// payload with a readable question name has it.
pub fn question_shaped(payload: &[u8], transport: u8) -> bool {
    Message::parse(payload, transport).is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use crate::packet::UDP;
    use crate::proto::tests_support::hex;

    /// KakaoTalk_talk.pcap, 10.24.82.188:25223 -> 10.188.1.1:53: an A query for mqtt.facebook.com.
    pub(crate) const DNS_QUERY: &str =
        "629801000001000000000000046d7174740866616365626f6f6b03636f6d0000010001";

    /// A standard query (id 0x1234, recursion desired) for `name`, type A, class IN.
    pub(crate) fn query(name: &[u8]) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split(|&c| c == b'.') {
            q.push(u8::try_from(label.len()).unwrap());
            q.extend_from_slice(label);
        }
        q.extend_from_slice(&[0, 0, 1, 0, 1]);
        q
    }

    #[test]
    fn question_names() {
        let mut buf = [0u8; 256];
        let q = hex(DNS_QUERY);
        let m = Message::parse(&q, UDP).unwrap();
        assert_eq!((m.id(), m.flags()), (0x6298, 0x0100));
        assert_eq!(m.question_name(&mut buf), Some(&b"mqtt.facebook.com"[..]));
        let q2 = query(b"Mqtt.Facebook.com");
        let m2 = Message::parse(&q2, UDP).unwrap();
        assert_eq!(m2.question_name(&mut buf), Some(&b"mqtt.facebook.com"[..]));
        let mut framed = vec![0, u8::try_from(q.len()).unwrap()];
        framed.extend(&q);
        assert!(Message::parse(&framed, TCP).is_some_and(|m| m.id() == 0x6298));
        assert!(Message::parse(&hex(crate::proto::rtp::tests::RTP), UDP)
            .and_then(|m| m.question_name(&mut buf))
            .is_none());
        for n in 0..q.len() {
            let _ = Message::parse(&q[..n], UDP).map(|m| m.question_name(&mut buf).is_some());
        }
    }
}
