#!/bin/sh
# Capture real RTPS (OMG DDSI-RTPS, the wire protocol of DDS) traffic between two network
# namespaces this script creates, made by Eclipse Cyclone DDS's ddsperf: a publisher in one, a
# subscriber in the other, with participant discovery on multicast and data on unicast. Writes
# pcaps/rtps-cyclonedds.pcap. Needs root, iproute2, tcpdump and cyclonedds-tools (Debian:
# apt-get install cyclonedds-tools tcpdump). All traffic stays on the veth pair; both
# namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/rtps-cyclonedds.pcap}
a=nfdpi-sig-iot-dds-p b=nfdpi-sig-iot-dds-s
dir=$(mktemp -d)
cleanup() {
    for p in sub tcpdump; do
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
ip link add sgiot-dds0 type veth peer name sgiot-dds1
ip link set sgiot-dds0 netns $a
ip link set sgiot-dds1 netns $b
ip -n $a addr add 10.98.6.1/24 dev sgiot-dds0
ip -n $b addr add 10.98.6.2/24 dev sgiot-dds1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sgiot-dds0 up
ip -n $b link set sgiot-dds1 up
ip -n $a route add 224.0.0.0/4 dev sgiot-dds0
ip -n $b route add 224.0.0.0/4 dev sgiot-dds1

ip netns exec $a tcpdump -i sgiot-dds0 -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

cfg() { echo "<General><Interfaces><NetworkInterface name=\"$1\"/></Interfaces></General>"; }
CYCLONEDDS_URI=$(cfg sgiot-dds1) ip netns exec $b ddsperf -D 6 sub >"$dir/sub.log" 2>&1 &
echo $! > "$dir/sub.pid"
sleep 1
# 20 samples a second of the default keyed topic, reliable.
CYCLONEDDS_URI=$(cfg sgiot-dds0) ip netns exec $a ddsperf -D 4 pub 20Hz >"$dir/pub.log" 2>&1 || true
sleep 2
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
