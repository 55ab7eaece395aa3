//! Offline source: streams a pcap or pcapng capture through the engine, using the packets'
//! own timestamps as `now` (so the same capture always gives the same output), and hands every
//! finished flow to a sink. It never reads the wall clock.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;

use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};

use crate::engine::{Engine, EngineConfig, FlowRecord, LinkType};
use crate::signature::SignatureSet;
use crate::stats::Snapshot;

/// Capture time between sweeps of idle flows, in nanoseconds.
const SWEEP_EVERY: u64 = 1_000_000_000;
/// Largest record buffer we grow to for one packet block.
const MAX_BUFFER: usize = 16 << 20;

/// Why a capture could not be read (in whole or from some point on).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot open: {0}")]
    Open(io::Error),
    #[error("empty file, not a capture")]
    Empty,
    #[error("not a pcap or pcapng capture (unrecognised header)")]
    NotACapture,
    #[error(
        "unsupported link type {0} (nfdpi reads Ethernet, Linux SLL/SLL2, raw IP and BSD loopback)"
    )]
    UnknownLinkType(i32),
    #[error(
        "corrupt capture at byte offset {offset}: {reason}; the flows read before it are reported"
    )]
    Corrupt { offset: usize, reason: String },
    #[error("read error at byte offset {offset}: {source}")]
    Read { offset: usize, source: io::Error },
    /// The sink failed (e.g. standard output closed).
    #[error("{0}")]
    Sink(io::Error),
}

/// What reading one capture gave, besides its flow records.
#[derive(Debug, Default, Clone)]
pub struct CaptureSummary {
    /// The engine's counters for this capture.
    pub stats: Snapshot,
    /// Non-fatal problems: a last record cut short, packets of an unsupported interface.
    pub warnings: Vec<String>,
    /// Error that stopped reading or made the capture unusable in part; flows read before it
    /// were reported.
    pub error: Option<String>,
}

