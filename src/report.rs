//! Output of flow records: an aligned table or JSON lines, and the summary by protocol and
//! verdict. It decides nothing.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use crate::engine::FlowRecord;
use crate::stats::Snapshot;

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Jsonl,
}

#[derive(Serialize)]
struct JsonFlow<'a> {
    pcap: &'a str,
    transport: &'a str,
    src: String,
    dst: String,
    protocol: &'a str,
    signature: Option<&'a str>,
    verdict: &'a str,
    decided_at_packet: Option<u32>,
    decided_at_bytes: Option<u64>,
    confirmed_at_packet: Option<u32>,
    unconfirmed: Option<&'a str>,
    packets: u64,
    bytes: u64,
    dropped_packets: u64,
    first_seen: f64,
    last_seen: f64,
}

/// Totals over everything written, for the summary.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub captures: u64,
    pub capture_errors: u64,
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    /// Flows by protocol, then by verdict.
    pub by_protocol: BTreeMap<String, BTreeMap<String, u64>>,
    /// Flows by verdict.
    pub by_verdict: BTreeMap<String, u64>,
    /// Engine counters summed over the captures.
    pub counters: BTreeMap<String, u64>,
    /// Flows decided by (protocol, verdict), from the engines' tallies (for `--metrics-file`).
    #[serde(skip)]
    pub decided: BTreeMap<(String, &'static str), u64>,
}

impl Summary {
    /// Add one capture's engine counters.
    pub fn add_counters(&mut self, s: &Snapshot) {
        for (k, v) in s.fields() {
            *self.counters.entry(k.to_string()).or_default() += v;
        }
    }

