//! The shipped signatures on real captures: for each shipped protocol, the built binary
//! classifies a named flow of a shared nDPI capture as nDPI does; regression flows that once
//! were (or easily would be) mislabelled stay correct. Captures are read from
//! `../shared/pcaps/ndpi/` next to the crate; a test whose capture is absent says so and passes.

use std::path::PathBuf;
use std::process::Command;

fn capture(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/pcaps/ndpi")
        .join(name);
    if p.is_file() {
        Some(p)
    } else {
        println!("skipped: {} is absent", p.display());
        None
    }
}

fn nfdpi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nfdpi"));
    c.env_remove("NFDPI_SIGNATURES");
    c
}

/// Classify `pcap` with the shipped signatures; the protocol of the flow between `a` and `b`
/// (either order).
fn protocol_of(pcap: &str, transport: &str, a: &str, b: &str) -> Option<String> {
    let path = capture(pcap)?;
    Some(protocol_in(&path, transport, a, b))
}

/// The protocol of the flow between `a` and `b` in the capture at `path`.
fn protocol_in(path: &std::path::Path, transport: &str, a: &str, b: &str) -> String {
    let pcap = path.display();
    let out = nfdpi()
        .args(["classify", "--format", "jsonl", "--signatures"])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures"))
        .arg(path)
        .output()
        .expect("run nfdpi");
    assert!(
        out.status.success(),
        "nfdpi failed on {pcap}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(src), Some(dst)) = (v["src"].as_str(), v["dst"].as_str()) else {
            continue;
        };
        if v["transport"] == transport && ((src == a && dst == b) || (src == b && dst == a)) {
            return v["protocol"].as_str().unwrap_or("").to_string();
        }
    }
    panic!("{pcap}: no {transport} flow {a} <-> {b} in the report");
}

/// The same on a capture the project made itself, under `pcaps/` (always present).
macro_rules! own_flow {
    ($name:ident, $pcap:expr, $t:expr, $a:expr, $b:expr, $proto:expr) => {
        #[test]
        fn $name() {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("pcaps")
                .join($pcap);
            let got = protocol_in(&path, $t, $a, $b);
            assert_eq!(got, $proto, "{} {} {} <-> {}", $pcap, $t, $a, $b);
        }
    };
}

macro_rules! flow {
    ($name:ident, $pcap:expr, $t:expr, $a:expr, $b:expr, $proto:expr) => {
        #[test]
        fn $name() {
            if let Some(got) = protocol_of($pcap, $t, $a, $b) {
                assert_eq!(got, $proto, "{} {} {} <-> {}", $pcap, $t, $a, $b);
            }
        }
    };
}

// Skype and Teams.
flow!(
    teams_stun_with_ms_attributes_to_relay,
    "teams.pcap",
    "udp",
    "192.168.1.6:50016",
    "52.114.250.123:3478",
    "Skype_TeamsCall"
);
flow!(
    teams_p2p_stun_with_ms_attributes,
    "teams.pcap",
    "udp",
    "192.168.1.6:50016",
    "192.168.0.4:50005",
    "Skype_TeamsCall"
);
flow!(
    teams_relay_range_without_stun,
    "teams.pcap",
    "udp",
    "192.168.1.6:51681",
    "52.114.77.136:3478",
    "Skype_TeamsCall"
);
flow!(
    skype_conference_call_candidate_identifier,
    "skype-conference-call.pcap",
    "udp",
    "192.168.2.20:49282",
    "104.46.40.49:60642",
    "Skype_TeamsCall"
);
flow!(
    classic_skype_rule_a,
    "skype.pcap",
    "udp",
    "192.168.1.34:13021",
    "64.4.23.166:40022",
    "Skype_TeamsCall"
);
// nDPI names it Skype_Teams.Skype_TeamsCall: rule B (repeat) holds Skype_Teams from packet 2,
// rule A (more specific) holds Skype_TeamsCall from packet 4 and outranks it.
flow!(
    classic_skype_udp_held_rule_a_outranks_rule_b,
    "skype_udp.pcap",
    "udp",
    "192.168.1.2:35990",
    "24.224.190.149:39262",
    "Skype_TeamsCall"
);
// Regressions: not Skype.
flow!(
    dnscrypt_is_not_classic_skype,
    "dnscrypt_skype_false_positive.pcapng",
    "udp",
    "192.168.2.100:46858",
    "212.47.228.136:443",
    "DNScrypt"
);
flow!(
    capwap_is_not_classic_skype,
    "capwap.pcap",
    "udp",
    "192.168.10.10:12380",
    "192.168.10.9:5246",
    "CAPWAP"
);
flow!(
    genshin_is_not_classic_skype,
    "genshin-impact.pcap",
    "udp",
    "192.168.2.100:59145",
    "47.254.169.109:22102",
    "GenshinImpact"
);
flow!(
    nfs_is_not_openvpn,
    "nfsv3.pcap",
    "udp",
    "139.25.22.2:3298",
    "139.25.22.102:2049",
    "Unknown"
);
flow!(
    bfd_is_not_openvpn,
    "bfd.pcap",
    "udp",
    "155.1.13.1:49152",
    "155.1.13.3:3784",
    "BFD"
);
flow!(
    dnscrypt_on_443_is_not_quic,
    "dnscrypt-v1-and-resolver-pings.pcap",
    "udp",
    "10.0.0.1:58113",
    "93.95.226.165:443",
    "DNScrypt"
);

