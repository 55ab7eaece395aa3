#!/bin/sh
# Capture real MPEG transport streams over UDP between two network namespaces this script
# creates: ffmpeg encodes a generated test picture and tone and sends the TS to a unicast
# address, to a multicast group, and with 2 and 1 TS packets per datagram. Writes
# pcaps/mpegts-ffmpeg.pcap. Needs root, iproute2, tcpdump and ffmpeg (Debian: apt-get install
# ffmpeg tcpdump). All traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/mpegts-ffmpeg.pcap}
a=nfdpi-breadth-b-ts-tx b=nfdpi-breadth-b-ts-rx
dir=$(mktemp -d)
cleanup() {
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
ip link add bb-ts0 type veth peer name bb-ts1
ip link set bb-ts0 netns $a
ip link set bb-ts1 netns $b
ip -n $a addr add 10.95.1.1/24 dev bb-ts0
ip -n $b addr add 10.95.1.2/24 dev bb-ts1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set bb-ts0 up
ip -n $b link set bb-ts1 up
ip -n $a route add 224.0.0.0/4 dev bb-ts0

ip netns exec $a tcpdump -i bb-ts0 -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

# A fifth of a second of a 64x48 test picture (MPEG-2 video) and a tone (MP2 audio), sent at its
# real rate; pkt_size sets how many 188-byte TS packets go in one datagram.
send() {
    ip netns exec $a ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i testsrc=size=64x48:rate=5 -f lavfi -i sine=frequency=440 -t 0.2 \
        -c:v mpeg2video -b:v 50k -c:a mp2 -f mpegts "$1"
}
send "udp://10.95.1.2:1234?pkt_size=1316"
send "udp://239.1.1.1:5000?pkt_size=1316&ttl=1"
send "udp://10.95.1.2:1236?pkt_size=376"
send "udp://10.95.1.2:1238?pkt_size=188"
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
