//! `--capture-unknown DIR`: the packets of cut flows, written to rotating pcap files that
//! `nfdpi classify` reads back. Each cut flow is written whole (up to the packet that cut it)
//! into one file; files are pcap with nanosecond timestamps and link type 101 (raw IP), since
//! NFQUEUE hands packets without a link header.
//!
//! Bounded: at most `max_files` files and `max_bytes` bytes of them in DIR (files of earlier
//! runs included), the oldest removed first; a flow is not written when the file system would
//! keep less than [`MIN_FREE_PERCENT`] of its size free. Only the trace thread calls this; it
//! reads no clock (file names carry the cut flow's time).

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::engine::CutFlow;

/// File names: `nfdpi-cut-20261130T140501Z-000001.pcap`, in time order.
pub const FILE_PREFIX: &str = "nfdpi-cut-";
const FILE_SUFFIX: &str = ".pcap";
/// Default `--capture-max-files`.
pub const DEFAULT_MAX_FILES: u32 = 16;
/// Default `--capture-max-bytes`: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;
/// A flow is written only if the file system keeps this share of its size free afterwards.
pub const MIN_FREE_PERCENT: u64 = 5;
/// pcap global header, and each record's header, bytes.
const FILE_HEADER: u64 = 24;
const RECORD_HEADER: u64 = 16;
/// LINKTYPE_RAW: packets start with their IPv4 or IPv6 header.
const LINKTYPE_RAW: u32 = 101;

/// Where and how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureConfig {
    pub dir: PathBuf,
    /// Most capture files kept in `dir` (1-100000).
    pub max_files: u32,
    /// Most bytes of capture files kept in `dir`.
    pub max_bytes: u64,
}

impl CaptureConfig {
    /// Size at which a file is closed and the next one started.
    fn file_size(&self) -> u64 {
        (self.max_bytes / u64::from(self.max_files.max(1))).max(FILE_HEADER + 1)
    }
}

/// What writing one cut flow did.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// Written to this file: packets, bytes (headers included), files opened, files removed.
    To {
        file: String,
        packets: u64,
        bytes: u64,
        opened: bool,
        removed: u64,
    },
    /// Not written: the file system would keep too little free space.
    NoSpace,
    /// Not written: the flow alone is larger than `max_bytes`.
    TooLarge,
    /// Nothing to write (the tap kept no packets of the flow).
    Nothing,
}

struct Current {
    out: BufWriter<File>,
    name: String,
    size: u64,
}

/// The writer: the files of DIR it owns, oldest first, and the one open.
pub struct CaptureWriter {
    cfg: CaptureConfig,
    closed: VecDeque<(PathBuf, u64)>,
    current: Option<Current>,
    seq: u64,
}

impl CaptureWriter {
    /// Take over DIR: its capture files from earlier runs count toward the bounds. DIR must
    /// exist and be writable by this process.
    pub fn open(cfg: CaptureConfig) -> io::Result<CaptureWriter> {
        check_writable(&cfg.dir)?;
        let mut found: Vec<(PathBuf, u64)> = Vec::new();
        for e in fs::read_dir(&cfg.dir)? {
            let e = e?;
            let name = e.file_name();
            let n = name.to_string_lossy();
            if n.starts_with(FILE_PREFIX) && n.ends_with(FILE_SUFFIX) && e.file_type()?.is_file() {
                found.push((e.path(), e.metadata()?.len()));
            }
        }
        found.sort();
        let seq = found.last().map_or(0, |(p, _)| seq_of(p) + 1);
        Ok(CaptureWriter {
            cfg,
            closed: found.into(),
            current: None,
            seq,
        })
    }

    /// Bytes of capture files in DIR now.
    pub fn total_bytes(&self) -> u64 {
        self.closed.iter().map(|(_, n)| n).sum::<u64>()
            + self.current.as_ref().map_or(0, |c| c.size)
    }

    fn file_count(&self) -> usize {
        self.closed.len() + usize::from(self.current.is_some())
    }

