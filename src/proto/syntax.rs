//! The small grammar atoms every part of the signature language shares (numbers, literals,
//! quoted strings) and their printers, so that a helper's grammar reads and writes them exactly
//! as the rest of the language does. `signature::parse` builds on them too.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1, hex_digit1};
use nom::combinator::{map, map_res};
use nom::sequence::preceded;
use nom::IResult;

/// A nom result over the text of one line.
pub type Res<'a, T> = IResult<&'a str, T>;

/// A recoverable error at `i` (another alternative may still parse).
pub fn error<T>(i: &str, kind: nom::error::ErrorKind) -> Res<'_, T> {
    Err(nom::Err::Error(nom::error::Error::new(i, kind)))
}

/// A decimal or `0x` hexadecimal number.
pub fn number(i: &str) -> Res<'_, u32> {
    alt((
        map_res(preceded(alt((tag("0x"), tag("0X"))), hex_digit1), |h| {
            u32::from_str_radix(h, 16)
        }),
        map_res(digit1, str::parse::<u32>),
    ))(i)
}

/// A number that fits in 16 bits.
pub fn u16_num(i: &str) -> Res<'_, u16> {
    map_res(number, u16::try_from)(i)
}

/// `"text"` (with `\"`, `\\` and `\xHH` escapes) or `0xHEX` (an even number of digits).
pub fn literal(i: &str) -> Res<'_, Vec<u8>> {
    alt((
        map_res(preceded(tag("0x"), hex_digit1), |h: &str| {
            if !h.len().is_multiple_of(2) {
                return Err("odd number of hex digits");
            }
            (0..h.len() / 2)
                .map(|k| {
                    let pair = h.get(2 * k..2 * k + 2).ok_or("bad hex")?;
                    u8::from_str_radix(pair, 16).map_err(|_| "bad hex")
                })
                .collect()
        }),
        quoted,
    ))(i)
}

/// A double-quoted string with `\"`, `\\` and `\xHH` escapes, as bytes (UTF-8 kept as is).
pub fn quoted(i: &str) -> Res<'_, Vec<u8>> {
    let (mut rest, _) = char('"')(i)?;
    let mut out = Vec::new();
    loop {
        let mut chars = rest.chars();
        match chars.next() {
            None => return error(i, nom::error::ErrorKind::Char),
            Some('"') => return Ok((chars.as_str(), out)),
            Some('\\') => match chars.next() {
                Some('"') => out.push(b'"'),
                Some('\\') => out.push(b'\\'),
                Some('x') => {
                    let h = chars.as_str().get(..2).unwrap_or("");
                    let Ok(b) = u8::from_str_radix(h, 16) else {
                        return error(rest, nom::error::ErrorKind::HexDigit);
                    };
                    out.push(b);
                    chars = chars.as_str().get(2..).unwrap_or("").chars();
                }
                _ => return error(rest, nom::error::ErrorKind::Escaped),
            },
            Some(c) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        rest = chars.as_str();
    }
}

/// A quoted host name, lower-cased: not empty, no white space or quote.
pub fn host_name(i: &str) -> Res<'_, String> {
    map_res(quoted, |b| {
        let s = String::from_utf8(b).map_err(|_| "not UTF-8")?;
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '"') {
            return Err("bad host name");
        }
        Ok(s.to_ascii_lowercase())
    })(i)
}

/// A `LOW..HIGH` range of numbers (inclusive; the order is checked when the rule compiles).
pub fn range(i: &str) -> Res<'_, (u32, u32)> {
    map(
        nom::sequence::tuple((number, tag(".."), number)),
        |(a, _, b)| (a, b),
    )(i)
}

/// Lower-case hex digits, two per byte.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A literal in canonical form: `"text"` when every byte is printable ASCII, else `0xHEX`.
pub fn lit(b: &[u8]) -> String {
    if b.is_empty() {
        return "\"\"".into();
    }
    if !b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        return format!("0x{}", hex(b));
    }
    let mut s = String::from("\"");
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            _ => s.push(char::from(c)),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_and_print_back() {
        assert_eq!(literal("\"a\\\"b\\x00\"").unwrap().1, b"a\"b\0".to_vec());
        assert_eq!(
            literal("0x2112a442").unwrap().1,
            vec![0x21, 0x12, 0xa4, 0x42]
        );
        assert!(literal("0x211").is_err());
        assert!(literal("\"abc").is_err());
        assert!(literal("\"\\xé\"").is_err());
        assert_eq!(lit(b"a\"b"), "\"a\\\"b\"");
        assert_eq!(lit(&[0, 1]), "0x0001");
        assert_eq!(host_name("\"Example.ORG\"").unwrap().1, "example.org");
        assert!(host_name("\"a b\"").is_err());
        assert_eq!(range("96..127").unwrap().1, (96, 127));
    }
}
