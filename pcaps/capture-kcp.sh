#!/bin/sh
# Capture real KCP traffic between two network namespaces this script creates: kcptun's server
# and client (Debian package kcptun) carrying a TCP echo exchange. The first tunnel runs
# without encryption and without FEC (`--crypt none --ds 0 --ps 0`), so its datagrams are plain
# KCP segments; the second uses kcptun's defaults (AES, FEC), whose datagrams look random and
# must not be named KCP. Writes pcaps/kcp-kcptun.pcap.
# Needs root, iproute2, tcpdump, python3 and kcptun (apt-get install kcptun tcpdump).
# All traffic stays on the veth pair between the two namespaces; both are removed on exit.
set -eu
out=${1:-$(dirname "$0")/kcp-kcptun.pcap}
a=nfdpi-breadth-a-kcpc b=nfdpi-breadth-a-kcps
dir=$(mktemp -d)
cleanup() {
    for p in "$dir"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add kcp-c type veth peer name kcp-s
ip link set kcp-c netns $a
ip link set kcp-s netns $b
ip -n $a addr add 10.98.0.1/24 dev kcp-c
ip -n $b addr add 10.98.0.2/24 dev kcp-s
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set kcp-c up
ip -n $b link set kcp-s up

# A TCP echo server behind the tunnels' server side.
cat > "$dir/echo.py" <<'PY'
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7000)); s.listen(8)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cat > "$dir/talk.py" <<'PY'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
for i in range(20):
    msg = (b"nfdpi kcp test line %d " % i) * (1 + i * 7)
    c.sendall(msg)
    got = b""
    while len(got) < len(msg):
        got += c.recv(65536)
    time.sleep(0.05)
c.close()
PY
ip netns exec $b python3 "$dir/echo.py" & echo $! > "$dir/echo.pid"
ip netns exec $a tcpdump -i kcp-c -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

plain="--crypt none --datashard 0 --parityshard 0 --nocomp --key nfdpi"
ip netns exec $b kcptun-server -l 10.98.0.2:4000 -t 127.0.0.1:7000 $plain \
    >"$dir/s1.log" 2>&1 & echo $! > "$dir/s1.pid"
ip netns exec $a kcptun-client -l 127.0.0.1:5000 -r 10.98.0.2:4000 $plain \
    >"$dir/c1.log" 2>&1 & echo $! > "$dir/c1.pid"
ip netns exec $b kcptun-server -l 10.98.0.2:4001 -t 127.0.0.1:7000 --key nfdpi \
    >"$dir/s2.log" 2>&1 & echo $! > "$dir/s2.pid"
ip netns exec $a kcptun-client -l 127.0.0.1:5001 -r 10.98.0.2:4001 --key nfdpi \
    >"$dir/c2.log" 2>&1 & echo $! > "$dir/c2.pid"
sleep 2
ip netns exec $a python3 "$dir/talk.py" 5000
ip netns exec $a python3 "$dir/talk.py" 5001
sleep 1
for p in c1 c2 s1 s2 echo; do kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; done
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
