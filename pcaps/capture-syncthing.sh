#!/bin/sh
# Capture Syncthing's local discovery (its "localdisco-v4" announcements) between two network
# namespaces this script creates, one Syncthing instance in each. Writes
# pcaps/syncthing-localdisco.pcap. Needs root, iproute2, tcpdump and syncthing (Debian:
# apt-get install syncthing tcpdump). Global discovery and relays are switched off, so all
# traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/syncthing-localdisco.pcap}
a=nfdpi-breadth-b-st-a b=nfdpi-breadth-b-st-b
dir=$(mktemp -d)
cleanup() {
    for p in a b tcpdump; do
        [ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
    done
    sleep 1
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add bb-st0 type veth peer name bb-st1
ip link set bb-st0 netns $a
ip link set bb-st1 netns $b
ip -n $a addr add 10.95.2.1/24 dev bb-st0
ip -n $b addr add 10.95.2.2/24 dev bb-st1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set bb-st0 up
ip -n $b link set bb-st1 up
ip -n $a route add default dev bb-st0
ip -n $b route add default dev bb-st1
sleep 2   # IPv6 link-local addresses (the announcements also go to ff12::8384)

ip netns exec $a tcpdump -i bb-st0 -U -s 0 -w "$dir/cap.pcap" udp port 21027 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

# Each instance announces its device id and addresses to 255.255.255.255:21027 and
# [ff12::8384]:21027 at start and every 30 s.
for n in a b; do
    ns=$(eval echo \$$n)
    HOME=$dir/home-$n ip netns exec "$ns" syncthing generate --home="$dir/st-$n" >/dev/null 2>&1
    sed -i 's|<globalAnnounceEnabled>true|<globalAnnounceEnabled>false|;
            s|<relaysEnabled>true|<relaysEnabled>false|;
            s|<natEnabled>true|<natEnabled>false|;
            s|<urAccepted>0|<urAccepted>-1|;
            s|<autoUpgradeIntervalH>12|<autoUpgradeIntervalH>0|' "$dir/st-$n/config.xml"
    HOME=$dir/home-$n ip netns exec "$ns" syncthing serve --home="$dir/st-$n" --no-browser \
        --gui-address=127.0.0.1:8384 >"$dir/st-$n.log" 2>&1 &
    echo $! > "$dir/$n.pid"
done
sleep 35
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
