//! The signature language: its syntax tree, the nom parsers that read it from `&str`, and the
//! printer that writes it back (parse → print → parse is the identity).
//!
//! The language is line-oriented: one statement per line, `#` starts a comment. See
//! `docs/signatures.md` for the operator's view. Errors carry `file:line:col`, what was
//! expected, what was found, the line and a caret. This module matches no packets.

use std::fmt;
use std::net::IpAddr;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1, hex_digit1, space0, space1};
use nom::combinator::{cut, map, map_opt, map_res, opt, recognize, value};
use nom::multi::separated_list1;
use nom::sequence::{pair, preceded, tuple};

use super::confirm::{Confirm, Kind};
use crate::proto::syntax::{self, hex, host_name, lit, literal, number, u16_num, Res};
use crate::proto::{self, ProtoTest};

/// One parsed `.sig` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

/// A top-level statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Protocol(Protocol),
    /// An nDPI custom-protocol line, kept as written (`tcp:81,udp:5061-5062@Name`).
    Custom(Custom),
}

/// `protocol NAME id N category CAT`, followed by its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    pub name: String,
    pub id: u16,
    pub category: String,
    pub line: u32,
    pub rules: Vec<Rule>,
}

/// `rule NAME`, followed by its tests and examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub line: u32,
    pub priority: Option<i32>,
    /// `hold`: a match is provisional (see `docs/signatures.md`).
    pub hold: bool,
    /// `broad`: the rule is meant to name flows without a payload or address test (see
    /// `docs/signatures.md`, "Broad rules"); without it such a rule is refused.
    pub broad: bool,
    pub tests: Vec<Test>,
    pub repeat: Option<Repeat>,
    pub echo: Option<Echo>,
    /// `confirm N by KIND…`: what must follow the match before the flow is accepted.
    pub confirm: Option<Confirm>,
    pub examples: Vec<Example>,
}

/// `example match HEX` / `example nomatch HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub matches: bool,
    pub payload: Vec<u8>,
    pub line: u32,
}

/// `repeat N [same uW@OFF]`: the rule's tests must hold on N packets of the flow (with the same
/// value at the offset in all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub count: u8,
    pub same: Option<Field>,
}

/// `echo uW@OFF [as uW@OFF2]`: the rule matches on a packet whose field (`reply`, the same as
/// `request` unless `as` names another) equals the `request` field of an earlier packet of the
/// other direction; the rule's tests must hold on both packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    pub request: Field,
    pub reply: Field,
}

/// A test, possibly negated with `not`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Test {
    pub negated: bool,
    pub kind: TestKind,
}

/// Which endpoint an address or port test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Either,
    Server,
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// A packet-position test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The flow's first packet.
    First,
    /// The client's first packet.
    FirstToServer,
    /// The server's first packet.
    FirstToClient,
    /// Any of the flow's first N packets (both directions counted).
    Within(u32),
}

/// A field of the payload: big-endian `u8@0`, `u16@2`, `u32@4`, or little-endian `u16le@2`,
/// `u32le@19`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Width in bytes: 1, 2 or 4.
    pub width: u8,
    /// From the payload's start; negative: from its end (`u8@-1` is the last byte).
    pub offset: i32,
    /// Little-endian (`u16le`, `u32le`); big-endian otherwise.
    pub le: bool,
}

