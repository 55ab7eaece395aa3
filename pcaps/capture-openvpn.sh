#!/bin/sh
# Capture real OpenVPN traffic over UDP between two network namespaces this script creates:
# an OpenVPN 2.6 server and client in TLS mode, once with tls-auth (HMAC on the control channel)
# and once with tls-crypt (control channel encrypted), each pinging through the tunnel.
# Writes pcaps/openvpn-udp.pcap. Needs root, iproute2, tcpdump, openssl and openvpn
# (Debian: apt-get install openvpn openssl tcpdump) and /dev/net/tun.
# All traffic stays on the veth pair between the two namespaces; both are removed on exit.
set -eu
[ -n "${DEBUG:-}" ] && set -x
out=${1:-$(dirname "$0")/openvpn-udp.pcap}
a=nfdpi-sig-vpn-games-cli b=nfdpi-sig-vpn-games-srv
dir=$(mktemp -d)
cleanup() {
    for p in "$dir"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add ovpn-c type veth peer name ovpn-s
ip link set ovpn-c netns $a
ip link set ovpn-s netns $b
ip -n $a addr add 10.98.0.1/24 dev ovpn-c
ip -n $b addr add 10.98.0.2/24 dev ovpn-s
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set ovpn-c up
ip -n $b link set ovpn-s up

# A throw-away PKI: a CA, a server and a client certificate (EC P-256), DH not needed (ECDHE).
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=nfdpi-ca -keyout ca.key -out ca.crt 2>/dev/null
for who in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=nfdpi-$who" \
        -keyout $who.key -out $who.csr 2>/dev/null
    printf 'keyUsage=digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' \
        "$([ $who = server ] && echo serverAuth || echo clientAuth)" > $who.ext
    openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile $who.ext -out $who.crt 2>/dev/null
done
openvpn --genkey tls-auth ta.key
openvpn --genkey tls-crypt tc.key

ip netns exec $a tcpdump -i ovpn-c -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

# One session per control-channel protection, each on its own server port.
run() { # name port server-options client-options
    name=$1 port=$2
    ip netns exec $b openvpn --cd "$dir" --dev tun-$name --proto udp --lport "$port" \
        --server 10.97.$port.0 255.255.255.0 --topology subnet \
        --ca ca.crt --cert server.crt --key server.key --dh none $3 \
        --writepid "$dir/srv-$name.pid" --log "$dir/srv-$name.log" --daemon
    ip netns exec $a openvpn --cd "$dir" --client --dev tun-$name --proto udp --remote 10.98.0.2 "$port" \
        --ca ca.crt --cert client.crt --key client.key --remote-cert-tls server --nobind $4 \
        --writepid "$dir/cli-$name.pid" --log "$dir/cli-$name.log" --daemon
    for _ in $(seq 1 60); do
        grep -q "Initialization Sequence Completed" "$dir/cli-$name.log" 2>/dev/null && break
        sleep 0.25
    done
    ip netns exec $a ping -c 3 -i 0.2 -W 1 "10.97.$port.1" >/dev/null || true
    for p in "$dir/cli-$name.pid" "$dir/srv-$name.pid"; do kill "$(cat "$p")" 2>/dev/null || true; done
    rm -f "$dir/cli-$name.pid" "$dir/srv-$name.pid"
    sleep 0.5
}
run auth 21 "--tls-auth ta.key 0" "--tls-auth ta.key 1"
run crypt 22 "--tls-crypt tc.key" "--tls-crypt tc.key"
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; rm -f "$dir/tcpdump.pid"
sleep 0.5
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