// STUN, DTLS, RTP/RTCP, QUIC.
flow!(
    stun_binding,
    "adult_content.pcap",
    "udp",
    "192.168.1.199:42759",
    "31.220.27.69:80",
    "STUN"
);
flow!(
    stun_signal,
    "stun_signal.pcapng",
    "udp",
    "192.168.12.169:39518",
    "172.253.121.127:19302",
    "STUN"
);
flow!(
    dtls_anyconnect,
    "anyconnect-vpn.pcap",
    "udp",
    "10.0.0.227:54107",
    "8.37.102.91:443",
    "DTLS"
);
flow!(
    dtls_1_2,
    "dtls.pcap",
    "udp",
    "192.168.13.203:40739",
    "192.168.13.57:56515",
    "DTLS"
);
flow!(
    rtp_kakaotalk,
    "KakaoTalk_talk.pcap",
    "udp",
    "10.24.82.188:11320",
    "1.201.1.174:23044",
    "RTP"
);
flow!(
    rtcp_kakaotalk,
    "KakaoTalk_talk.pcap",
    "udp",
    "10.24.82.188:11321",
    "1.201.1.174:23045",
    "RTCP"
);
flow!(
    quic_draft_24,
    "quic-24.pcap",
    "udp",
    "10.9.0.1:41436",
    "10.9.0.2:443",
    "QUIC"
);
flow!(
    quic_gquic_q024,
    "quic.pcap",
    "udp",
    "192.168.1.109:57833",
    "216.58.212.101:443",
    "QUIC"
);

// DNS family and LAN services.
flow!(
    dns_query,
    "KakaoTalk_talk.pcap",
    "udp",
    "10.24.82.188:25223",
    "10.188.1.1:53",
    "DNS"
);
flow!(
    mdns,
    "anyconnect-vpn.pcap",
    "udp",
    "10.0.0.213:5353",
    "224.0.0.251:5353",
    "MDNS"
);
flow!(
    llmnr,
    "gnutella.pcap",
    "udp",
    "[fe80::c50d:519f:96a4:e108]:63717",
    "[ff02::1:3]:5355",
    "LLMNR"
);
flow!(
    ntp_v4,
    "NTPv4.pcap",
    "udp",
    "85.22.62.120:123",
    "78.46.76.11:123",
    "NTP"
);
flow!(
    dhcp,
    "gnutella.pcap",
    "udp",
    "0.0.0.0:68",
    "255.255.255.255:67",
    "DHCP"
);
flow!(
    dhcpv6,
    "gnutella.pcap",
    "udp",
    "[fe80::c50d:519f:96a4:e108]:546",
    "[ff02::1:2]:547",
    "DHCPV6"
);
flow!(
    ssdp_m_search,
    "anyconnect-vpn.pcap",
    "udp",
    "10.0.0.227:61328",
    "239.255.255.250:1900",
    "SSDP"
);
flow!(
    netbios_name_service,
    "anyconnect-vpn.pcap",
    "udp",
    "10.0.0.227:137",
    "10.0.0.255:137",
    "NetBIOS"
);
flow!(
    syslog,
    "syslog.pcap",
    "udp",
    "95.136.242.54:514",
    "93.20.126.110:514",
    "Syslog"
);
flow!(
    capwap_control,
    "capwap.pcap",
    "udp",
    "192.168.10.9:5246",
    "192.168.10.10:12379",
    "CAPWAP"
);