impl Field {
    /// The largest value the field holds (all its bits set).
    pub fn max(&self) -> u32 {
        match self.width {
            1 => 0xFF,
            2 => 0xFFFF,
            _ => u32::MAX,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A comparison of a number: `== 5`, `in 1..9` (inclusive), `in {1, 2, 3}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmp {
    Op(Op, u32),
    Range(u32, u32),
    Set(Vec<u32>),
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub len: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestKind {
    Transport(Transport),
    Port(Side, Vec<(u16, u16)>),
    Ip(Side, Vec<Cidr>),
    Packet(Position),
    Direction(Side),
    BothDirections,
    Field(Field, Option<u32>, Cmp),
    Len(Cmp),
    /// `len OP uW@OFF + N` (or `- N`).
    LenField(Op, Field, i32),
    At(u16, Vec<u8>),
    Prefix(Vec<u8>),
    Contains(Vec<u8>),
    /// A protocol helper's test (`stun`, `rtp`, `dtls`, `quic`, `host`, …): see `proto`.
    Proto(ProtoTest),
}

/// nDPI's custom-protocol line: `tcp:81,udp:5061-5062@Name`, `ip:1.2.3.0/24:443@Name`,
/// `host:"example.org"@Name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custom {
    pub specs: Vec<CustomSpec>,
    pub name: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomSpec {
    Port(Transport, u16, u16),
    Ip(Cidr, Option<u16>),
    Host(String),
}

/// A syntax error, rendered like a compiler's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub file: String,
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    pub message: String,
    pub text: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render_located(
            f,
            &self.file,
            self.line,
            self.col,
            &self.message,
            &self.text,
        )
    }
}

/// `file:line:col: message`, then the line and a caret under the column (1-based, in
/// characters; tabs kept so the caret lines up): how every located error is shown, the
/// signature loader's and the configuration file's.
pub(crate) fn render_located(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: u32,
    col: u32,
    message: &str,
    text: &str,
) -> fmt::Result {
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    writeln!(f, "{file}:{line}:{col}: {message}")?;
    writeln!(f, "{pad} |")?;
    writeln!(f, "{num} | {text}")?;
    let caret_pad: String = text
        .chars()
        .take(col.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    write!(f, "{pad} | {caret_pad}^")
}

fn describe_found(rest: &str) -> String {
    let t = rest.trim_end();
    if t.is_empty() {
        return "end of line".into();
    }
    let word: String = t
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(24)
        .collect();
    format!("`{word}`")
}

/// Parse a whole file. `file` names it in error messages.
pub fn parse_file(file: &str, src: &str) -> Result<File, Vec<SyntaxError>> {
    let mut out = File::default();
    let mut errors = Vec::new();
    for (i, raw) in src.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Err(e) = parse_line(&mut out, raw, line_no) {
            errors.push(SyntaxError {
                file: file.to_string(),
                line: line_no,
                col: column(raw, e.at),
                message: format!("expected {}, found {}", e.expected, describe_found(e.at)),
                text: raw.to_string(),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Where a line went wrong: `at` is always a sub-slice of the line (never a copy), so its column
/// is found from its position in the line, in one place ([`column`]).
struct LineError<'a> {
    at: &'a str,
    expected: std::borrow::Cow<'static, str>,
}

/// Parse one line (comments stripped, blank lines skipped) and attach its statement to `out`.
fn parse_line<'a>(out: &mut File, raw: &'a str, line: u32) -> Result<(), LineError<'a>> {
    let body = strip_comment(raw);
    let trimmed = body.trim_start();
    if trimmed.trim().is_empty() {
        return Ok(());
    }
    match statement(trimmed) {
        Ok((rest, st)) => {
            let rest = rest.trim_start();
            if !rest.is_empty() {
                return Err(LineError {
                    at: rest,
                    expected: "end of line".into(),
                });
            }
            attach(out, st, line).map_err(|e| LineError {
                at: trimmed,
                expected: e.into(),
            })
        }
        Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err(LineError {
            at: e.input,
            expected: expected_for(trimmed, e.input).into(),
        }),
        Err(nom::Err::Incomplete(_)) => Err(LineError {
            at: trimmed,
            expected: "a statement".into(),
        }),
    }
}

/// The 1-based column, in characters, at which `at` (a sub-slice of `line`) starts; 1 when it
/// is not inside `line`.
pub(crate) fn column(line: &str, at: &str) -> u32 {
    let offset = (at.as_ptr() as usize).checked_sub(line.as_ptr() as usize);
    let prefix = offset.and_then(|o| line.get(..o)).unwrap_or("");
    u32::try_from(prefix.chars().count())
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1)
}

/// What the parser wanted where it stopped, from the statement's keyword.
fn expected_for(stmt: &str, at: &str) -> String {
    let kw: String = stmt
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '@')
        .collect();
    let at_start = at.len() == stmt.len();
    if at_start {
        return "a statement (`protocol`, `rule`, a test, `example`, or an nDPI line like `udp:53@DNS`)".into();
    }
    match kw.as_str() {
        "protocol" => "`protocol NAME id NUMBER category NAME`".into(),
        "rule" => "`rule NAME`".into(),
        "priority" => "an integer priority".into(),
        "hold" => "`hold` alone on its line".into(),
        "broad" => "`broad` alone on its line".into(),
        "transport" => "`udp` or `tcp`".into(),
        "port" | "server-port" | "client-port" => "a port list like `53, 3478-3481`".into(),
        "ip" | "server-ip" | "client-ip" => "a CIDR list like `52.112.0.0/14, 2603:1027::/48`".into(),
        "packet" => "`first`, `first-to-server`, `first-to-client` or `within N`".into(),
        "direction" => "`to-server` or `to-client`".into(),
        "len" => "a comparison like `== 48`, `in 20..1500`, or `== u16@2 + 20`".into(),
        "u8" | "u16" | "u32" => "a field test like `u16@2 & 0x3eef <= 0x000b`".into(),
        "prefix" | "contains" => "a literal: \"text\" or 0xHEX".into(),
        "at" => "`at OFFSET LITERAL`".into(),
        "repeat" => "`repeat N` or `repeat N same uW@OFFSET`".into(),
        "echo" => "`echo uW@OFFSET` or `echo uW@OFFSET as uW@OFFSET`".into(),
        "confirm" => "`confirm N by KIND…` with kinds among `stun turn msturn dtls rtp rtcp zoom imo tag self`".into(),
        "example" => "`example match HEX` or `example nomatch HEX` (an even number of hex digits)".into(),
        "not" => "a test after `not`".into(),
        _ if proto::helper(&kw).is_some() => proto::helper(&kw).map_or("", |h| h.syntax()).into(),
        _ if stmt.contains(':') && stmt.contains('@') => "an nDPI custom line: `tcp:81,udp:5061-5062@Name`, `ip:1.2.3.0/24:443@Name` or `host:\"example.org\"@Name`".into(),
        _ => "a statement".into(),
    }
}

fn strip_comment(line: &str) -> &str {
    // `#` starts a comment unless inside a string literal.
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_str && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
        escaped = false;
    }
    line
}

/// One line's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Statement {
    Protocol(String, u16, String),
    Rule(String),
    Priority(i32),
    Hold,
    Broad,
    Test(Test),
    Repeat(Repeat),
    Echo(Echo),
    Confirm(Confirm),
    Example(bool, Vec<u8>),
    Custom(Vec<CustomSpec>, String),
}

fn attach(out: &mut File, st: Statement, line: u32) -> Result<(), &'static str> {
    match st {
        Statement::Protocol(name, id, category) => {
            out.items.push(Item::Protocol(Protocol {
                name,
                id,
                category,
                line,
                rules: Vec::new(),
            }));
            Ok(())
        }
        Statement::Custom(specs, name) => {
            out.items.push(Item::Custom(Custom { specs, name, line }));
            Ok(())
        }
        Statement::Rule(name) => match out.items.last_mut() {
            Some(Item::Protocol(p)) => {
                p.rules.push(Rule {
                    name,
                    line,
                    priority: None,
                    hold: false,
                    broad: false,
                    tests: Vec::new(),
                    repeat: None,
                    echo: None,
                    confirm: None,
                    examples: Vec::new(),
                });
                Ok(())
            }
            _ => Err("a `protocol` line before the first `rule`"),
        },
        other => {
            let rule = match out.items.last_mut() {
                Some(Item::Protocol(p)) => p.rules.last_mut(),
                _ => None,
            };
            let Some(rule) = rule else {
                return Err("a `rule` line before tests and examples");
            };
            match other {
                Statement::Priority(p) if rule.priority.is_none() => rule.priority = Some(p),
                Statement::Priority(_) => {
                    return Err("one `priority` per rule (this rule already has one)")
                }
                Statement::Hold if !rule.hold => rule.hold = true,
                Statement::Hold => return Err("one `hold` per rule (this rule already has one)"),
                Statement::Broad if !rule.broad => rule.broad = true,
                Statement::Broad => return Err("one `broad` per rule (this rule already has one)"),
                Statement::Test(t) => rule.tests.push(t),
                Statement::Repeat(_) | Statement::Echo(_)
                    if rule.repeat.is_some() || rule.echo.is_some() =>
                {
                    return Err("one `repeat` or `echo` per rule (this rule already has one)")
                }
                Statement::Repeat(r) => rule.repeat = Some(r),
                Statement::Echo(e) => rule.echo = Some(e),
                Statement::Confirm(c) if rule.confirm.is_none() => rule.confirm = Some(c),
                Statement::Confirm(_) => {
                    return Err("one `confirm` per rule (this rule already has one)")
                }
                Statement::Example(m, payload) => rule.examples.push(Example {
                    matches: m,
                    payload,
                    line,
                }),
                Statement::Protocol(..) | Statement::Rule(_) | Statement::Custom(..) => {}
            }
            Ok(())
        }
    }
}

