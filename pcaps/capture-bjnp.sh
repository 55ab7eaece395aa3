#!/bin/sh
# Capture real BJNP (Canon's printer and scanner discovery and transport) made by two real
# implementations: the CUPS backend of Debian's cups-backend-bjnp, which run without arguments
# looks for printers with BJNP discovery broadcasts to UDP 8611; and SANE's pixma backend
# (scanimage -L), which looks for scanners on 8612 (BJNP) and 8610 (MFNP). The script runs both
# in a network namespace it creates, joined by a veth pair to a second, empty one (nothing
# answers), and captures there. Writes pcaps/bjnp-cups.pcap. Needs root, iproute2, tcpdump,
# cups-backend-bjnp and sane-utils (Debian: apt-get install cups-backend-bjnp sane-utils
# libsane1 tcpdump). Both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/bjnp-cups.pcap}
a=nfdpi-sig-iot-bjnp-c b=nfdpi-sig-iot-bjnp-p
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
ip link add sgiot-bjnp0 type veth peer name sgiot-bjnp1
ip link set sgiot-bjnp0 netns $a
ip link set sgiot-bjnp1 netns $b
ip -n $a addr add 10.98.7.1/24 broadcast 10.98.7.255 dev sgiot-bjnp0
ip -n $b addr add 10.98.7.2/24 broadcast 10.98.7.255 dev sgiot-bjnp1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sgiot-bjnp0 up
ip -n $b link set sgiot-bjnp1 up

ip netns exec $a tcpdump -i sgiot-bjnp0 -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1
# Discovery mode: the backend broadcasts its requests and lists what answered (nothing).
ip netns exec $a timeout 20 /usr/lib/cups/backend/bjnp >"$dir/backend.log" 2>&1 || true
# Scanner discovery by SANE's pixma backend alone.
mkdir "$dir/sane.d"
echo pixma > "$dir/sane.d/dll.conf"
SANE_CONFIG_DIR="$dir/sane.d" ip netns exec $a timeout 30 scanimage -L >"$dir/scan.log" 2>&1 || true
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
