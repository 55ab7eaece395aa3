#!/bin/sh
# Capture real KNXnet/IP (ISO 22510) traffic between two network namespaces this script creates,
# made by knxd: in one namespace knxd as a KNXnet/IP server (tunnelling, routing, discovery) on
# an otherwise empty bus; in the other, knxd as a tunnelling client of that server and a second
# knxd on the routing multicast group, each driven by knxtool. Writes pcaps/knxnet-ip-knxd.pcap.
# Needs root, iproute2, tcpdump, knxd and knxd-tools (Debian: apt-get install knxd knxd-tools
# tcpdump). All traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/knxnet-ip-knxd.pcap}
a=nfdpi-sig-iot-knx-c b=nfdpi-sig-iot-knx-s
dir=$(mktemp -d)
cleanup() {
    for p in server tunnel router tcpdump; do
        [ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
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
ip link add sgiot-knx0 type veth peer name sgiot-knx1
ip link set sgiot-knx0 netns $a
ip link set sgiot-knx1 netns $b
ip -n $a addr add 10.98.5.1/24 dev sgiot-knx0
ip -n $b addr add 10.98.5.2/24 dev sgiot-knx1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sgiot-knx0 up
ip -n $b link set sgiot-knx1 up
# Multicast (the routing group 224.0.23.12) leaves through the veth in both namespaces.
ip -n $a route add 224.0.0.0/4 dev sgiot-knx0
ip -n $b route add 224.0.0.0/4 dev sgiot-knx1

ip netns exec $a tcpdump -i sgiot-knx0 -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

# The server: individual address 1.1.1, tunnel clients get 1.1.10-1.1.17; no bus behind it.
ip netns exec $b knxd -e 1.1.1 -E 1.1.10:8 -D -T -R -S224.0.23.12:3671:sgiot-knx1 \
    -b dummy: >"$dir/server.log" 2>&1 &
echo $! > "$dir/server.pid"
sleep 2
# A tunnelling client of that server (CONNECT, TUNNELLING_REQUEST/ACK, CONNECTIONSTATE, ...).
ip netns exec $a knxd -e 1.2.1 -E 1.2.10:4 -u "$dir/tunnel.sock" -b ipt:10.98.5.2 \
    >"$dir/tunnel.log" 2>&1 &
echo $! > "$dir/tunnel.pid"
# A router on the multicast group (ROUTING_INDICATION).
ip netns exec $a knxd -e 1.3.1 -E 1.3.10:4 -u "$dir/router.sock" -b ip:224.0.23.12:3671:sgiot-knx0 \
    >"$dir/router.log" 2>&1 &
echo $! > "$dir/router.pid"
sleep 3
t="ip netns exec $a knxtool"
$t groupswrite "local:$dir/tunnel.sock" 1/2/3 1 || true
$t groupwrite "local:$dir/tunnel.sock" 1/2/4 0c 1a || true
$t groupswrite "local:$dir/router.sock" 1/2/5 0 || true
$t groupswrite "local:$dir/router.sock" 1/2/6 1 || true
sleep 2
# Closing the tunnel sends DISCONNECT_REQUEST.
kill "$(cat "$dir/tunnel.pid")" 2>/dev/null || true
sleep 2
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
