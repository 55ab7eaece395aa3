//! Offline source: streams a pcap or pcapng capture through the engine, using the packets'
//! own timestamps as `now` (so the same capture always gives the same output), and hands every
//! finished flow to a sink. It never reads the wall clock.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;

use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};

use crate::engine::{Engine, EngineConfig, FlowRecord, LinkType, PacketTrace};
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
    #[error("unsupported link type {0} (nfdpi reads {supported})", supported = LinkType::SUPPORTED)]
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
    /// Flows decided, by (protocol, verdict) (`classify --metrics-file`).
    pub decided: BTreeMap<(String, &'static str), u64>,
    /// Non-fatal problems: a last record cut short, packets of an unsupported interface.
    pub warnings: Vec<String>,
    /// Error that stopped reading or made the capture unusable in part; flows read before it
    /// were reported.
    pub error: Option<String>,
}

/// Classify one capture: every packet goes through one engine, in capture order; every flow
/// record is rendered by `render` and handed with its rendering to `sink`, as flows end (idle
/// timeout) and at the end of the capture.
///
/// One capture is always classified by one thread. Its flows could be spread over several
/// engines, but the flow table's cap (`--max-flows`) is a property of the whole capture: with one
/// table per shard the cap would multiply by the number of shards, and which flows a full table
/// refuses would depend on the sharding. `classify --threads` therefore classifies several
/// captures side by side instead (see `main.rs`).
///
/// `progress` allows a progress bar on standard error (shown only when it is a terminal and the
/// capture is large); callers classifying several captures at once turn it off.
pub fn classify_capture(
    path: &Path,
    cfg: &EngineConfig,
    sigs: Arc<SignatureSet>,
    progress: bool,
    render: &(dyn Fn(&FlowRecord, &mut Vec<u8>) + Sync),
    mut sink: impl FnMut(FlowRecord, &[u8]) -> io::Result<()>,
) -> Result<CaptureSummary, CaptureError> {
    let engine = Engine::new(cfg.clone(), sigs);
    let mut clock = Clock::default();
    let mut out = Vec::new();
    let mut line = Vec::with_capacity(256);
    let mut emit = |recs: &mut Vec<FlowRecord>| -> io::Result<()> {
        for r in recs.drain(..) {
            line.clear();
            render(&r, &mut line);
            sink(r, &line)?;
        }
        Ok(())
    };
    let mut st = ReadState::default();
    let result = read_frames(path, progress, &mut st, &mut |link, now, data| {
        if clock.tick(now) {
            engine.sweep(now, &mut out);
            emit(&mut out)?;
        }
        engine.process(link, data, now);
        Ok(())
    })?;
    if let Err(CaptureError::Sink(e)) = result {
        return Err(CaptureError::Sink(e));
    }
    engine.drain(&mut out);
    emit(&mut out).map_err(CaptureError::Sink)?;
    let mut summary = finish(st, result, engine.stats().snapshot())?;
    summary.decided = engine.decided_by_protocol();
    Ok(summary)
}

/// What [`trace_capture`] hands on: a packet as the engine saw it, or a flow that ended.
pub enum Traced<'a> {
    Packet(PacketTrace<'a>),
    Record(FlowRecord),
}