// VPNs.
flow!(
    wireguard_tunnelbear,
    "tunnelbear.pcap",
    "udp",
    "10.0.2.15:57636",
    "142.93.78.79:51820",
    "WireGuard"
);
flow!(
    openvpn_udp,
    "openvpn.pcap",
    "udp",
    "192.168.75.18:60201",
    "166.161.181.18:443",
    "OpenVPN"
);
flow!(
    openvpn_udp_server_side,
    "openvpn.pcap",
    "udp",
    "69.197.143.179:443",
    "10.0.2.15:60201",
    "OpenVPN"
);
flow!(
    openvpn_tcp,
    "443-opvn.pcap",
    "tcp",
    "192.168.1.84:52973",
    "192.12.192.103:1194",
    "OpenVPN"
);
// tinc's meta connection: both peers' ID lines ("0 NAME 17\n"). The capture's UDP tinc flows
// (55655, 55656) stay Unknown here: nDPI names them only from the TCP connection's peers.
flow!(
    tinc_tcp_meta,
    "tinc.pcap",
    "tcp",
    "131.114.168.27:59244",
    "185.83.218.112:55655",
    "TINC"
);
flow!(
    tinc_tcp_meta_second,
    "tinc.pcap",
    "tcp",
    "131.114.168.27:49290",
    "185.83.218.112:55656",
    "TINC"
);
// Agora SD-RTN: the client's edge request opens the flow; the unidirectional one is named by
// the request alone.
flow!(
    sd_rtn_edge,
    "agora-sd-rtn.pcap",
    "udp",
    "192.168.2.100:55322",
    "104.166.161.75:8130",
    "SD-RTN"
);
flow!(
    sd_rtn_unanswered,
    "agora-sd-rtn.pcap",
    "udp",
    "192.168.2.100:47805",
    "199.190.44.135:8130",
    "SD-RTN"
);
flow!(
    ipsec_ike,
    "ah.pcapng",
    "udp",
    "10.2.3.2:500",
    "10.3.4.4:500",
    "IPSec"
);

// Others the captures show in numbers.
flow!(
    gnutella_gnd,
    "gnutella.pcap",
    "udp",
    "10.0.2.15:28681",
    "85.138.20.110:6346",
    "Gnutella"
);
flow!(
    dnscrypt_certificate_query,
    "dnscrypt-v1-and-resolver-pings.pcap",
    "udp",
    "10.0.0.1:38388",
    "149.56.228.45:443",
    "DNScrypt"
);
flow!(
    discord_ip_discovery,
    "discord.pcap",
    "udp",
    "192.168.2.100:57955",
    "66.22.196.173:50004",
    "Discord"
);
flow!(
    genshin_handshake,
    "genshin-impact.pcap",
    "udp",
    "192.168.2.100:58766",
    "47.245.143.85:22101",
    "GenshinImpact"
);

#[test]
fn check_signatures_prints_a_summary() {
    let out = nfdpi()
        .arg("check-signatures")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.starts_with("ok: ") && s.contains("protocols") && s.contains("examples passed"),
        "{s}"
    );
}

#[test]
fn check_signatures_refuses_a_broken_set_with_every_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.sig"),
        "protocol P id 1 category C\n  rule r\n    transport sctp\n    len =! 3\n",
    )
    .unwrap();
    let out = nfdpi()
        .arg("check-signatures")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("a.sig:3:15: expected `udp` or `tcp`, found `sctp`"),
        "{e}"
    );
    assert!(e.contains("a.sig:4:9: expected a comparison"), "{e}");
    assert!(e.contains("    transport sctp\n") && e.contains("^"), "{e}");
    // classify refuses it too, with the same messages.
    let out = nfdpi()
        .args(["classify", "--signatures"])
        .arg(dir.path())
        .arg("-")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a.sig:3:15"));
}