fn statement(i: &str) -> Res<'_, Statement> {
    alt((
        protocol_stmt,
        map(
            preceded(pair(tag("rule"), space1), cut(ident)),
            Statement::Rule,
        ),
        map(
            preceded(pair(tag("priority"), space1), cut(int_i32)),
            Statement::Priority,
        ),
        map(repeat_stmt, Statement::Repeat),
        map(echo_stmt, Statement::Echo),
        map(confirm_stmt, Statement::Confirm),
        value(Statement::Hold, tag("hold")),
        value(Statement::Broad, tag("broad")),
        example_stmt,
        custom_stmt,
        map(test, Statement::Test),
    ))(i)
}

fn protocol_stmt(i: &str) -> Res<'_, Statement> {
    let (i, _) = pair(tag("protocol"), space1)(i)?;
    let (i, (name, _, id, _, cat)) = cut(tuple((
        ident,
        tuple((space1, tag("id"), space1)),
        map_res(number, u16::try_from),
        tuple((space1, tag("category"), space1)),
        ident,
    )))(i)?;
    Ok((i, Statement::Protocol(name, id, cat)))
}

fn echo_stmt(i: &str) -> Res<'_, Echo> {
    let (i, _) = pair(tag("echo"), space1)(i)?;
    let (i, request) = cut(field)(i)?;
    // Once `as` is read, the second field is required: `echo u16@0 as` is an incomplete
    // echo, not a complete one followed by a stray word.
    let (i, reply) = opt(preceded(
        pair(space1, tag("as")),
        cut(preceded(space1, field)),
    ))(i)?;
    Ok((
        i,
        Echo {
            request,
            reply: reply.unwrap_or(request),
        },
    ))
}

fn confirm_stmt(i: &str) -> Res<'_, Confirm> {
    let (i, _) = pair(tag("confirm"), space1)(i)?;
    let (i, (count, _, kinds)) = cut(tuple((
        map_res(number, u8::try_from),
        tuple((space1, tag("by"), space1)),
        separated_list1(
            space1,
            map_opt(
                take_while1(|c: char| c.is_ascii_alphabetic()),
                Kind::from_name,
            ),
        ),
    )))(i)?;
    Ok((i, Confirm::new(count, kinds)))
}

fn repeat_stmt(i: &str) -> Res<'_, Repeat> {
    let (i, _) = pair(tag("repeat"), space1)(i)?;
    let (i, count) = cut(map_res(number, u8::try_from))(i)?;
    let (i, same) = opt(preceded(tuple((space1, tag("same"), space1)), cut(field)))(i)?;
    Ok((i, Repeat { count, same }))
}

fn example_stmt(i: &str) -> Res<'_, Statement> {
    let (i, _) = pair(tag("example"), space1)(i)?;
    let (i, m) = cut(alt((
        value(false, tag("nomatch")),
        value(true, tag("match")),
    )))(i)?;
    let (i, _) = cut(space1)(i)?;
    let (i, bytes) = cut(hex_bytes)(i)?;
    Ok((i, Statement::Example(m, bytes)))
}

/// Hex bytes, optionally with spaces between pairs: `0001 0000 2112a442`.
fn hex_bytes(i: &str) -> Res<'_, Vec<u8>> {
    map_res(recognize(separated_list1(space1, hex_digit1)), |s: &str| {
        let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !digits.len().is_multiple_of(2) {
            return Err("odd number of hex digits");
        }
        digits
            .chunks(2)
            .map(|c| {
                let s = std::str::from_utf8(c).map_err(|_| "bad hex")?;
                u8::from_str_radix(s, 16).map_err(|_| "bad hex")
            })
            .collect()
    })(i)
}

fn ident(i: &str) -> Res<'_, String> {
    map(
        take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'),
        String::from,
    )(i)
}

fn int_i32(i: &str) -> Res<'_, i32> {
    map_res(recognize(pair(opt(char('-')), digit1)), str::parse::<i32>)(i)
}

fn comma(i: &str) -> Res<'_, ()> {
    value((), tuple((space0, char(','), space0)))(i)
}

fn port_range(i: &str) -> Res<'_, (u16, u16)> {
    let (i, lo) = u16_num(i)?;
    let (i, hi) = opt(preceded(char('-'), u16_num))(i)?;
    let hi = hi.unwrap_or(lo);
    if hi < lo {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((i, (lo, hi)))
}

fn cidr(i: &str) -> Res<'_, Cidr> {
    let (rest, text) = take_while1(|c: char| c.is_ascii_hexdigit() || c == '.' || c == ':')(i)?;
    // An IPv4 address followed by `:port` (nDPI's `ip:` lines) is not an IPv6 address.
    let (addr_text, rest) = match text.parse::<IpAddr>() {
        Ok(_) => (text, rest),
        Err(_) => match text.rfind(':') {
            Some(p) if text[..p].parse::<std::net::Ipv4Addr>().is_ok() => (&text[..p], &i[p..]),
            _ => {
                return Err(nom::Err::Error(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Verify,
                )))
            }
        },
    };
    let addr: IpAddr = addr_text
        .parse()
        .map_err(|_| nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify)))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let (rest, len) = opt(preceded(char('/'), map_res(digit1, str::parse::<u8>)))(rest)?;
    let len = len.unwrap_or(max);
    if len > max {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((rest, Cidr { addr, len }))
}

