//! Every input a fuzz target (`fuzz/`, see `fuzz/README.md`) or a fuzzing report found to crash
//! or misread, kept as hex and run the way its target runs it: packets through fresh engines with
//! and without decapsulation and the shipped signatures, signature text through the loader. Each
//! test is named after the defect it guards and says what must hold now.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use nfdpi::engine::{Engine, EngineConfig, LinkType, PacketVerdict, SignatureSet, Verdict};
use nfdpi::stats::Snapshot;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digits"))
        .collect()
}

fn shipped() -> Arc<SignatureSet> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    Arc::new(SignatureSet::load(&[dir]).expect("the shipped signatures load"))
}

/// An input of the `frame` and `ip` targets as packets: records of a big-endian u16 length and
/// that many bytes (the last takes what is left), as `fuzz/src/lib.rs` splits them.
fn records(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((len, rest)) = data.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (packet, tail) = rest.split_at(len);
        out.push(packet);
        data = tail;
    }
    if out.is_empty() {
        out.push(data);
    }
    out
}

/// Run `packets` as the fuzz targets do, checking the same accounting, and return each engine's
/// verdicts and counters (decapsulation off, then on).
fn run(
    packets: &[&[u8]],
    process: impl Fn(&Engine, &[u8], u64) -> PacketVerdict,
) -> Vec<(Vec<Verdict>, Snapshot)> {
    let sigs = shipped();
    [false, true]
        .into_iter()
        .map(|decapsulate| {
            let cfg = EngineConfig {
                decapsulate,
                ..EngineConfig::default()
            };
            let e = Engine::new(cfg, Arc::clone(&sigs));
            let verdicts = packets
                .iter()
                .enumerate()
                .map(|(i, p)| process(&e, p, i as u64 * 1_000_000).verdict)
                .collect();
            let mut out = Vec::new();
            e.drain(&mut out);
            let s = e.stats().snapshot();
            assert_eq!(s.verdict_accept + s.verdict_drop, packets.len() as u64);
            assert_eq!(out.len() as u64, s.flows_created);
            (verdicts, s)
        })
        .collect()
}

/// Issue 10.1: a 48-byte IPv6 packet (payload length 0, a Hop-by-Hop header, then a second one
/// cut short) made etherparse 0.21 read past the buffer (`ipv6_raw_ext_header_slice.rs:87`);
/// found by the `ip` target. nfdpi now walks the chain itself: the second header runs past the
/// packet, so the packet is malformed, dropped and counted, and nothing is read beyond it.
#[test]
fn ipv6_hop_by_hop_chain_cut_short_is_malformed_not_read_past() {
    let bug = hex(
        "616d00000000000040080a0da40d0da40d0000000040080a0da40d0d0da4000000\
                   0040080aa40d0d00000000400aa40d",
    );
    assert_eq!(bug.len(), 48);
    // As an `ip` input: the packet three times, each a record behind its length.
    let input = [&[0x00, 0x30][..], &bug].concat().repeat(3);
    for (verdicts, s) in run(&records(&input), |e, p, now| e.process_ip(p, now)) {
        assert_eq!(verdicts, [Verdict::Drop; 3]);
        assert_eq!((s.malformed, s.flows_created), (3, 0));
    }
    // The same packet behind each link type that carries raw IP.
    for (link, head) in [
        (LinkType::RawIp, vec![]),
        (LinkType::Null, vec![0x1e, 0, 0, 0]),
        (LinkType::Ppp, vec![0xff, 0x03, 0x00, 0x57]),
    ] {
        let frame = [head, bug.clone()].concat();
        for (verdicts, s) in run(&[&frame], |e, p, now| e.process(link, p, now)) {
            assert_eq!(verdicts, [Verdict::Drop], "{link:?}");
            assert_eq!(s.malformed, 1, "{link:?}");
        }
    }
}

/// Issue 10.1's siblings (`ip_auth_header_slice.rs:80`, `ipv6_fragment_header_slice.rs:41`):
/// an Authentication header and a Fragment header cut short after a Hop-by-Hop header, with a
/// payload length of 0 (the captured length counts).
#[test]
fn ipv6_authentication_and_fragment_headers_cut_short_are_malformed() {
    let fixed =
        "6000000000000040 20010db8000000000000000000000001 20010db8000000000000000000000002";
    for tail in [
        "3300000000000000 1104000000000001 0203", // HBH → AH of 24 bytes, 10 there
        "2c00000000000000 1100000000",            // HBH → Fragment header, 5 of its 8 bytes
    ] {
        let p = hex(&format!("{fixed}{tail}"));
        for (verdicts, s) in run(&[&p], |e, p, now| e.process_ip(p, now)) {
            assert_eq!(verdicts, [Verdict::Drop], "{tail}");
            assert_eq!((s.malformed, s.flows_created), (1, 0), "{tail}");
        }
    }
}

/// Found by the `signatures` target: a comment holding multi-byte characters after a statement
/// (`u8@2!=0#` then three bytes that are not UTF-8) made the loader slice a line inside a
/// character and panic (issue 9.1's `hold # ééééé`). It must be a syntax error at file:line:col.
#[test]
fn signature_comment_with_multibyte_characters_after_a_statement_is_an_error_not_a_panic() {
    let bytes = hex("75384032213d3023dff9ba");
    let text = String::from_utf8_lossy(&bytes);
    let errors = match SignatureSet::from_sources(&[("fuzz.sig", &text)]) {
        Ok(_) => panic!("a test outside a rule loaded"),
        Err(e) => e,
    };
    let first = errors.first().expect("one error at least").to_string();
    assert!(first.starts_with("fuzz.sig:1:"), "{first}");
}