#[test]
fn check_signatures_refuses_an_empty_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = nfdpi()
        .arg("check-signatures")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no signatures found"));
}

// Protocols added with little-endian fields and the second batch.
flow!(
    gnutella_message_over_udp,
    "gnutella.pcap",
    "udp",
    "10.0.2.15:28681",
    "80.61.221.246:30577",
    "Gnutella"
);
flow!(
    bittorrent_local_service_discovery,
    "bt_search.pcap",
    "udp",
    "192.168.0.102:6771",
    "239.192.152.143:6771",
    "BitTorrent"
);
flow!(
    bittorrent_dht,
    "bittorrent_utp.pcap",
    "udp",
    "82.243.113.43:64969",
    "192.168.1.5:40959",
    "BitTorrent"
);
flow!(
    collectd,
    "collectd.pcap",
    "udp",
    "127.0.0.1:36576",
    "127.0.0.1:25826",
    "collectd"
);
flow!(
    dropbox_lan_sync,
    "dropbox.pcap",
    "udp",
    "192.168.1.105:17500",
    "255.255.255.255:17500",
    "Dropbox"
);
flow!(
    hsrp_v2,
    "hsrp2.pcap",
    "udp",
    "10.52.220.125:1985",
    "224.0.0.102:1985",
    "HSRP"
);
flow!(
    kerberos_udp,
    "kerberos-login.pcap",
    "udp",
    "10.1.12.2:1061",
    "10.5.3.1:88",
    "Kerberos"
);
flow!(
    kerberos_tcp,
    "kerberos-login.pcap",
    "tcp",
    "192.168.10.12:44256",
    "192.168.10.3:88",
    "Kerberos"
);
flow!(
    mgcp,
    "mgcp.pcap",
    "udp",
    "172.16.1.116:2427",
    "172.16.1.119:2427",
    "MGCP"
);
flow!(
    nat_pmp,
    "iphone.pcap",
    "udp",
    "192.168.2.1:5351",
    "224.0.0.1:5350",
    "NAT-PMP"
);
flow!(
    ptp_v2,
    "ptpv2.pcap",
    "udp",
    "[fe80::20:9400:d]:320",
    "[fe80::2b0:aeff:fe01:f921]:320",
    "PTPv2"
);
flow!(
    raknet,
    "raknet.pcap",
    "udp",
    "192.168.2.100:44501",
    "148.153.35.205:60030",
    "RakNet"
);
flow!(
    spotify,
    "iphone.pcap",
    "udp",
    "192.168.2.1:57621",
    "192.168.2.255:57621",
    "Spotify"
);
flow!(
    telegram_by_network,
    "telegram.pcap",
    "udp",
    "192.168.1.77:23174",
    "91.108.8.7:521",
    "Telegram"
);
flow!(
    telegram_relay_stun_stays_stun,
    "telegram_videocall.pcapng",
    "udp",
    "192.168.12.169:40906",
    "91.108.9.35:1400",
    "STUN"
);
flow!(
    teredo,
    "teredo.pcap",
    "udp",
    "10.112.16.67:51812",
    "194.136.28.76:3544",
    "Teredo"
);
flow!(
    tplink_shp,
    "tplink_shp.pcap",
    "udp",
    "192.168.242.41:9999",
    "255.255.255.255:9999",
    "TPLINK_SHP"
);
flow!(
    tuya_lp,
    "tuya_lp.pcap",
    "udp",
    "192.168.242.181:49154",
    "255.255.255.255:6667",
    "TuyaLP"
);
flow!(
    wsd,
    "gnutella.pcap",
    "udp",
    "[fe80::c50d:519f:96a4:e108]:63958",
    "[ff02::c]:3702",
    "WSD"
);
flow!(
    ssdp_answer_from_a_device_port,
    "anyconnect-vpn.pcap",
    "udp",
    "10.0.0.151:1900",
    "10.0.0.227:61328",
    "SSDP"
);
flow!(
    whatsapp_call_stun_attributes,
    "wa_video.pcap",
    "udp",
    "192.168.2.12:53688",
    "31.13.86.48:3478",
    "WhatsAppCall"
);
// A plain STUN Binding first, the application's REALM in a later TURN answer: held STUN yields.
flow!(
    signal_voip_by_turn_realm,
    "stun_signal.pcapng",
    "udp",
    "192.168.12.169:47204",
    "35.158.183.167:3478",
    "SignalVoip"
);
flow!(
    telegram_voip_by_turn_realm,
    "telegram_videocall.pcapng",
    "udp",
    "192.168.12.169:40643",
    "91.108.9.35:1400",
    "TelegramVoip"
);
flow!(
    zoom_stun_attribute,
    "zoom.pcap",
    "udp",
    "192.168.1.117:23903",
    "162.255.37.14:3478",
    "Zoom"
);
flow!(
    oicq,
    "oicq.pcap",
    "udp",
    "90.147.69.210:65276",
    "58.60.10.45:8000",
    "OICQ"
);
flow!(
    ripe_atlas,
    "ripe_atlas.pcap",
    "udp",
    "9.160.203.32:41059",
    "68.90.0.255:38409",
    "RipeAtlas"
);

