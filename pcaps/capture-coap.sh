#!/bin/sh
# Capture real CoAP (RFC 7252) traffic between two network namespaces this script creates:
# libcoap's coap-server as the server, its coap-client as the client. Writes
# pcaps/coap-libcoap.pcap. Needs root, iproute2, tcpdump and libcoap3-bin (Debian: apt-get
# install libcoap3-bin tcpdump). All traffic stays on the veth pair between the two namespaces;
# both are removed on exit.
set -eu
out=${1:-$(dirname "$0")/coap-libcoap.pcap}
a=nfdpi-sig-iot-coap-c b=nfdpi-sig-iot-coap-s
dir=$(mktemp -d)
cleanup() {
    [ -f "$dir/server.pid" ] && kill "$(cat "$dir/server.pid")" 2>/dev/null || true
    [ -f "$dir/tcpdump.pid" ] && kill "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add sgiot-coap0 type veth peer name sgiot-coap1
ip link set sgiot-coap0 netns $a
ip link set sgiot-coap1 netns $b
ip -n $a addr add 10.98.3.1/24 dev sgiot-coap0
ip -n $b addr add 10.98.3.2/24 dev sgiot-coap1
ip -n $a addr add fd98:3::1/64 dev sgiot-coap0 nodad
ip -n $b addr add fd98:3::2/64 dev sgiot-coap1 nodad
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sgiot-coap0 up
ip -n $b link set sgiot-coap1 up

ip netns exec $b coap-server-notls -d 4 >"$dir/server.log" 2>&1 &
echo $! > "$dir/server.pid"
ip netns exec $a tcpdump -i sgiot-coap0 -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

c="ip netns exec $a coap-client-notls -B 5"
s=coap://10.98.3.2
# Confirmable requests (CON, answered by piggybacked ACKs): discovery, a GET, a PUT and a
# DELETE on the server's dynamic resources, a POST.
$c $s/.well-known/core >/dev/null
$c $s/time >/dev/null
$c -m put -e "nfdpi test value" $s/example_data >/dev/null
$c -m post -e "created by nfdpi" $s/nfdpi >/dev/null
$c -m delete $s/example_data >/dev/null
# A non-confirmable GET (NON request, NON response).
$c -N $s/time >/dev/null
# Block-wise transfer (RFC 7959): discovery in 16-byte blocks.
$c -b 16 $s/.well-known/core >/dev/null
# Observe (RFC 7641): the server notifies /time every second for 4 seconds.
$c -s 4 $s/time >/dev/null
# The same over IPv6.
$c "coap://[fd98:3::2]/time" >/dev/null
# A request to a port where no server listens: the client retransmits its CON alone.
$c -B 3 coap://10.98.3.2:5699/time >/dev/null || true
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