/// Classify one capture (`-` = standard input); every flow record goes to `sink` as flows end
/// (idle timeout) and at the end of the capture.
pub fn classify_capture(
    path: &Path,
    cfg: &EngineConfig,
    sigs: Arc<SignatureSet>,
    mut sink: impl FnMut(FlowRecord) -> io::Result<()>,
) -> Result<CaptureSummary, CaptureError> {
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if path == Path::new("-") {
        (Box::new(io::stdin()), None)
    } else {
        let f = File::open(path).map_err(CaptureError::Open)?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let mut reader = match pcap_parser::create_reader(1 << 16, input) {
        Ok(r) => r,
        Err(PcapError::Eof) => return Err(CaptureError::Empty),
        Err(_) => return Err(CaptureError::NotACapture),
    };
    let engine = Engine::new(cfg.clone(), sigs);
    let mut summary = CaptureSummary::default();
    let progress = progress_bar(size);

    // Per-interface link type and timestamp scale (pcapng); one entry for legacy pcap.
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut legacy_nanos = false;
    let mut next_sweep = 0u64;
    let mut now = 0u64;
    let mut out = Vec::new();
    let mut skipped_iface_packets = 0u64;
    let mut packet_no = 0u64;

    let result: Result<(), CaptureError> = loop {
        let (consumed, frame) = match reader.next() {
            Ok((n, block)) => {
                let frame = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy_nanos = h.is_nanosecond_precision();
                        let lt = h.network.0;
                        match LinkType::from_pcap(lt) {
                            Some(l) => {
                                ifaces = vec![Iface {
                                    link: Some(l),
                                    resolution: 0,
                                    offset: 0,
                                }]
                            }
                            None => break Err(CaptureError::UnknownLinkType(lt)),
                        }
                        None
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let ts = u64::from(b.ts_sec) * 1_000_000_000
                            + u64::from(b.ts_usec) * if legacy_nanos { 1 } else { 1000 };
                        let len = (b.caplen as usize).min(b.data.len());
                        Some((0usize, ts, b.data.get(..len).unwrap_or(b.data)))
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        ifaces.clear();
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        let lt = idb.linktype.0;
                        let link = LinkType::from_pcap(lt);
                        if link.is_none() {
                            summary.warnings.push(format!(
                                "interface {} has unsupported link type {lt}; its packets are skipped",
                                ifaces.len()
                            ));
                        }
                        let resolution = idb.ts_resolution().unwrap_or(1_000_000);
                        ifaces.push(Iface {
                            link,
                            resolution,
                            offset: idb.ts_offset(),
                        });
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                        let ts = ifaces.get(epb.if_id as usize).map_or(0, |i| i.nanos(units));
                        let len = (epb.caplen as usize).min(epb.data.len());
                        Some((
                            epb.if_id as usize,
                            ts,
                            epb.data.get(..len).unwrap_or(epb.data),
                        ))
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        // No timestamp: it happened no earlier than the previous packet.
                        let len = (spb.origlen as usize).min(spb.data.len());
                        Some((0, now, spb.data.get(..len).unwrap_or(spb.data)))
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                (n, frame)
            }
            Err(PcapError::Eof) => break Ok(()),
            Err(PcapError::Incomplete(_)) | Err(PcapError::UnexpectedEof) => {
                if reader.reader_exhausted() {
                    let left = reader.data().len();
                    if left > 0 {
                        summary.warnings.push(format!(
                            "capture cut short: the last record at byte offset {} is incomplete ({left} bytes); \
                             the flows read before it are reported",
                            reader.consumed()
                        ));
                    }
                    break Ok(());
                }
                let before = reader.data().len();
                let offset = reader.consumed();
                if let Err(e) = reader.refill() {
                    break Err(read_error(offset, e));
                }
                // A record larger than the buffer: refilling cannot help, growing can.
                if reader.data().len() == before && !reader.reader_exhausted() {
                    let cap = (before * 2).max(1 << 16);
                    if cap > MAX_BUFFER || !reader.grow(cap) {
                        break Err(CaptureError::Corrupt {
                            offset: reader.consumed(),
                            reason: format!("a record larger than {} bytes", MAX_BUFFER),
                        });
                    }
                }
                continue;
            }
            Err(PcapError::BufferTooSmall) => {
                let cap = (reader.data().len() * 2).max(1 << 17);
                if cap > MAX_BUFFER || !reader.grow(cap) {
                    break Err(CaptureError::Corrupt {
                        offset: reader.consumed(),
                        reason: format!("a record larger than {} bytes", MAX_BUFFER),
                    });
                }
                continue;
            }
            Err(e) => {
                let reason = describe(&e);
                break Err(CaptureError::Corrupt {
                    offset: reader.consumed(),
                    reason,
                });
            }
        };
        if let Some((iface, ts, data)) = frame {
            packet_no += 1;
            match ifaces.get(iface).and_then(|i| i.link) {
                Some(link) => {
                    now = now.max(ts);
                    if now >= next_sweep {
                        engine.sweep(now, &mut out);
                        next_sweep = now.saturating_add(SWEEP_EVERY);
                    }
                    engine.process(link, data, ts.max(now));
                }
                None => skipped_iface_packets += 1,
            }
        }
        reader.consume(consumed);
        if !out.is_empty() {
            if let Err(e) = out.drain(..).try_for_each(&mut sink) {
                break Err(CaptureError::Sink(e));
            }
        }
        if packet_no.is_multiple_of(8192) {
            if let Some(p) = &progress {
                p.set_position(reader.consumed() as u64);
            }
        }
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    if skipped_iface_packets > 0 {
        summary.warnings.push(format!(
            "{skipped_iface_packets} packets of unsupported interfaces skipped"
        ));
    }
    if let Err(CaptureError::Sink(e)) = result {
        return Err(CaptureError::Sink(e));
    }
    engine.drain(&mut out);
    out.into_iter()
        .try_for_each(&mut sink)
        .map_err(CaptureError::Sink)?;
    summary.stats = engine.stats().snapshot();
    match result {
        Ok(()) => Ok(summary),
        // Fatal for the header, partial otherwise: the flows read so far were reported.
        Err(CaptureError::UnknownLinkType(lt)) => Err(CaptureError::UnknownLinkType(lt)),
        Err(e) => {
            summary.error = Some(e.to_string());
            Ok(summary)
        }
    }
}

struct Iface {
    link: Option<LinkType>,
    /// Timestamp units per second (pcapng); 0 for legacy pcap (timestamps already in ns).
    resolution: u64,
    /// Seconds added to every timestamp (pcapng `if_tsoffset`).
    offset: i64,
}

impl Iface {
    fn nanos(&self, units: u64) -> u64 {
        let base = match units.checked_div(self.resolution) {
            None => units,
            Some(secs) => {
                let frac = units % self.resolution;
                secs.saturating_mul(1_000_000_000).saturating_add(
                    (u128::from(frac) * 1_000_000_000 / u128::from(self.resolution)) as u64,
                )
            }
        };
        base.saturating_add_signed(self.offset.saturating_mul(1_000_000_000))
    }
}

fn read_error(offset: usize, e: PcapError<&[u8]>) -> CaptureError {
    CaptureError::Read {
        offset,
        source: io::Error::other(describe(&e)),
    }
}

fn describe<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::Eof | PcapError::UnexpectedEof | PcapError::Incomplete(_) => {
            "unexpected end of data".into()
        }
        PcapError::BufferTooSmall => "record too large".into(),
        PcapError::ReadError => "read failed".into(),
        PcapError::HeaderNotRecognized => "block header not recognised".into(),
        PcapError::NomError(_, k) | PcapError::OwnedNomError(_, k) => {
            format!("invalid block ({k:?})")
        }
    }
}

fn progress_bar(size: Option<u64>) -> Option<indicatif::ProgressBar> {
    let size = size?;
    if size < (64 << 20) || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}
