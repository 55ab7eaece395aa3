#!/bin/sh
# Capture a real IAX2 exchange (RFC 5456) between two network namespaces this script creates,
# with Debian's iaxmodem (a software modem speaking IAX2 through libiax2): in the callee
# namespace one modem answers every call (ATS0=1); in the caller namespace one modem registers
# with it (REGREQ) and dials (NEW, then mu-law voice), and a second modem only dials. Writes
# pcaps/iax2-iaxmodem.pcap.
# Needs root, iproute2, tcpdump and iaxmodem (apt-get install iaxmodem tcpdump). iaxmodem reads
# its configuration only from /etc/iaxmodem/NAME: the script writes three files named
# nfdpi-sig-voip-* there and removes them on exit.
set -eu
out=${1:-$(dirname "$0")/iax2-iaxmodem.pcap}
a=nfdpi-sig-voip-iaxcaller b=nfdpi-sig-voip-iaxcallee
dir=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -f /etc/iaxmodem/nfdpi-sig-voip-callee /etc/iaxmodem/nfdpi-sig-voip-caller1 \
        /etc/iaxmodem/nfdpi-sig-voip-caller2
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add iaxvoip-a type veth peer name iaxvoip-b
ip link set iaxvoip-a netns $a
ip link set iaxvoip-b netns $b
ip -n $a addr add 10.96.0.1/24 dev iaxvoip-a
ip -n $b addr add 10.96.0.2/24 dev iaxvoip-b
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set iaxvoip-a up
ip -n $b link set iaxvoip-b up

mkdir -p /etc/iaxmodem
modem() { # name, tty, local port, registration refresh (0: none), server
    cat > "/etc/iaxmodem/$1" <<CONF
device $dir/$2
owner root:root
mode 660
port $3
refresh $4
server $5
peername $2
secret nfdpi-$2
cidname nfdpi $2
cidnumber 100$3
codec ulaw
CONF
}
modem nfdpi-sig-voip-callee callee 4569 0 10.96.0.1
modem nfdpi-sig-voip-caller1 caller1 4570 60 10.96.0.2
modem nfdpi-sig-voip-caller2 caller2 4571 0 10.96.0.2

ip netns exec $a tcpdump -i iaxvoip-a -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
pids="$pids $!"
ip netns exec $b iaxmodem nfdpi-sig-voip-callee >"$dir/callee.log" 2>&1 &
pids="$pids $!"
sleep 1
ip netns exec $a iaxmodem nfdpi-sig-voip-caller1 >"$dir/caller1.log" 2>&1 &
caller1=$!
pids="$pids $caller1"
ip netns exec $a iaxmodem nfdpi-sig-voip-caller2 >"$dir/caller2.log" 2>&1 &
pids="$pids $!"
sleep 2
# The callee answers on the first ring (ATS0=1). The first caller, registered, dials and stays
# on line for about 1.5 s of voice, then its modem stops; the second caller dials while the
# callee still holds that call and is turned away (NEW, REJECT).
( printf 'ATS0=1\r'; sleep 8 ) > "$dir/callee" &
( printf 'ATDT2000\r'; sleep 4 ) > "$dir/caller1" &
sleep 2.5
kill "$caller1"
sleep 1
( printf 'ATDT2000\r'; sleep 2 ) > "$dir/caller2" &
sleep 3
for p in $pids; do kill "$p" 2>/dev/null || true; done
pids=""
sleep 1
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
