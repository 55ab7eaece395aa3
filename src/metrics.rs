//! The metrics endpoint (`nfdpi run --metrics ADDR`): a minimal HTTP/1.x server on a thread of
//! its own that answers `GET /metrics` with the Prometheus text exposition, and nothing else —
//! no other path, no other method, no control of any kind. It serves one connection at a time,
//! each bounded in request size ([`MAX_REQUEST`]) and in time ([`DEADLINE`] to read the request,
//! the same to write the answer), with a short listen backlog ([`BACKLOG`]): a slow or hostile
//! client can delay a scrape, never the daemon, whose packet path neither waits for nor shares
//! a lock with this thread.
//!
//! It reads the clock (`Instant`) only for those network deadlines, never for classification.
//! It knows nothing of the engine: the daemon hands it a function that renders the exposition.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::io::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

use tracing::debug;

/// The documented address: loopback, Prometheus' port for exporters of this kind.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9464";
/// Largest request head read (request line and headers), bytes; a longer one gets 431.
pub const MAX_REQUEST: usize = 8192;
/// Time a client has to send its request, and to take the answer.
pub const DEADLINE: Duration = Duration::from_secs(2);
/// Connections the kernel holds while one is served; more are refused by the kernel.
pub const BACKLOG: libc::c_int = 16;
/// How often the server looks at the stop flag while no client connects.
const POLL: Duration = Duration::from_millis(200);

/// Why the endpoint cannot start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error(
        "--metrics {0}: not a loopback address; the endpoint has no authentication, so binding \
         another address must be asked for explicitly with --metrics-allow-remote (or use \
         127.0.0.1:9464 and scrape it through a proxy)"
    )]
    NotLoopback(SocketAddr),
    #[error("--metrics {addr}: cannot listen there: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// Bind the endpoint's socket (at start-up, before privileges are dropped). A non-loopback
/// address needs `allow_remote`.
pub fn bind(addr: SocketAddr, allow_remote: bool) -> Result<TcpListener, MetricsError> {
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(MetricsError::NotLoopback(addr));
    }
    let l = TcpListener::bind(addr).map_err(|source| MetricsError::Bind { addr, source })?;
    // Calling listen() again on a listening socket resizes its backlog.
    // SAFETY: listen on a descriptor this listener owns.
    unsafe { libc::listen(l.as_raw_fd(), BACKLOG) };
    Ok(l)
}

/// Serve until `stop` is set: accept one connection at a time and answer it.
pub fn serve(listener: TcpListener, stop: &AtomicBool, render: &dyn Fn() -> String) {
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    while !stop.load(SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                if let Err(e) = answer(stream, render) {
                    debug!(peer = %peer, error = %e, "metrics request");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_readable(&listener, POLL),
            Err(e) => {
                debug!(error = %e, "metrics accept");
                wait_readable(&listener, POLL);
            }
        }
    }
}

fn wait_readable(l: &TcpListener, d: Duration) {
    let mut p = libc::pollfd {
        fd: l.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one initialised pollfd for at most `d`.
    unsafe { libc::poll(&mut p, 1, d.as_millis() as libc::c_int) };
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Metrics,
    NotFound,
    BadMethod,
    Bad,
    TooLarge,
}

/// Read one request head and answer it; the connection is closed after one answer.
fn answer(mut stream: TcpStream, render: &dyn Fn() -> String) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    let req = match read_head(&mut stream)? {
        Some(head) => parse(&head),
        None => Request::TooLarge,
    };
    let (status, body, extra) = match req {
        Request::Metrics => ("200 OK", render(), ""),
        Request::NotFound => ("404 Not Found", "only /metrics is served\n".into(), ""),
        Request::BadMethod => (
            "405 Method Not Allowed",
            "only GET\n".into(),
            "Allow: GET\r\n",
        ),
        Request::Bad => ("400 Bad Request", "bad request\n".into(), ""),
        Request::TooLarge => (
            "431 Request Header Fields Too Large",
            "request too large\n".into(),
            "",
        ),
    };
    let content_type = if req == Request::Metrics {
        crate::stats::CONTENT_TYPE
    } else {
        "text/plain; charset=utf-8"
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    stream.set_write_timeout(Some(DEADLINE))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()?;
    close_gently(stream);
    Ok(())
}

/// Close after the answer without a reset: stop writing, then read (and discard) what the
/// client still sends, at most 64 KiB and for at most a quarter of [`DEADLINE`] — a socket
/// closed with unread input resets the connection, and the client may lose the answer.
fn close_gently(mut stream: TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let end = Instant::now() + DEADLINE / 4;
    let mut buf = [0u8; 4096];
    for _ in 0..16 {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}

/// The request head (up to the blank line), or `None` when it is longer than [`MAX_REQUEST`].
/// Fails when the client takes longer than [`DEADLINE`] in all or closes first.
fn read_head(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let end = Instant::now() + DEADLINE;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        if let Some(i) = find_blank_line(&head) {
            head.truncate(i);
            return Ok(Some(head));
        }
        if head.len() > MAX_REQUEST {
            return Ok(None);
        }
    }
}

fn find_blank_line(b: &[u8]) -> Option<usize> {
    b.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| b.windows(2).position(|w| w == b"\n\n"))
}