/// Found by the `capture` target: `classify --threads 2` sharded a capture's packets by their
/// outer addresses, so the two directions of a flow inside GTP-U tunnels whose endpoints differ
/// each way landed in different shards and were reported as two flows. (Threads now classify
/// whole captures side by side.) The inner DTLS flow must be one record, both directions, for
/// any thread count.
#[test]
fn flow_inside_gtp_tunnels_with_other_endpoints_each_way_is_one_flow_for_any_thread_count() {
    let capture = hex(&[
        "0a0d0d0a900000004d3c2b1a01000000ffffffffffffffff030018004c696e757820352e31352e30",
        "2d3130372d67656e6572696304004e004d65726765636170202857697265736861726b2920342e32",
        "2e3420284769742076342e322e34207061636b61010000000000025c2e322e342d317e7562756e74",
        "7532302e30342e307e70706131290000000000009000000001000000140000000100000000000400",
        "1400000001000000400000000100000000000400020002006c6f000009000100090000000c001300",
        "4c696e757820362e382e392d61726368312d3100000000004000000006000000e800000000000000",
        "4c7d050084bbf7bcc5000000c500000058b10f0f87f084b5416d98680800450000b716d040004011",
        "8711c0a80dcbc0a80d399f23dcc300a33b8b16feff0000000000000000008e010000820000000000",
        "000082fefdceb06d2a04cb2a1517c2e266ed6db6936e6e7a5772aacdd0e2dbd068ce26737e000000",
        "18c02bc02fcca9cca8c009c013c00ac014009c002f0035000a01000040ff01000100000000000023",
        "0000000d00140012040308040401050308050501080606010201000e00050002000100000b000201",
        "00000a00080006001d00170018000000e800000006000000e8000000000000004c7d050084bbf7bc",
        "c5000000c500000058b10f0f87f084b5400098680800450000b716d0400040118711c0a80dcbc0a8",
        "0d399f23dcc300a33b8b16feff0000000000000000008e010000820000000000000082fefdceb06d",
        "2a04cb2a1517c2e266ed6db6936e6e7a5772aacdd0e2dbd068ce26737e00000018c02bc02fcca9cc",
        "a8c009c013c00ac014009c002f0035000a01000040ff010001000017000000230000000d00140012",
        "040308040401050308050501080606010201000e00050002000100000b00020100000a0008000600",
        "1d00170018000000e8000000060000003c01000000000000b1120600a1b793651a0100001a010000",
        "0000000000000001020000fa81006cab8100600a080045680104880200004011d9b00a7408390aee",
        "fa330868086800f014b830ff00e00e2c1dc7450000e09b6e4000401102620abfe30d9df01080d392",
        "0d9600cc9d2516feff000000000000000000b7010068003b162230ff002b01000000000000369b7b",
        "40004011030a0abfe30d9df01080d3920d9600175f5915feff00000000000000020002020a000000",
        "88000000140039c009c0130033009c0035002f00ff01000061000b000403000102000a000c000a00",
        "1d0017001e0019001800230000000e000500020001000016000000170000000d0030002e04030503",
        "0603080708080809080a080b0804080508060401050106010b0d0d0a030102010302020204020502",
        "060200003c010000060000003c01000000000000b1120600638996651a0100001a01000000000000",
        "00000001020000fa81000cab8100000a080045680104607600003b11063d0aeefa360a7408390868",
        "086800f0000030ff00e07eaa0c89451c00e012344000391192809df010800abfe30d0d96d39200cc",
        "9c2516feffe80000000000000100b7010000ab00000000000000abfefdd35f80d7ff64f0f9f479a6",
        "b08d3e5a93e8cc7667be97536a53bb4a1b7efd919b00000020cca9cca8ccaac02bc02f009ec00ac0",
        "140039c009c0130033009c0035002f00ff01000061000b000403000102000a000c000a001d001700",
        "1e001e001800230000000e000500020001000016000000170000000d0030002e0403050306030807",
        "08080809080a080b0804080508060401050106010303020303010201030202020402050206020000",
        "3c010000060000008865000000000000020002020a00000088000000",
    ]
    .concat());
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<_> = ["a.pcapng", "b.pcapng"]
        .iter()
        .map(|n| {
            let p = dir.path().join(n);
            std::fs::write(&p, &capture).expect("write the capture");
            p
        })
        .collect();
    let run = |threads: &str, n: usize| {
        let out = Command::new(env!("CARGO_BIN_EXE_nfdpi"))
            .args(["classify", "--format", "jsonl", "--threads", threads])
            .args(&paths[..n])
            .env_remove("NFDPI_SIGNATURES")
            .output()
            .expect("run nfdpi");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    // One capture (the case that was sharded), then two side by side.
    for n in [1, 2] {
        let one = run("1", n);
        assert_eq!(
            one,
            run("2", n),
            "{n} captures: --threads 2 differs from --threads 1"
        );
        let inner: Vec<&str> = one
            .lines()
            .filter(|l| l.contains("\"10.191.227.13:54162\""))
            .collect();
        assert_eq!(inner.len(), n, "one record per capture: {inner:?}");
        assert!(
            inner.iter().all(|l| l.contains("\"packets\":2,")),
            "{inner:?}"
        );
    }
}
