#!/bin/sh
# Capture real SIP traffic over UDP between two network namespaces this script creates, with
# Net::SIP (Debian's libnet-sip-perl): a UAS namespace runs a registrar (port 5060) and a callee
# (port 5062) that answers every call and echoes its RTP; the UAC namespace REGISTERs, sends an
# OPTIONS to the callee, places an INVITE with 1 s of PCMU RTP, and hangs up with BYE; the same
# again over IPv6. Then a second implementation: two baresip user agents (ports 5070 and 5072),
# one auto-answering, call each other for about 1.5 s of PCMU RTP/RTCP and hang up with BYE.
# Writes pcaps/sip-netsip.pcap.
# Needs root, iproute2, tcpdump, python3, libnet-sip-perl and baresip-core
# (apt-get install libnet-sip-perl baresip-core tcpdump).
set -eu
out=${1:-$(dirname "$0")/sip-netsip.pcap}
a=nfdpi-sig-voip-uac b=nfdpi-sig-voip-uas
dir=$(mktemp -d)
cleanup() {
    for f in uas4 uas6 bob tcpdump; do
        [ -f "$dir/$f.pid" ] && kill "$(cat "$dir/$f.pid")" 2>/dev/null || true
    done
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add sipvoip-c type veth peer name sipvoip-s
ip link set sipvoip-c netns $a
ip link set sipvoip-s netns $b
ip -n $a addr add 10.97.0.1/24 dev sipvoip-c
ip -n $b addr add 10.97.0.2/24 dev sipvoip-s
ip -n $a addr add fd97::1/64 dev sipvoip-c nodad
ip -n $b addr add fd97::2/64 dev sipvoip-s nodad
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sipvoip-c up
ip -n $b link set sipvoip-s up

cat > "$dir/uas.pl" <<'PERL'
# A registrar on :5060 and a callee on :5062 that answers every call and echoes its RTP.
use strict; use warnings; use Net::SIP;
my ($ip) = @ARGV;
my $host = $ip =~ /:/ ? "[$ip]" : $ip;
my $loop = Net::SIP::Dispatcher::Eventloop->new;
my $reg = Net::SIP::Simple->new(leg => "$host:5060", loop => $loop);
$reg->create_chain([ $reg->create_registrar ]);
my $callee = Net::SIP::Simple->new(from => "sip:bob\@$host:5062", leg => "$host:5062",
    loop => $loop);
$callee->listen(init_media => $callee->rtp('media_recv_echo'));
$callee->loop;
PERL
cat > "$dir/uac.pl" <<'PERL'
# REGISTER, OPTIONS to the callee, INVITE with 1 s of PCMU RTP (50 packets of 160 bytes), BYE.
use strict; use warnings; use Net::SIP;
my ($ip, $peer) = @ARGV;
my $me = $ip =~ /:/ ? "[$ip]" : $ip;
my $to = $peer =~ /:/ ? "[$peer]" : $peer;
my $ua = Net::SIP::Simple->new(from => "sip:alice\@$me", leg => "$me:5060",
    registrar => "$to:5060");
$ua->register(expires => 300) || die "register: " . $ua->error;
my $done;
$ua->{endpoint}->new_request('OPTIONS',
    { from => "sip:alice\@$me", to => "sip:bob\@$to:5062" }, sub { $done = 1 },
    undef, uri => "sip:bob\@$to:5062");
$ua->loop(3, \$done);
my $n = 0;
my $send = sub { return if $n++ >= 50; return chr(0xff) x 160 };
my $call = $ua->invite("sip:bob\@$to:5062",
    init_media => $ua->rtp('media_send_recv', $send, 1)) || die "invite: " . $ua->error;
$ua->loop(2);
$call->bye;
$ua->loop(1);
PERL

ip netns exec $a tcpdump -i sipvoip-c -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
ip netns exec $b perl "$dir/uas.pl" 10.97.0.2 >"$dir/uas4.log" 2>&1 &
echo $! > "$dir/uas4.pid"
ip netns exec $b perl "$dir/uas.pl" fd97::2 >"$dir/uas6.log" 2>&1 &
echo $! > "$dir/uas6.pid"
sleep 1
ip netns exec $a perl "$dir/uac.pl" 10.97.0.1 10.97.0.2
ip netns exec $a perl "$dir/uac.pl" fd97::1 fd97::2

# baresip: a caller and an auto-answering callee, the tone read from a small 8 kHz WAV file.
python3 -c "
import math, struct, wave
w = wave.open('$dir/tone.wav', 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b''.join(struct.pack('<h', int(8000 * math.sin(i / 3.0))) for i in range(24000)))
w.close()"
baresip_conf() { # dir, listen address, user, extra account parameters
    mkdir -p "$1"
    cat > "$1/config" <<CONF
poll_method epoll
sip_listen $2
sip_trans_def udp
audio_player aufile,$1/received.wav
audio_source aufile,$dir/tone.wav
audio_alert aufile,/dev/null
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module_app account.so
module_app menu.so
rtp_ports 20000-20100
CONF
    echo "<sip:$3@${2%:*}>;regint=0$4" > "$1/accounts"
    : > "$1/contacts"
}
baresip_conf "$dir/bob" 10.97.0.2:5072 bob ";answermode=auto"
baresip_conf "$dir/alice" 10.97.0.1:5070 alice ""
ip netns exec $b baresip -f "$dir/bob" -t 5 >"$dir/bob.log" 2>&1 </dev/null &
echo $! > "$dir/bob.pid"
sleep 1
ip netns exec $a baresip -f "$dir/alice" -e "/dial sip:bob@10.97.0.2:5072" -t 2 \
    >"$dir/alice.log" 2>&1 </dev/null
wait "$(cat "$dir/bob.pid")" 2>/dev/null || true
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
