//! TLS (RFC 8446 and before): a borrowed view of a ClientHello record, which the `host` helper
//! reads for its server name.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use super::be16;

/// A handshake record (0x16, version 3.x) whose first message is a ClientHello (1).
#[derive(Debug, Clone, Copy)]
pub struct ClientHello<'a> {
    p: &'a [u8],
}

impl<'a> ClientHello<'a> {
    pub fn parse(p: &'a [u8]) -> Option<Self> {
        (*p.first()? == 0x16 && *p.get(1)? == 3 && *p.get(5)? == 1).then_some(ClientHello { p })
    }

    /// The server_name extension's host name, lower-cased, into `buf`.
    pub fn server_name<'b>(&self, buf: &'b mut [u8; 256]) -> Option<&'b [u8]> {
        let p = self.p;
        // Record header 5, handshake header 4, version 2, random 32.
        let mut at = 5 + 4 + 2 + 32;
        at += 1 + usize::from(*p.get(at)?); // session id
        at += 2 + usize::from(be16(p, at)?); // cipher suites
        at += 1 + usize::from(*p.get(at)?); // compression methods
        let ext_end = at + 2 + usize::from(be16(p, at)?);
        at += 2;
        while at + 4 <= ext_end {
            let kind = be16(p, at)?;
            let len = usize::from(be16(p, at + 2)?);
            if kind == 0 {
                // server_name list: length 2, type 1 (0 = host name), length 2, name.
                let nl = usize::from(be16(p, at + 7)?);
                let name = p.get(at + 9..at + 9 + nl)?;
                let out = buf.get_mut(..nl)?;
                for (o, c) in out.iter_mut().zip(name) {
                    *o = c.to_ascii_lowercase();
                }
                return buf.get(..nl);
            }
            at += 4 + len;
        }
        None
    }
}

/// A minimal TLS 1.2 ClientHello with only a server_name extension, for tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn client_hello(name: &[u8]) -> Vec<u8> {
    let sni_ext_len = 2 + 1 + 2 + name.len();
    let exts_len = 4 + sni_ext_len;
    let body_len = 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + exts_len;
    let be = |n: usize| u16::try_from(n).unwrap().to_be_bytes();
    let mut p = vec![0x16, 3, 1];
    p.extend_from_slice(&be(4 + body_len));
    p.extend_from_slice(&[1, 0]); // ClientHello, 24-bit length
    p.extend_from_slice(&be(body_len));
    p.extend_from_slice(&[3, 3]); // version
    p.extend_from_slice(&[0; 32]); // random
    p.push(0); // session id
    p.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
    p.extend_from_slice(&[1, 0]); // null compression
    p.extend_from_slice(&be(exts_len));
    p.extend_from_slice(&[0, 0]); // server_name
    p.extend_from_slice(&be(sni_ext_len));
    p.extend_from_slice(&be(sni_ext_len - 2));
    p.push(0); // host_name
    p.extend_from_slice(&be(name.len()));
    p.extend_from_slice(name);
    p
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn server_name_of_a_client_hello() {
        let p = client_hello(b"EU.Teams.Microsoft.com");
        let mut buf = [0u8; 256];
        let name = ClientHello::parse(&p).unwrap().server_name(&mut buf);
        assert_eq!(name, Some(&b"eu.teams.microsoft.com"[..]));
        for n in 0..p.len() {
            let _ = ClientHello::parse(&p[..n]).map(|c| c.server_name(&mut buf).is_some());
        }
    }
}