    /// Write one cut flow's packets.
    pub fn write(&mut self, flow: &CutFlow) -> io::Result<Written> {
        let Some(t) = flow.tapped.as_ref().filter(|t| !t.packets.is_empty()) else {
            return Ok(Written::Nothing);
        };
        let body: u64 = t
            .packets()
            .map(|(_, p)| RECORD_HEADER + p.len() as u64)
            .sum();
        if body + FILE_HEADER > self.cfg.max_bytes {
            return Ok(Written::TooLarge);
        }
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.size + body > self.cfg.file_size())
        {
            self.close_current()?;
        }
        let needed = body
            + if self.current.is_none() {
                FILE_HEADER
            } else {
                0
            };
        let removed = self.make_room(needed)?;
        if !has_free_space(&self.cfg.dir, needed) {
            return Ok(Written::NoSpace);
        }
        let opened = self.current.is_none();
        if opened {
            self.start_file(flow.at)?;
        }
        let Some(cur) = self.current.as_mut() else {
            return Err(io::ErrorKind::Other.into());
        };
        let mut packets = 0;
        for (at, p) in t.packets() {
            write_record(&mut cur.out, at, p)?;
            packets += 1;
        }
        cur.out.flush()?;
        cur.size += body;
        Ok(Written::To {
            file: cur.name.clone(),
            packets,
            bytes: needed,
            opened,
            removed,
        })
    }

    /// Remove the oldest closed files until `needed` more bytes and (when a file must be
    /// opened) one more file fit. Returns how many were removed.
    fn make_room(&mut self, needed: u64) -> io::Result<u64> {
        let mut removed = 0;
        loop {
            let files_over =
                self.current.is_none() && self.file_count() + 1 > self.cfg.max_files as usize;
            let bytes_over = self.total_bytes() + needed > self.cfg.max_bytes;
            if !files_over && !bytes_over {
                return Ok(removed);
            }
            match self.closed.pop_front() {
                Some((path, _)) => {
                    match fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                    removed += 1;
                }
                // Only the open file is left and the flow does not fit beside it: close it, so
                // that it can go next time round.
                None if self.current.is_some() => self.close_current()?,
                None => return Ok(removed),
            }
        }
    }

    fn close_current(&mut self) -> io::Result<()> {
        if let Some(mut c) = self.current.take() {
            c.out.flush()?;
            self.closed.push_back((self.cfg.dir.join(&c.name), c.size));
        }
        Ok(())
    }

    fn start_file(&mut self, at: u64) -> io::Result<()> {
        let name = format!(
            "{FILE_PREFIX}{}-{:06}{FILE_SUFFIX}",
            utc_stamp(at / 1_000_000_000),
            self.seq
        );
        self.seq += 1;
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o640)
            .open(self.cfg.dir.join(&name))?;
        let mut out = BufWriter::with_capacity(64 << 10, f);
        write_file_header(&mut out)?;
        self.current = Some(Current {
            out,
            name,
            size: FILE_HEADER,
        });
        Ok(())
    }
}

/// The sequence number in a capture file's name (0 when it has none).
fn seq_of(p: &Path) -> u64 {
    let name = p.file_name().map(|n| n.as_bytes()).unwrap_or(b"");
    let stem = name.strip_suffix(FILE_SUFFIX.as_bytes()).unwrap_or(name);
    let digits = stem.rsplit(|&b| b == b'-').next().unwrap_or(b"");
    std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

fn write_file_header(w: &mut impl Write) -> io::Result<()> {
    w.write_all(&0xa1b2_3c4du32.to_le_bytes())?; // pcap, nanosecond timestamps
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&0i32.to_le_bytes())?; // thiszone
    w.write_all(&0u32.to_le_bytes())?; // sigfigs
    w.write_all(&65535u32.to_le_bytes())?; // snaplen
    w.write_all(&LINKTYPE_RAW.to_le_bytes())
}

fn write_record(w: &mut impl Write, at: u64, p: &[u8]) -> io::Result<()> {
    let len = u32::try_from(p.len()).unwrap_or(u32::MAX);
    w.write_all(&((at / 1_000_000_000) as u32).to_le_bytes())?;
    w.write_all(&((at % 1_000_000_000) as u32).to_le_bytes())?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(p)
}