fn field(i: &str) -> Res<'_, Field> {
    let (i, (width, le)) = alt((
        value((1u8, false), tag("u8")),
        value((2u8, true), tag("u16le")),
        value((4u8, true), tag("u32le")),
        value((2u8, false), tag("u16")),
        value((4u8, false), tag("u32")),
    ))(i)?;
    let (i, _) = char('@')(i)?;
    let (i, neg) = opt(char('-'))(i)?;
    let (i, offset) = u16_num(i)?;
    let offset = if neg.is_some() {
        -i32::from(offset)
    } else {
        i32::from(offset)
    };
    Ok((i, Field { width, offset, le }))
}

fn op(i: &str) -> Res<'_, Op> {
    alt((
        value(Op::Eq, tag("==")),
        value(Op::Ne, tag("!=")),
        value(Op::Le, tag("<=")),
        value(Op::Ge, tag(">=")),
        value(Op::Lt, tag("<")),
        value(Op::Gt, tag(">")),
    ))(i)
}

fn cmp(i: &str) -> Res<'_, Cmp> {
    alt((
        map(tuple((op, space0, number)), |(o, _, n)| Cmp::Op(o, n)),
        preceded(
            pair(tag("in"), space1),
            alt((
                map(tuple((number, tag(".."), number)), |(a, _, b)| {
                    Cmp::Range(a, b)
                }),
                map(
                    tuple((
                        char('{'),
                        space0,
                        separated_list1(comma, number),
                        space0,
                        char('}'),
                    )),
                    |(_, _, v, _, _)| Cmp::Set(v),
                ),
            )),
        ),
    ))(i)
}

fn side_prefix(i: &str) -> Res<'_, Side> {
    alt((
        value(Side::Server, tag("server-")),
        value(Side::Client, tag("client-")),
        value(Side::Either, tag("")),
    ))(i)
}

fn test(i: &str) -> Res<'_, Test> {
    let (i, negated) = map(opt(pair(tag("not"), space1)), |n| n.is_some())(i)?;
    let (i, kind) = test_kind(i)?;
    Ok((i, Test { negated, kind }))
}

fn test_kind(i: &str) -> Res<'_, TestKind> {
    alt((
        preceded(
            pair(tag("transport"), space1),
            cut(alt((
                value(TestKind::Transport(Transport::Udp), tag("udp")),
                value(TestKind::Transport(Transport::Tcp), tag("tcp")),
            ))),
        ),
        map(
            tuple((
                side_prefix,
                tag("port"),
                space1,
                cut(separated_list1(comma, port_range)),
            )),
            |(s, _, _, v)| TestKind::Port(s, v),
        ),
        map(
            tuple((
                side_prefix,
                tag("ip"),
                space1,
                cut(separated_list1(comma, cidr)),
            )),
            |(s, _, _, v)| TestKind::Ip(s, v),
        ),
        preceded(
            pair(tag("packet"), space1),
            cut(alt((
                value(
                    TestKind::Packet(Position::FirstToServer),
                    tag("first-to-server"),
                ),
                value(
                    TestKind::Packet(Position::FirstToClient),
                    tag("first-to-client"),
                ),
                value(TestKind::Packet(Position::First), tag("first")),
                map(preceded(pair(tag("within"), space1), number), |n| {
                    TestKind::Packet(Position::Within(n))
                }),
            ))),
        ),
        preceded(
            pair(tag("direction"), space1),
            cut(alt((
                value(TestKind::Direction(Side::Server), tag("to-server")),
                value(TestKind::Direction(Side::Client), tag("to-client")),
            ))),
        ),
        value(TestKind::BothDirections, tag("both-directions")),
        len_test,
        map(
            tuple((
                field,
                cut(opt(preceded(tuple((space0, char('&'), space0)), number))),
                space0,
                cut(cmp),
            )),
            |(f, m, _, c)| TestKind::Field(f, m, c),
        ),
        map(
            preceded(pair(tag("prefix"), space1), cut(literal)),
            TestKind::Prefix,
        ),
        map(
            preceded(pair(tag("contains"), space1), cut(literal)),
            TestKind::Contains,
        ),
        map(
            preceded(
                pair(tag("at"), space1),
                cut(tuple((u16_num, space1, literal))),
            ),
            |(o, _, l)| TestKind::At(o, l),
        ),
        proto_test,
    ))(i)
}

fn len_test(i: &str) -> Res<'_, TestKind> {
    let (i, _) = pair(tag("len"), space1)(i)?;
    cut(alt((
        map(
            tuple((
                op,
                space0,
                field,
                opt(tuple((space1, alt((char('+'), char('-'))), space1, number))),
            )),
            |(o, _, f, add)| {
                let n = add.map_or(0, |(_, s, _, n)| {
                    let n = i32::try_from(n).unwrap_or(i32::MAX);
                    if s == '-' {
                        -n
                    } else {
                        n
                    }
                });
                TestKind::LenField(o, f, n)
            },
        ),
        map(cmp, TestKind::Len),
    )))(i)
}

/// A test that starts with a protocol helper's keyword (`proto::HELPERS`).
fn proto_test(i: &str) -> Res<'_, TestKind> {
    let (rest, word) = take_while1(|c: char| c.is_ascii_alphanumeric() || c == '-')(i)?;
    let Some(helper) = proto::helper(word) else {
        return syntax::error(i, nom::error::ErrorKind::Tag);
    };
    map(|r| helper.parse(word, r), TestKind::Proto)(rest)
}

fn custom_stmt(i: &str) -> Res<'_, Statement> {
    let (i, first) = custom_spec(i)?;
    let (i, (rest, _, name)) = cut(tuple((
        nom::multi::many0(preceded(char(','), custom_spec)),
        char('@'),
        ident,
    )))(i)?;
    let specs = first
        .into_iter()
        .chain(rest.into_iter().flatten())
        .collect();
    Ok((i, Statement::Custom(specs, name)))
}

fn custom_spec(i: &str) -> Res<'_, Vec<CustomSpec>> {
    alt((
        map(
            tuple((
                alt((
                    value(Transport::Tcp, tag("tcp")),
                    value(Transport::Udp, tag("udp")),
                )),
                char(':'),
                port_range,
            )),
            |(t, _, (a, b))| vec![CustomSpec::Port(t, a, b)],
        ),
        map(
            tuple((tag("ip:"), cidr, opt(preceded(char(':'), u16_num)))),
            |(_, c, p)| vec![CustomSpec::Ip(c, p)],
        ),
        map(preceded(tag("host:"), host_name), |h| {
            vec![CustomSpec::Host(h)]
        }),
    ))(i)
}

