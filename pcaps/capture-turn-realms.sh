#!/bin/sh
# Capture real STUN/TURN exchanges (RFC 5766/8656) whose REALM names the domain of a calling
# app, between two network namespaces this script creates, with Debian's coturn: three
# turnservers, configured with the realms google.com, facebook.com and viber.com (what those
# apps' relays send, per nDPI's STUN dissector), and coturn's turnutils_uclient, which
# allocates a relay on each (Allocate, 401 with REALM and NONCE, authenticated Allocate,
# CreatePermission, Send/Data indications) to an echo peer (turnutils_peer). The realms are this
# script's configuration: the capture shows how a real TURN server and client carry them, not
# the apps themselves. Writes pcaps/turn-realms-coturn.pcap.
# Needs root, iproute2, tcpdump and coturn (apt-get install coturn tcpdump).
set -eu
out=${1:-$(dirname "$0")/turn-realms-coturn.pcap}
a=nfdpi-sig-voip-turnc b=nfdpi-sig-voip-turns
dir=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add turnvoip-c type veth peer name turnvoip-s
ip link set turnvoip-c netns $a
ip link set turnvoip-s netns $b
ip -n $a addr add 10.95.0.1/24 dev turnvoip-c
ip -n $b addr add 10.95.0.2/24 dev turnvoip-s
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set turnvoip-c up
ip -n $b link set turnvoip-s up

ip netns exec $a tcpdump -i turnvoip-c -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
pids="$pids $!"
ip netns exec $b turnutils_peer -L 10.95.0.2 -p 3480 >"$dir/peer.log" 2>&1 &
pids="$pids $!"
port=3478
for realm in google.com facebook.com viber.com; do
    ip netns exec $b turnserver -n --listening-ip=10.95.0.2 --listening-port=$port \
        --alt-listening-port=0 --relay-ip=10.95.0.2 --min-port=49152 --max-port=49300 \
        --lt-cred-mech --user=nfdpi:nfdpi-pass --realm=$realm --no-tls --no-dtls --no-cli \
        --allow-loopback-peers --cli-password=unused --pidfile="$dir/turn$port.pid" \
        --log-file="$dir/turn$port.log" --no-stdout-log &
    pids="$pids $!"
    port=$((port + 10))
done
sleep 2
for port in 3478 3488 3498; do
    ip netns exec $a turnutils_uclient -u nfdpi -w nfdpi-pass -p $port -n 3 -l 64 -c \
        -e 10.95.0.2 -r 3480 10.95.0.2 >"$dir/client$port.log" 2>&1
done
sleep 1
for p in $pids; do kill "$p" 2>/dev/null || true; done
pids=""
sleep 1
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