// SNMP: no shared capture holds any, so pcaps/capture-snmp.sh captured net-snmp's agent and
// tools between two namespaces: a v1 get, a v3 (authPriv) get, an IPv6 get, a v2c trap.
own_flow!(
    snmp_v1_get,
    "snmp-netsnmp.pcap",
    "udp",
    "10.99.0.1:54565",
    "10.99.0.2:161",
    "SNMP"
);
own_flow!(
    snmp_v3_encrypted,
    "snmp-netsnmp.pcap",
    "udp",
    "10.99.0.1:54108",
    "10.99.0.2:161",
    "SNMP"
);
own_flow!(
    snmp_over_ipv6,
    "snmp-netsnmp.pcap",
    "udp",
    "[fd99::1]:60525",
    "[fd99::2]:161",
    "SNMP"
);
own_flow!(
    snmp_v2c_trap,
    "snmp-netsnmp.pcap",
    "udp",
    "10.99.0.2:35991",
    "10.99.0.1:162",
    "SNMP"
);

/// Every protocol the shipped set can name has a test above on a real capture: its name is the
/// expected protocol (the last argument) of a `flow!` or `own_flow!` in this file.
#[test]
fn every_shipped_protocol_is_tested_on_a_real_capture() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures");
    let set = nfdpi::signature::SignatureSet::load(&[dir]).expect("shipped set loads");
    let source = include_str!("signatures.rs");
    // A protocol whose rule is always outranked on the shared captures is tested alone.
    let alone = [("Skype_Teams", "fn skype_classic_repeat_alone()")];
    let missing: Vec<&str> = set
        .protocol_names()
        .filter(|name| {
            let tested_alone = alone
                .iter()
                .any(|(n, test)| n == name && source.contains(test));
            !tested_alone && !source.contains(&format!("\n    \"{name}\"\n);"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "shipped protocols without a capture test: {missing:?}"
    );
}

/// Skype_Teams (classic P2P rule B, `classic-repeat`) is always outranked by Skype_TeamsCall on
/// the shared captures, as nDPI names them. Loaded alone, the shipped block names the P2P flow.
#[test]
fn skype_classic_repeat_alone() {
    let Some(path) = capture("skype_udp.pcap") else {
        return;
    };
    let shipped = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("signatures/skype_teams.sig"),
    )
    .unwrap();
    let block = &shipped[shipped
        .find("protocol Skype_Teams ")
        .expect("Skype_Teams block")..];
    let dir = std::env::temp_dir().join(format!("nfdpi-skype-alone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("skype_classic.sig"), block).unwrap();
    let out = nfdpi()
        .args(["classify", "--format", "jsonl", "--signatures"])
        .arg(&dir)
        .arg(&path)
        .output()
        .expect("run nfdpi");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    let flow = report
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| {
            let (s, d) = (v["src"].as_str(), v["dst"].as_str());
            s == Some("192.168.1.2:35990") && d == Some("24.224.190.149:39262")
                || s == Some("24.224.190.149:39262") && d == Some("192.168.1.2:35990")
        })
        .expect("the P2P flow is in the report");
    assert_eq!(flow["protocol"], "Skype_Teams", "{flow}");
    assert!(
        flow["signature"]
            .as_str()
            .is_some_and(|s| s.starts_with("skype_classic.sig:")),
        "{flow}"
    );
}