/// Only the request line matters: `GET /metrics HTTP/1.x` (a query string is ignored).
fn parse(head: &[u8]) -> Request {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let Ok(line) = std::str::from_utf8(line) else {
        return Request::Bad;
    };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Request::Bad;
    };
    if !version.starts_with("HTTP/1.") {
        return Request::Bad;
    }
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET", "/metrics") => Request::Metrics,
        ("GET", _) => Request::NotFound,
        _ => Request::BadMethod,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn requests() {
        assert_eq!(parse(b"GET /metrics HTTP/1.1"), Request::Metrics);
        assert_eq!(
            parse(b"GET /metrics?x=1 HTTP/1.0\r\nHost: a"),
            Request::Metrics
        );
        assert_eq!(parse(b"GET / HTTP/1.1"), Request::NotFound);
        assert_eq!(parse(b"GET /metrics/../x HTTP/1.1"), Request::NotFound);
        assert_eq!(parse(b"POST /metrics HTTP/1.1"), Request::BadMethod);
        assert_eq!(parse(b"GET /metrics"), Request::Bad);
        assert_eq!(parse(b"GET /metrics SPDY/3"), Request::Bad);
        assert_eq!(parse(b"\xff\xfe"), Request::Bad);
    }

    #[test]
    fn only_loopback_unless_allowed() {
        let remote: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(
            bind(remote, false),
            Err(MetricsError::NotLoopback(_))
        ));
        assert!(bind("[::1]:0".parse().unwrap(), false).is_ok() || !ipv6_loopback());
        let l = bind("127.0.0.1:0".parse().unwrap(), false).expect("loopback");
        assert!(l.local_addr().unwrap().ip().is_loopback());
    }

    fn ipv6_loopback() -> bool {
        TcpListener::bind("[::1]:0").is_ok()
    }

    fn get(addr: SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// A client that connects and sends nothing holds the server for at most the deadline; the
    /// next client is answered after it; an oversized request gets 431.
    #[test]
    fn serves_metrics_only_and_survives_slow_and_large_clients() {
        let l = bind("127.0.0.1:0".parse().unwrap(), false).unwrap();
        let addr = l.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = Arc::clone(&stop);
        let t = std::thread::spawn(move || serve(l, &s2, &|| "x_total 1\n".to_string()));
        let _idle = TcpStream::connect(addr).unwrap();
        let started = Instant::now();
        let ok = get(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(started.elapsed() < DEADLINE + Duration::from_secs(2));
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(
            ok.contains("Content-Type: text/plain; version=0.0.4"),
            "{ok}"
        );
        assert!(ok.ends_with("\r\n\r\nx_total 1\n"), "{ok}");
        let nf = get(addr, b"GET /reload HTTP/1.1\r\n\r\n");
        assert!(nf.starts_with("HTTP/1.1 404"), "{nf}");
        let post = get(addr, b"POST /metrics HTTP/1.1\r\n\r\n");
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");
        let mut big = b"GET /metrics HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_REQUEST + 10));
        let large = get(addr, &big);
        assert!(large.starts_with("HTTP/1.1 431"), "{large}");
        stop.store(true, SeqCst);
        t.join().unwrap();
    }
}