// ---------------------------------------------------------------------------------------------
// Printing: the canonical form, which parses back to the same tree.

impl fmt::Display for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            match item {
                Item::Protocol(p) => {
                    writeln!(f, "protocol {} id {} category {}", p.name, p.id, p.category)?;
                    for r in &p.rules {
                        writeln!(f, "  rule {}", r.name)?;
                        if let Some(pr) = r.priority {
                            writeln!(f, "    priority {pr}")?;
                        }
                        if r.hold {
                            writeln!(f, "    hold")?;
                        }
                        if r.broad {
                            writeln!(f, "    broad")?;
                        }
                        for t in &r.tests {
                            writeln!(f, "    {t}")?;
                        }
                        if let Some(rep) = r.repeat {
                            write!(f, "    repeat {}", rep.count)?;
                            if let Some(s) = rep.same {
                                write!(f, " same {s}")?;
                            }
                            writeln!(f)?;
                        }
                        if let Some(e) = r.echo {
                            write!(f, "    echo {}", e.request)?;
                            if e.reply != e.request {
                                write!(f, " as {}", e.reply)?;
                            }
                            writeln!(f)?;
                        }
                        if let Some(c) = r.confirm {
                            writeln!(f, "    {c}")?;
                        }
                        for e in &r.examples {
                            writeln!(
                                f,
                                "    example {} {}",
                                if e.matches { "match" } else { "nomatch" },
                                hex(&e.payload)
                            )?;
                        }
                    }
                }
                Item::Custom(c) => {
                    let specs: Vec<String> = c.specs.iter().map(ToString::to_string).collect();
                    writeln!(f, "{}@{}", specs.join(","), c.name)?;
                }
            }
        }
        Ok(())
    }
}

fn side_str(s: Side) -> &'static str {
    match s {
        Side::Either => "",
        Side::Server => "server-",
        Side::Client => "client-",
    }
}

fn join<T: fmt::Display>(v: &[T], sep: &str) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let le = if self.le { "le" } else { "" };
        write!(f, "u{}{le}@{}", u32::from(self.width) * 8, self.offset)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        })
    }
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmp::Op(o, n) => write!(f, "{o} {n:#x}"),
            Cmp::Range(a, b) => write!(f, "in {a:#x}..{b:#x}"),
            Cmp::Set(v) => write!(
                f,
                "in {{{}}}",
                v.iter()
                    .map(|n| format!("{n:#x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("not ")?;
        }
        match &self.kind {
            TestKind::Transport(Transport::Udp) => f.write_str("transport udp"),
            TestKind::Transport(Transport::Tcp) => f.write_str("transport tcp"),
            TestKind::Port(s, v) => {
                let ps: Vec<String> = v
                    .iter()
                    .map(|&(a, b)| {
                        if a == b {
                            a.to_string()
                        } else {
                            format!("{a}-{b}")
                        }
                    })
                    .collect();
                write!(f, "{}port {}", side_str(*s), ps.join(", "))
            }
            TestKind::Ip(s, v) => write!(f, "{}ip {}", side_str(*s), join(v, ", ")),
            TestKind::Packet(Position::First) => f.write_str("packet first"),
            TestKind::Packet(Position::FirstToServer) => f.write_str("packet first-to-server"),
            TestKind::Packet(Position::FirstToClient) => f.write_str("packet first-to-client"),
            TestKind::Packet(Position::Within(n)) => write!(f, "packet within {n}"),
            TestKind::Direction(Side::Client) => f.write_str("direction to-client"),
            TestKind::Direction(_) => f.write_str("direction to-server"),
            TestKind::BothDirections => f.write_str("both-directions"),
            TestKind::Field(fl, m, c) => match m {
                Some(m) => write!(f, "{fl} & {m:#x} {c}"),
                None => write!(f, "{fl} {c}"),
            },
            TestKind::Len(c) => write!(f, "len {c}"),
            TestKind::LenField(o, fl, n) => match n.cmp(&0) {
                std::cmp::Ordering::Equal => write!(f, "len {o} {fl}"),
                std::cmp::Ordering::Greater => write!(f, "len {o} {fl} + {n}"),
                std::cmp::Ordering::Less => write!(f, "len {o} {fl} - {}", n.unsigned_abs()),
            },
            TestKind::At(o, l) => write!(f, "at {o} {}", lit(l)),
            TestKind::Prefix(l) => write!(f, "prefix {}", lit(l)),
            TestKind::Contains(l) => write!(f, "contains {}", lit(l)),
            TestKind::Proto(t) => write!(f, "{t}"),
        }
    }
}