    /// Add one capture's flows decided by protocol and verdict.
    pub fn add_decided(&mut self, d: &BTreeMap<(String, &'static str), u64>) {
        for (k, v) in d {
            *self.decided.entry(k.clone()).or_default() += v;
        }
    }

    /// The engine counters summed over the captures.
    pub fn engine_counters(&self) -> Snapshot {
        Snapshot::from_fn(|name| self.counters.get(name).copied().unwrap_or(0))
    }
}

/// Writes records as they come and keeps the totals.
pub struct Report<W: Write> {
    out: W,
    format: Format,
    summary: Summary,
    header_done: bool,
}

const TABLE_HEADER: [&str; 10] = [
    "PROTO",
    "SRC",
    "DST",
    "PROTOCOL",
    "VERDICT",
    "AT_PKT",
    "AT_BYTES",
    "PKTS",
    "BYTES",
    "SIGNATURE",
];
const WIDTHS: [usize; 9] = [5, 21, 21, 16, 11, 6, 8, 7, 9];

impl<W: Write> Report<W> {
    pub fn new(out: W, format: Format) -> Self {
        Report {
            out,
            format,
            summary: Summary::default(),
            header_done: false,
        }
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn summary_mut(&mut self) -> &mut Summary {
        &mut self.summary
    }

    /// Write one flow rendered by [`render`], and count it in the summary.
    pub fn write_rendered(&mut self, r: &FlowRecord, line: &[u8]) -> io::Result<()> {
        let s = &mut self.summary;
        s.flows += 1;
        s.packets += r.packets;
        s.bytes += r.bytes;
        match s.by_protocol.get_mut(&r.protocol) {
            Some(v) => *v.entry(r.verdict.to_string()).or_default() += 1,
            None => {
                let v = s.by_protocol.entry(r.protocol.clone()).or_default();
                *v.entry(r.verdict.to_string()).or_default() += 1;
            }
        }
        match s.by_verdict.get_mut(r.verdict) {
            Some(n) => *n += 1,
            None => {
                s.by_verdict.insert(r.verdict.to_string(), 1);
            }
        }
        if self.format == Format::Table && !self.header_done {
            self.header_done = true;
            let mut header = Vec::new();
            row(&TABLE_HEADER.map(String::from), &mut header);
            self.out.write_all(&header)?;
        }
        self.out.write_all(line)
    }

    /// Write the summary as text (for a table, or standard error).
    pub fn write_summary_text(summary: &Summary, mut out: impl Write) -> io::Result<()> {
        writeln!(out)?;
        writeln!(
            out,
            "{} flows, {} packets, {} bytes in {} capture(s){}",
            summary.flows,
            summary.packets,
            summary.bytes,
            summary.captures,
            if summary.capture_errors > 0 {
                format!(", {} with errors", summary.capture_errors)
            } else {
                String::new()
            }
        )?;
        let verdicts = ["accept", "drop", "pending", "uninspected"];
        writeln!(
            out,
            "{:<20} {:>8} {:>8} {:>8} {:>8} {:>11}",
            "PROTOCOL", "FLOWS", "ACCEPT", "DROP", "PENDING", "UNINSPECTED"
        )?;
        let mut rows: Vec<_> = summary.by_protocol.iter().collect();
        rows.sort_by_key(|(name, v)| {
            (std::cmp::Reverse(v.values().sum::<u64>()), name.to_string())
        });
        for (name, v) in rows {
            let get = |k: &str| v.get(k).copied().unwrap_or(0);
            let total: u64 = v.values().sum();
            writeln!(
                out,
                "{:<20} {:>8} {:>8} {:>8} {:>8} {:>11}",
                name,
                total,
                get(verdicts[0]),
                get(verdicts[1]),
                get(verdicts[2]),
                get(verdicts[3])
            )?;
        }
        let c = |k: &str| summary.counters.get(k).copied().unwrap_or(0);
        writeln!(
            out,
            "malformed {}, non-IP {}, other IP {}, fragments {} (orphaned {}), flows refused (table full) {}",
            c("malformed"),
            c("non_ip"),
            c("other_ip"),
            c("fragments"),
            c("fragments_orphaned"),
            c("flows_refused")
        )
    }

    /// Finish: for a table, the summary follows the rows; with `json_summary`, a final JSON
    /// object `{"summary": true, ...}`.
    pub fn finish(mut self, json_summary: bool) -> io::Result<W> {
        if self.format == Format::Table {
            Self::write_summary_text(&self.summary, &mut self.out)?;
        }
        if json_summary {
            #[derive(Serialize)]
            struct Tagged<'a> {
                summary: bool,
                #[serde(flatten)]
                inner: &'a Summary,
            }
            serde_json::to_writer(
                &mut self.out,
                &Tagged {
                    summary: true,
                    inner: &self.summary,
                },
            )?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One flow of capture `pcap` as one line in `format`, newline included, appended to `buf`.
/// It depends on nothing but its arguments, so workers can render in parallel.
pub fn render(format: Format, pcap: &str, r: &FlowRecord, buf: &mut Vec<u8>) {
    match format {
        Format::Jsonl => {
            let j = JsonFlow {
                pcap,
                transport: r.transport,
                src: endpoint(r.src),
                dst: endpoint(r.dst),
                protocol: &r.protocol,
                signature: r.signature.as_deref(),
                verdict: r.verdict,
                decided_at_packet: r.decided_at_packet,
                decided_at_bytes: r.decided_at_bytes,
                confirmed_at_packet: r.confirmed_at_packet,
                unconfirmed: r.unconfirmed.as_deref(),
                packets: r.packets,
                bytes: r.bytes,
                dropped_packets: r.dropped_packets,
                first_seen: secs(r.first_seen),
                last_seen: secs(r.last_seen),
            };
            // Serialising plain fields into memory cannot fail.
            let _ = serde_json::to_writer(&mut *buf, &j);
            buf.push(b'\n');
        }
        Format::Table => {
            let opt = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
            let cells = [
                r.transport.to_string(),
                endpoint(r.src),
                endpoint(r.dst),
                r.protocol.clone(),
                r.verdict.to_string(),
                opt(r.decided_at_packet.map(u64::from)),
                opt(r.decided_at_bytes),
                r.packets.to_string(),
                r.bytes.to_string(),
                r.signature.clone().unwrap_or_else(|| "-".into()),
            ];
            row(&cells, buf);
        }
    }
}

/// One table row: numbers right-aligned, text left-aligned, in fixed widths.
fn row(cells: &[String; 10], buf: &mut Vec<u8>) {
    use std::fmt::Write as _;
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        let _ = match WIDTHS.get(i) {
            Some(w) if (5..=8).contains(&i) => write!(line, "{c:>w$}  "),
            Some(w) => write!(line, "{c:<w$}  "),
            None => write!(line, "{c}"),
        };
    }
    buf.extend_from_slice(line.trim_end().as_bytes());
    buf.push(b'\n');
}

fn secs(ns: u64) -> f64 {
    // Through the decimal form, so the printed value is exactly the microsecond timestamp.
    format!("{}.{:06}", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000)
        .parse()
        .unwrap_or(0.0)
}

/// An endpoint as nDPI prints it: `1.2.3.4:5678`, or `[2001:db8::1]:5678` with the longest
/// run of zero groups compressed even when it is a single group (`face:b00c::358e`, where Rust's
/// RFC 5952 form keeps `:0:`), so reports can be compared with nDPI's line by line.
pub fn endpoint(a: SocketAddr) -> String {
    match a.ip() {
        IpAddr::V4(v4) => format!("{v4}:{}", a.port()),
        IpAddr::V6(v6) => {
            if v6.to_ipv4_mapped().is_some() {
                return format!("[{v6}]:{}", a.port());
            }
            let g = v6.segments();
            // Longest run of zero groups; the first one on a tie.
            let (mut best, mut best_len, mut i) = (0usize, 0usize, 0usize);
            while i < 8 {
                if g[i] == 0 {
                    let start = i;
                    while i < 8 && g[i] == 0 {
                        i += 1;
                    }
                    if i - start > best_len {
                        best = start;
                        best_len = i - start;
                    }
                } else {
                    i += 1;
                }
            }
            let hex = |r: &[u16]| {
                r.iter()
                    .map(|x| format!("{x:x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            };
            let text = if best_len == 0 {
                hex(&g)
            } else {
                format!("{}::{}", hex(&g[..best]), hex(&g[best + best_len..]))
            };
            format!("[{text}]:{}", a.port())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_print_like_ndpi() {
        let e = |s: &str| endpoint(s.parse().unwrap());
        assert_eq!(e("1.2.3.4:53"), "1.2.3.4:53");
        assert_eq!(
            e("[3f65:ece9:fe71:6e2a:face:b00c:0:358e]:443"),
            "[3f65:ece9:fe71:6e2a:face:b00c::358e]:443"
        );
        assert_eq!(e("[2001:470:6c:a1::2]:514"), "[2001:470:6c:a1::2]:514");
        assert_eq!(e("[2001:0:0:1:0:0:0:1]:1"), "[2001:0:0:1::1]:1");
        assert_eq!(e("[::1]:1"), "[::1]:1");
        assert_eq!(e("[::]:1"), "[::]:1");
        assert_eq!(e("[1:2:3:4:5:6:7:8]:9"), "[1:2:3:4:5:6:7:8]:9");
    }
}