/// True when `needed` more bytes leave at least [`MIN_FREE_PERCENT`] of the file system free
/// (and when the figures cannot be read, false: never risk filling the disk).
fn has_free_space(dir: &Path, needed: u64) -> bool {
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs writes into a zeroed struct owned here; the path is NUL-terminated.
    let (total, avail) = unsafe {
        let mut s: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut s) != 0 {
            return false;
        }
        let unit = s.f_frsize as u64;
        (
            (s.f_blocks as u64).saturating_mul(unit),
            (s.f_bavail as u64).saturating_mul(unit),
        )
    };
    enough_space(total, avail, needed)
}

fn enough_space(total: u64, avail: u64, needed: u64) -> bool {
    avail.saturating_sub(needed) >= total / 100 * MIN_FREE_PERCENT
}

/// Fails unless `dir` is a directory this process may create files in.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    if !fs::metadata(dir)?.is_dir() {
        return Err(io::Error::other("not a directory"));
    }
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::other("the path contains a NUL byte"))?;
    // SAFETY: access() on a NUL-terminated path.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `dir` for a daemon that starts as root and switches to `owner` (uid, gid): created if
/// missing (mode 0750) and, when this call created it, handed to `owner`.
pub fn prepare_dir(dir: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))?;
    }
    Ok(())
}

/// `20261130T140501Z` for seconds since the epoch (UTC, proleptic Gregorian).
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Tapped;

    #[test]
    fn stamps_and_sequence_numbers() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_796_054_701), "20261130T160501Z");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000Z");
        assert_eq!(
            seq_of(Path::new("/x/nfdpi-cut-20261130T140501Z-000042.pcap")),
            42
        );
    }

    #[test]
    fn free_space_rule() {
        // 1000 GB file system, 5 % must stay free.
        let t = 1_000_000_000_000;
        assert!(enough_space(t, 60_000_000_000, 1 << 20));
        assert!(!enough_space(t, 50_000_000_000, 1));
    }

    fn flow(at: u64, sizes: &[usize]) -> CutFlow {
        let mut t = Tapped::default();
        for (i, &n) in sizes.iter().enumerate() {
            t.data.extend(std::iter::repeat_n(0x45u8, n));
            t.packets.push((at + i as u64, n as u32));
        }
        CutFlow {
            transport: "udp",
            client: "10.0.0.1:1".parse().unwrap(),
            server: "10.0.0.2:2".parse().unwrap(),
            reason: "budget",
            label: None,
            unconfirmed: None,
            packets: [sizes.len() as u32, 0],
            bytes: [0, 0],
            decided_at_packet: sizes.len() as u32,
            first_seen: at,
            at,
            tapped: Some(t),
        }
    }

    #[test]
    fn files_rotate_and_stay_within_both_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = CaptureConfig {
            dir: dir.path().to_path_buf(),
            max_files: 3,
            max_bytes: 10_000,
        };
        // A stale file of an earlier run counts and goes first.
        fs::write(
            dir.path().join("nfdpi-cut-19700101T000000Z-000007.pcap"),
            [0u8; 500],
        )
        .unwrap();
        fs::write(dir.path().join("other.pcap"), [0u8; 50]).unwrap();
        let mut w = CaptureWriter::open(cfg).unwrap();
        assert_eq!(w.total_bytes(), 500);
        for i in 0..40u64 {
            let r = w
                .write(&flow(1_796_054_701_000_000_000 + i, &[1000, 400]))
                .unwrap();
            assert!(matches!(r, Written::To { .. }), "{r:?}");
            let on_disk: u64 = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.file_name().to_string_lossy().starts_with(FILE_PREFIX))
                .map(|e| e.metadata().unwrap().len())
                .sum();
            assert!(on_disk <= 10_000, "{on_disk} bytes after flow {i}");
            assert!(w.file_count() <= 3);
        }
        assert!(!dir
            .path()
            .join("nfdpi-cut-19700101T000000Z-000007.pcap")
            .exists());
        assert!(
            dir.path().join("other.pcap").exists(),
            "other files are left alone"
        );
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(FILE_PREFIX))
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
        // Numbered on from the earlier run's files, the oldest removed.
        assert!(seq_of(Path::new(&names[0])) > 8, "{names:?}");
        assert!(
            names[0].starts_with("nfdpi-cut-20261130T160501Z-"),
            "{names:?}"
        );
        assert_eq!(w.write(&flow(0, &[20_000])).unwrap(), Written::TooLarge);
    }
}