impl fmt::Display for CustomSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomSpec::Port(t, a, b) => {
                let t = if *t == Transport::Tcp { "tcp" } else { "udp" };
                if a == b {
                    write!(f, "{t}:{a}")
                } else {
                    write!(f, "{t}:{a}-{b}")
                }
            }
            CustomSpec::Ip(c, p) => {
                write!(f, "ip:{}", c.addr)?;
                let max = if c.addr.is_ipv4() { 32 } else { 128 };
                if c.len != max || c.addr.is_ipv6() {
                    write!(f, "/{}", c.len)?;
                }
                if let Some(p) = p {
                    write!(f, ":{p}")?;
                }
                Ok(())
            }
            CustomSpec::Host(h) => write!(f, "host:{}", lit(h.as_bytes())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err_of(src: &str) -> SyntaxError {
        parse_file("t.sig", src).unwrap_err().remove(0)
    }

    fn one_test(line: &str) -> TestKind {
        let f = parse_file(
            "t.sig",
            &format!("protocol P id 1 category C\n rule r\n  {line}\n"),
        )
        .unwrap();
        let Item::Protocol(p) = &f.items[0] else {
            panic!()
        };
        p.rules[0].tests[0].kind.clone()
    }

    #[test]
    fn a_protocol_with_rules_tests_and_examples() {
        let src = "# comment\nprotocol STUN id 78 category Network\n  rule r1   # trailing\n    transport udp\n    not server-ip 255.255.255.255/32, 224.0.0.0/4\n    stun attr 0x8054 0x8070\n    example match 0001\n    example nomatch 00 01\n";
        let f = parse_file("s.sig", src).unwrap();
        let Item::Protocol(p) = &f.items[0] else {
            panic!()
        };
        assert_eq!(
            (p.name.as_str(), p.id, p.category.as_str(), p.line),
            ("STUN", 78, "Network", 2)
        );
        let r = &p.rules[0];
        assert_eq!(r.line, 3);
        assert_eq!(r.tests.len(), 3);
        assert!(r.tests[1].negated);
        assert_eq!(r.tests[2].to_string(), "stun attr 0x8054 0x8070");
        assert_eq!(r.examples[1].payload, vec![0, 1]);
        assert!(!r.examples[1].matches);
    }

    #[test]
    fn every_test_form_parses() {
        assert_eq!(
            one_test("port 53, 3478-3481"),
            TestKind::Port(Side::Either, vec![(53, 53), (3478, 3481)])
        );
        assert_eq!(
            one_test("client-port 5000"),
            TestKind::Port(Side::Client, vec![(5000, 5000)])
        );
        assert_eq!(
            one_test("u16@2 & 0x3eef <= 0x000b"),
            TestKind::Field(
                Field {
                    width: 2,
                    offset: 2,
                    le: false
                },
                Some(0x3eef),
                Cmp::Op(Op::Le, 0xb)
            )
        );
        assert_eq!(
            one_test("u8@0 in 0x14..0x17"),
            TestKind::Field(
                Field {
                    width: 1,
                    offset: 0,
                    le: false
                },
                None,
                Cmp::Range(0x14, 0x17)
            )
        );
        assert_eq!(
            one_test("u32@4 in {1, 2}"),
            TestKind::Field(
                Field {
                    width: 4,
                    offset: 4,
                    le: false
                },
                None,
                Cmp::Set(vec![1, 2])
            )
        );
        assert_eq!(
            one_test("len == u16@2 + 20"),
            TestKind::LenField(
                Op::Eq,
                Field {
                    width: 2,
                    offset: 2,
                    le: false
                },
                20
            )
        );
        assert_eq!(
            one_test("len >= u8@3 - 4"),
            TestKind::LenField(
                Op::Ge,
                Field {
                    width: 1,
                    offset: 3,
                    le: false
                },
                -4
            )
        );
        assert_eq!(
            one_test("len in 20..1500"),
            TestKind::Len(Cmp::Range(20, 1500))
        );
        assert_eq!(
            one_test("u8@-1 == 3"),
            TestKind::Field(
                Field {
                    width: 1,
                    offset: -1,
                    le: false
                },
                None,
                Cmp::Op(Op::Eq, 3)
            )
        );
        assert_eq!(
            one_test("len == u32le@19 + 23"),
            TestKind::LenField(
                Op::Eq,
                Field {
                    width: 4,
                    offset: 19,
                    le: true
                },
                23
            )
        );
        assert_eq!(
            one_test("prefix \"RSP/\""),
            TestKind::Prefix(b"RSP/".to_vec())
        );
        assert_eq!(
            one_test("contains 0x2112a442"),
            TestKind::Contains(vec![0x21, 0x12, 0xa4, 0x42])
        );
        assert_eq!(
            one_test("at 7 \"a\\\"b\\x00\""),
            TestKind::At(7, b"a\"b\0".to_vec())
        );
        assert_eq!(
            one_test("packet within 5"),
            TestKind::Packet(Position::Within(5))
        );
        assert_eq!(
            one_test("packet first-to-client"),
            TestKind::Packet(Position::FirstToClient)
        );
        assert_eq!(
            one_test("direction to-client"),
            TestKind::Direction(Side::Client)
        );
        for (written, printed) in [
            ("rtp pt 96..127", "rtp pt 96..127"),
            (
                "quic version 1 0x6b3343cf",
                "quic version 0x00000001 0x6b3343cf",
            ),
            ("host \"Example.ORG\"", "host \"example.org\""),
            ("stun cookie attr 0x8054", "stun cookie attr 0x8054"),
            ("stun realm \"x\"", "stun realm \"x\""),
            ("rtcp", "rtcp"),
            ("dtls", "dtls"),
        ] {
            assert!(matches!(one_test(written), TestKind::Proto(_)), "{written}");
            let t = Test {
                negated: false,
                kind: one_test(written),
            };
            assert_eq!(t.to_string(), printed);
        }
        assert_eq!(
            one_test("ip 10.0.0.0/8, 2603:1027::/48"),
            TestKind::Ip(
                Side::Either,
                vec![
                    Cidr {
                        addr: "10.0.0.0".parse().unwrap(),
                        len: 8
                    },
                    Cidr {
                        addr: "2603:1027::".parse().unwrap(),
                        len: 48
                    }
                ]
            )
        );
    }

    #[test]
    fn ndpi_custom_lines_parse_as_written() {
        let f = parse_file(
            "c.sig",
            "tcp:81,udp:5061-5062@Name\nip:1.2.3.0/24:443@Net\nip:1.2.3.4@One\nhost:\"example.org\"@Web\n",
        )
        .unwrap();
        let Item::Custom(c) = &f.items[0] else {
            panic!()
        };
        assert_eq!(
            c.specs,
            vec![
                CustomSpec::Port(Transport::Tcp, 81, 81),
                CustomSpec::Port(Transport::Udp, 5061, 5062)
            ]
        );
        assert_eq!(c.name, "Name");
        let Item::Custom(c) = &f.items[1] else {
            panic!()
        };
        assert_eq!(
            c.specs,
            vec![CustomSpec::Ip(
                Cidr {
                    addr: "1.2.3.0".parse().unwrap(),
                    len: 24
                },
                Some(443)
            )]
        );
        let Item::Custom(c) = &f.items[2] else {
            panic!()
        };
        assert_eq!(
            c.specs,
            vec![CustomSpec::Ip(
                Cidr {
                    addr: "1.2.3.4".parse().unwrap(),
                    len: 32
                },
                None
            )]
        );
        let Item::Custom(c) = &f.items[3] else {
            panic!()
        };
        assert_eq!(c.specs, vec![CustomSpec::Host("example.org".into())]);
    }

    #[test]
    fn error_points_at_the_bad_token_with_a_caret() {
        let e = err_of("protocol P id 1 category C\n  rule r\n    transport sctp\n");
        assert_eq!((e.line, e.col), (3, 15));
        let shown = e.to_string();
        assert!(
            shown.starts_with("t.sig:3:15: expected `udp` or `tcp`, found `sctp`"),
            "{shown}"
        );
        assert!(shown.contains("3 |     transport sctp\n"), "{shown}");
        assert!(shown.ends_with("  |               ^"), "{shown}");
    }

    #[test]
    fn error_messages_name_what_was_expected() {
        let cases = [
            (
                "protocol P id x category C\n",
                1,
                15,
                "expected `protocol NAME id NUMBER category NAME`, found `x`",
            ),
            ("protocol P id 70000 category C\n", 1, 15, "found `70000`"),
            (
                "rule r\n",
                1,
                1,
                "expected a `protocol` line before the first `rule`",
            ),
            (
                "protocol P id 1 category C\n transport udp\n",
                2,
                2,
                "expected a `rule` line before tests",
            ),
            (
                "protocol P id 1 category C\n rule r\n port 99999\n",
                3,
                7,
                "expected a port list",
            ),
            (
                "protocol P id 1 category C\n rule r\n ip 1.2.3.4/33\n",
                3,
                5,
                "expected a CIDR list",
            ),
            (
                "protocol P id 1 category C\n rule r\n u16@2 ~ 3\n",
                3,
                8,
                "expected a field test like",
            ),
            (
                "protocol P id 1 category C\n rule r\n len == 5 extra\n",
                3,
                11,
                "expected end of line, found `extra`",
            ),
            (
                "protocol P id 1 category C\n rule r\n example match 0a1\n",
                3,
                16,
                "an even number of hex digits",
            ),
            (
                "protocol P id 1 category C\n rule r\n prefix \"abc\n",
                3,
                9,
                "expected a literal",
            ),
            (
                "protocol P id 1 category C\n rule r\n priority 1\n priority 2\n",
                4,
                2,
                "one `priority` per rule",
            ),
            (
                "protocol P id 1 category C\n rule r\n frobnicate\n",
                3,
                2,
                "expected a statement",
            ),
            ("udp:53@\n", 1, 8, "expected an nDPI custom line"),
            (
                "protocol P id 1 category C\n rule r\n echo u16@\n",
                3,
                11,
                "expected `echo uW@OFFSET` or `echo uW@OFFSET as uW@OFFSET`, found end of line",
            ),
            (
                "protocol P id 1 category C\n rule r\n echo u16@0 as\n",
                3,
                15,
                "expected `echo uW@OFFSET` or `echo uW@OFFSET as uW@OFFSET`, found end of line",
            ),
            (
                "protocol P id 1 category C\n rule r\n echo u16@0 as u8@x\n",
                3,
                19,
                "expected `echo uW@OFFSET` or `echo uW@OFFSET as uW@OFFSET`, found `x`",
            ),
            (
                "protocol P id 1 category C\n rule r\n repeat 2\n echo u8@1\n",
                4,
                2,
                "one `repeat` or `echo` per rule",
            ),
        ];
        for (src, line, col, msg) in cases {
            let e = err_of(src);
            assert_eq!((e.line, e.col), (line, col), "{src:?} gave {e}");
            assert!(
                e.message.contains(msg),
                "{src:?}: {} does not contain {msg}",
                e.message
            );
        }
    }

    /// Columns count characters, and the comment is no part of the statement: `hold # ééééé`
    /// (issue 9.1) used to slice the line at a byte offset of its comment-stripped copy and
    /// panic the loader.
    #[test]
    fn multi_byte_text_and_comments_give_columns_in_characters() {
        let cases = [
            (
                "hold # ééééé\n",
                1,
                1,
                "expected a `rule` line before tests",
            ),
            (
                "  hold # ééééé\n",
                1,
                3,
                "expected a `rule` line before tests",
            ),
            (
                "protocol P id 1 category C\n rule r\n len == 5 extra # é\n",
                3,
                11,
                "found `extra`",
            ),
            (
                "protocol P id 1 category C\n rule r\n\u{3000}len == 5 é # ééé\n",
                3,
                11,
                "expected end of line, found `é`",
            ),
            (
                "protocol P id 1 category C\n rule r\n prefix \"é\" é\n",
                3,
                13,
                "expected end of line, found `é`",
            ),
            (
                "protocol P id 1 category C\n rule r\n u8@0 == é # ü\n",
                3,
                7,
                "expected a field test like",
            ),
            ("é\n", 1, 1, "expected a statement"),
            (
                "protocol P id 1 category C\n rule r\n at 1 \"\\xé\"\n",
                3,
                8,
                "expected `at OFFSET LITERAL`",
            ),
        ];
        for (src, line, col, msg) in cases {
            let e = err_of(src);
            assert_eq!((e.line, e.col), (line, col), "{src:?} gave {e}");
            assert!(e.message.contains(msg), "{src:?}: {}", e.message);
            // The caret sits under the character the column names.
            let shown = e.to_string();
            let caret = shown.lines().last().unwrap();
            assert_eq!(caret.chars().count(), 4 + col as usize, "{shown}");
        }
    }

    #[test]
    fn every_bad_line_is_reported_not_only_the_first() {
        let errs = parse_file(
            "t.sig",
            "protocol P id 1 category C\n rule r\n bad one\n bad two\n",
        )
        .unwrap_err();
        assert_eq!(errs.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    fn field() -> impl Strategy<Value = Field> {
        (
            prop::sample::select(vec![1u8, 2, 4]),
            -64i32..2000,
            any::<bool>(),
        )
            .prop_map(|(width, offset, le)| Field {
                width,
                offset,
                le: le && width > 1,
            })
    }

    fn op_s() -> impl Strategy<Value = Op> {
        prop::sample::select(vec![Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge])
    }

    fn cmp_s() -> impl Strategy<Value = Cmp> {
        prop_oneof![
            (op_s(), any::<u32>()).prop_map(|(o, n)| Cmp::Op(o, n)),
            (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Cmp::Range(a, b)),
            prop::collection::vec(any::<u32>(), 1..4).prop_map(Cmp::Set),
        ]
    }

    fn side_s() -> impl Strategy<Value = Side> {
        prop::sample::select(vec![Side::Either, Side::Server, Side::Client])
    }

    fn cidr_s() -> impl Strategy<Value = Cidr> {
        prop_oneof![
            (any::<u32>(), 0u8..=32).prop_map(|(a, len)| Cidr {
                addr: IpAddr::V4(a.into()),
                len
            }),
            (any::<u128>(), 0u8..=128).prop_map(|(a, len)| Cidr {
                addr: IpAddr::V6(a.into()),
                len
            }),
        ]
    }

    fn bytes_s() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(any::<u8>(), 1..12)
    }

    fn host_s() -> impl Strategy<Value = String> {
        "[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,10}){0,3}\\.?"
    }

    fn kind_s() -> impl Strategy<Value = TestKind> {
        prop_oneof![
            prop::sample::select(vec![Transport::Udp, Transport::Tcp])
                .prop_map(TestKind::Transport),
            (
                side_s(),
                prop::collection::vec((0u16..1000, 1000u16..=65535), 1..4)
            )
                .prop_map(|(s, v)| TestKind::Port(s, v)),
            (side_s(), prop::collection::vec(cidr_s(), 1..4)).prop_map(|(s, v)| TestKind::Ip(s, v)),
            prop_oneof![
                Just(Position::First),
                Just(Position::FirstToServer),
                Just(Position::FirstToClient),
                (0u32..100).prop_map(Position::Within)
            ]
            .prop_map(TestKind::Packet),
            prop::sample::select(vec![Side::Server, Side::Client]).prop_map(TestKind::Direction),
            Just(TestKind::BothDirections),
            (field(), prop::option::of(any::<u32>()), cmp_s())
                .prop_map(|(f, m, c)| TestKind::Field(f, m, c)),
            cmp_s().prop_map(TestKind::Len),
            (op_s(), field(), -1000i32..1000).prop_map(|(o, f, n)| TestKind::LenField(o, f, n)),
            (any::<u16>(), bytes_s()).prop_map(|(o, b)| TestKind::At(o, b)),
            bytes_s().prop_map(TestKind::Prefix),
            bytes_s().prop_map(TestKind::Contains),
            proto_s(),
        ]
    }

    /// Helper tests, from the canonical samples every helper registers (each helper's own
    /// tests vary their arguments).
    pub(crate) fn proto_s() -> impl Strategy<Value = TestKind> {
        let samples: Vec<&str> = proto::HELPERS
            .iter()
            .flat_map(|h| h.samples())
            .copied()
            .collect();
        prop::sample::select(samples).prop_map(one_test)
    }

    fn rule_s() -> impl Strategy<Value = Rule> {
        (
            "[a-z][a-z0-9-]{0,8}",
            prop::option::of(-50i32..50),
            (any::<bool>(), any::<bool>()),
            prop::collection::vec(
                (any::<bool>(), kind_s()).prop_map(|(negated, kind)| Test { negated, kind }),
                0..6,
            ),
            prop_oneof![
                Just((None, None)),
                (2u8..10, prop::option::of(field()))
                    .prop_map(|(count, same)| (Some(Repeat { count, same }), None)),
                (field(), prop::option::of(field())).prop_map(|(request, reply)| (
                    None,
                    Some(Echo {
                        request,
                        reply: reply.unwrap_or(request)
                    })
                )),
            ],
            prop::collection::vec(
                (any::<bool>(), prop::collection::vec(any::<u8>(), 1..20)),
                0..3,
            ),
            prop::option::of((1u8..10, prop::sample::subsequence(Kind::ALL.to_vec(), 1..4))),
        )
            .prop_map(
                |(name, priority, (hold, broad), tests, (repeat, echo), ex, confirm)| Rule {
                    name,
                    line: 0,
                    priority,
                    hold,
                    broad,
                    tests,
                    repeat,
                    echo,
                    confirm: confirm.map(|(n, kinds)| Confirm::new(n, kinds)),
                    examples: ex
                        .into_iter()
                        .map(|(matches, payload)| Example {
                            matches,
                            payload,
                            line: 0,
                        })
                        .collect(),
                },
            )
    }

    fn custom_s() -> impl Strategy<Value = Custom> {
        let spec = prop_oneof![
            (
                prop::sample::select(vec![Transport::Udp, Transport::Tcp]),
                1u16..1000,
                1000u16..2000
            )
                .prop_map(|(t, a, b)| CustomSpec::Port(t, a, b)),
            (cidr_s(), prop::option::of(any::<u16>())).prop_map(|(c, p)| CustomSpec::Ip(c, p)),
            host_s().prop_map(CustomSpec::Host),
        ];
        (
            prop::collection::vec(spec, 1..4),
            "[A-Za-z][A-Za-z0-9_]{0,8}",
        )
            .prop_map(|(specs, name)| Custom {
                specs,
                name,
                line: 0,
            })
    }

    fn file_s() -> impl Strategy<Value = File> {
        let proto = (
            "[A-Za-z][A-Za-z0-9_.-]{0,10}",
            any::<u16>(),
            "[A-Za-z]{1,8}",
            prop::collection::vec(rule_s(), 0..4),
        )
            .prop_map(|(name, id, category, rules)| {
                Item::Protocol(Protocol {
                    name,
                    id,
                    category,
                    line: 0,
                    rules,
                })
            });
        prop::collection::vec(
            prop_oneof![3 => proto, 1 => custom_s().prop_map(Item::Custom)],
            0..4,
        )
        .prop_map(|items| File { items })
    }

    /// Forget line numbers: the printer lays the file out anew.
    fn unlined(mut f: File) -> File {
        for item in &mut f.items {
            match item {
                Item::Protocol(p) => {
                    p.line = 0;
                    for r in &mut p.rules {
                        r.line = 0;
                        for e in &mut r.examples {
                            e.line = 0;
                        }
                    }
                }
                Item::Custom(c) => c.line = 0,
            }
        }
        f
    }

    proptest! {
        #[test]
        fn parse_print_parse_is_the_identity(f in file_s()) {
            let text = f.to_string();
            let back = parse_file("p.sig", &text).map_err(|e| TestCaseError::fail(format!("{}\n{text}", e[0])))?;
            prop_assert_eq!(unlined(back.clone()), f);
            // And printing the result again gives the same text.
            prop_assert_eq!(back.to_string(), text);
        }
    }
}