/// [`classify_capture`] for `explain`: the same engine over the same packets, with every packet
/// of a tracked flow handed to `on` as it is processed, and every flow record as its flow ends
/// (idle timeout, end of capture). No progress bar.
pub fn trace_capture(
    path: &Path,
    cfg: &EngineConfig,
    sigs: Arc<SignatureSet>,
    on: &mut dyn FnMut(Traced<'_>),
) -> Result<CaptureSummary, CaptureError> {
    let engine = Engine::new(cfg.clone(), sigs);
    let mut clock = Clock::default();
    let mut out = Vec::new();
    let mut st = ReadState::default();
    let result = read_frames(path, false, &mut st, &mut |link, now, data| {
        if clock.tick(now) {
            engine.sweep(now, &mut out);
            out.drain(..).for_each(|r| on(Traced::Record(r)));
        }
        if let (_, Some(t)) = engine.trace(link, data, now) {
            on(Traced::Packet(t));
        }
        Ok(())
    })?;
    engine.drain(&mut out);
    out.drain(..).for_each(|r| on(Traced::Record(r)));
    finish(st, result, engine.stats().snapshot())
}

/// The summary of a capture from what the reader found and the engines counted.
fn finish(
    st: ReadState,
    result: Result<(), CaptureError>,
    stats: Snapshot,
) -> Result<CaptureSummary, CaptureError> {
    if let Err(CaptureError::Sink(e)) = result {
        return Err(CaptureError::Sink(e));
    }
    if let (false, Some(lt)) = (st.supported_iface, st.unsupported_link) {
        return Err(CaptureError::UnknownLinkType(lt));
    }
    let mut summary = CaptureSummary {
        stats,
        warnings: st.warnings,
        ..CaptureSummary::default()
    };
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

/// When to sweep idle flows: at the first packet, then once at least [`SWEEP_EVERY`] of capture
/// time has passed since the last sweep.
#[derive(Default)]
struct Clock {
    next_sweep: u64,
}

impl Clock {
    /// True when a sweep is due at `now`.
    fn tick(&mut self, now: u64) -> bool {
        if now < self.next_sweep {
            return false;
        }
        self.next_sweep = now.saturating_add(SWEEP_EVERY);
        true
    }
}

/// Takes each packet: its link type, the capture time (never going back), its bytes.
type FrameFn<'a> = &'a mut dyn FnMut(LinkType, u64, &[u8]) -> io::Result<()>;

/// What reading a capture found besides its packets.
#[derive(Default)]
struct ReadState {
    /// Non-fatal problems: a last record cut short, packets of an unsupported interface.
    warnings: Vec<String>,
    /// pcapng: the first unsupported link type seen, and whether any interface was usable; a
    /// capture with none usable is refused like a pcap of an unknown link type.
    unsupported_link: Option<i32>,
    supported_iface: bool,
}

/// Read the whole capture and hand every packet of a supported interface to `frame_fn` with its
/// link type, the capture time (never going back) and its bytes. The outer error means nothing
/// could be read (cannot open, empty, not a capture); the inner result tells how reading ended
/// (an error there comes after the packets handed on, which stand).
fn read_frames(
    path: &Path,
    show_progress: bool,
    st: &mut ReadState,
    frame_fn: FrameFn<'_>,
) -> Result<Result<(), CaptureError>, CaptureError> {
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if path == Path::new("-") {
        (Box::new(io::stdin()), None)
    } else {
        let f = File::open(path).map_err(CaptureError::Open)?;
        let meta = f.metadata().ok();
        // Opening a directory succeeds on Unix; reading it fails, which would otherwise read
        // as "not a capture".
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(CaptureError::Open(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        (Box::new(f), meta.map(|m| m.len()))
    };
    // pcap-parser decides the format from one read; from a pipe that read can be short.
    let mut input = input;
    let prefix =
        read_header(&mut input).map_err(|source| CaptureError::Read { offset: 0, source })?;
    let input: Box<dyn Read + Send> = Box::new(io::Cursor::new(prefix).chain(input));
    let mut reader = match pcap_parser::create_reader(READ_BUFFER, input) {
        Ok(r) => r,
        Err(PcapError::Eof) => return Err(CaptureError::Empty),
        Err(PcapError::ReadError) => {
            return Err(CaptureError::Read {
                offset: 0,
                source: io::Error::other("read failed"),
            })
        }
        Err(_) => return Err(CaptureError::NotACapture),
    };
    let progress = if show_progress {
        progress_bar(size)
    } else {
        None
    };

    // Per-interface link type and timestamp scale (pcapng); one entry for legacy pcap.
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut legacy_nanos = false;
    let mut now = 0u64;
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
                        if link.is_some() {
                            st.supported_iface = true;
                        } else {
                            st.unsupported_link.get_or_insert(lt);
                            st.warnings.push(format!(
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
                        st.warnings.push(format!(
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
                    if let Err(e) = frame_fn(link, now, data) {
                        break Err(CaptureError::Sink(e));
                    }
                }
                None => skipped_iface_packets += 1,
            }
        }
        // No shift per record: refill moves only the unread tail, when a record runs past the end.
        reader.consume_noshift(consumed);
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
        st.warnings.push(format!(
            "{skipped_iface_packets} packets of unsupported interfaces skipped"
        ));
    }
    Ok(result)
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

/// The reader's buffer, in bytes; also the most read ahead for the file header.
const READ_BUFFER: usize = 1 << 20;

/// Read the start of `input` until it holds the whole file header (24 bytes for pcap; the
/// section header block for pcapng, whose length it gives), or the input ends.
fn read_header(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 4096];
    let mut want = 24;
    loop {
        if let (Some(b"\x0a\x0d\x0d\x0a"), Some(len), Some(bom)) =
            (buf.get(..4), buf.get(4..8), buf.get(8..12))
        {
            let len: [u8; 4] = len.try_into().unwrap_or_default();
            let len = if bom == [0x4d, 0x3c, 0x2b, 0x1a] {
                u32::from_le_bytes(len)
            } else {
                u32::from_be_bytes(len)
            };
            want = (len as usize).clamp(24, READ_BUFFER);
        }
        let Some(missing) = want.checked_sub(buf.len()).filter(|&m| m > 0) else {
            return Ok(buf);
        };
        let n = missing.min(chunk.len());
        match input.read(chunk.get_mut(..n).unwrap_or_default()) {
            Ok(0) => return Ok(buf),
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
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
