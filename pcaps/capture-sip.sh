#!/bin/sh
# Capture real SIP traffic over UDP between two network namespaces this script creates, with
# Net::SIP (Debian's libnet-sip-perl): a UAS namespace runs a registrar (port 5060) and a callee
# (port 5062) that answers every call and echoes its RTP; the UAC namespace REGISTERs, sends an
# OPTIONS to the callee, places an INVITE with 1 s of PCMU RTP, and hangs up with BYE; the same
# again over IPv6. Writes pcaps/sip-netsip.pcap.
# Needs root, iproute2, tcpdump and libnet-sip-perl (apt-get install libnet-sip-perl tcpdump).
set -eu
out=${1:-$(dirname "$0")/sip-netsip.pcap}
a=nfdpi-sig-voip-uac b=nfdpi-sig-voip-uas
dir=$(mktemp -d)
cleanup() {
    for f in uas4 uas6 tcpdump; do
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
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
