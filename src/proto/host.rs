//! The `host "NAME"` keyword (and nDPI's `host:"NAME"@Proto` lines): the name asked in a DNS
//! question, or the server name of a TLS ClientHello, is `NAME` or under it.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use nom::character::complete::space1;
use nom::combinator::{cut, map};
use nom::sequence::preceded;

use super::syntax::{host_name, lit, Res};
use super::{dns, tls, ByteSet, Check, Helper, Hints, ProtoTest, Shape};

/// A host pattern, lower-case: `example.org` matches itself and its subdomains; a pattern
/// ending in `.` (`skype.`) matches that label anywhere in the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTest(String);

impl HostTest {
    /// A test for `name` (lower-cased).
    pub fn new(name: &str) -> Self {
        HostTest(name.to_ascii_lowercase())
    }
}

impl Check for HostTest {
    fn holds(&self, p: &[u8], transport: u8) -> bool {
        let mut buf = [0u8; 256];
        if let Some(hello) = tls::ClientHello::parse(p) {
            if let Some(n) = hello.server_name(&mut buf) {
                return host_matches(n, self.0.as_bytes());
            }
        }
        dns::Message::parse(p, transport)
            .and_then(|m| m.question_name(&mut buf))
            .is_some_and(|n| host_matches(n, self.0.as_bytes()))
    }

    /// A ClientHello starts with 0x16; a DNS query has no fixed first byte, but its header has
    /// the index's `dns-question` shape.
    fn hints(&self, _transport: u8) -> Hints {
        Hints {
            first: ByteSet::only(0x16),
            shape: Some(Shape {
                name: "dns-question",
                holds: dns::question_shaped,
            }),
        }
    }

    fn specificity(&self) -> u32 {
        3
    }

    /// A DNS header or a TLS ClientHello (16 bits at least) holding the name.
    fn bits(&self) -> f64 {
        16.0 + 8.0 * self.0.len().min(8) as f64
    }
}

impl fmt::Display for HostTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host {}", lit(self.0.as_bytes()))
    }
}

/// `n` is `h` or under it; or, when `h` ends in `.`, `n` has the label(s) `h` anywhere.
pub fn host_matches(n: &[u8], h: &[u8]) -> bool {
    if h.is_empty() {
        return false;
    }
    if n == h {
        return true;
    }
    if n.len() > h.len() && n.ends_with(h) && n.get(n.len() - h.len() - 1) == Some(&b'.') {
        return true;
    }
    if h.ends_with(b".") {
        if n.starts_with(h) {
            return true;
        }
        return n
            .windows(h.len() + 1)
            .any(|w| w.first() == Some(&b'.') && w.get(1..) == Some(h));
    }
    false
}

/// The table's entry.
pub struct Host;
pub const HELPER: Host = Host;

impl Helper for Host {
    fn keywords(&self) -> &'static [&'static str] {
        &["host"]
    }

    fn syntax(&self) -> &'static str {
        "a quoted host name"
    }

    fn parse<'a>(&self, _keyword: &str, i: &'a str) -> Res<'a, ProtoTest> {
        map(preceded(space1, cut(host_name)), |h| {
            ProtoTest::new(HostTest(h))
        })(i)
    }

    fn samples(&self) -> &'static [&'static str] {
        &["host \"example.org\"", "host \"skype.\""]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::packet::{TCP, UDP};
    use crate::proto::tests_support::hex;

    #[test]
    fn host_patterns() {
        assert!(host_matches(b"example.org", b"example.org"));
        assert!(host_matches(b"a.example.org", b"example.org"));
        assert!(!host_matches(b"badexample.org", b"example.org"));
        assert!(host_matches(b"api.skype.com", b"skype."));
        assert!(!host_matches(b"api.noskype.com", b"skype."));
    }

    #[test]
    fn dns_questions_and_tls_server_names() {
        let q = hex(crate::proto::dns::tests::DNS_QUERY);
        assert!(HostTest::new("facebook.com").holds(&q, UDP));
        assert!(!HostTest::new("book.com").holds(&q, UDP));
        let hello = tls::client_hello(b"eu.teams.microsoft.com");
        assert!(HostTest::new("Teams.Microsoft.com").holds(&hello, TCP));
        // What passes has the hinted first byte or the hinted shape.
        let h = HostTest::new("x").hints(UDP);
        assert!(h.first.contains(hello[0]));
        assert!(h.shape.is_some_and(|s| (s.holds)(&q, UDP)));
    }
}
