#!/bin/sh
# Capture real Kademlia (Kad, the eDonkey network's DHT) traffic between two aMule daemons in two
# network namespaces this script creates. Writes pcaps/kad-amule.pcap.
# Needs root, iproute2, tcpdump, python3 and Debian's amule-daemon and amule-utils
# (apt-get install amule-daemon amule-utils tcpdump). All traffic stays on the veth pair;
# both namespaces are removed on exit.
#
# Node B is given node A as its only bootstrap contact (a nodes.dat of version 3): it sends
# KADEMLIA2_BOOTSTRAP_REQ, A answers with its id, then B pings A (from UDP port 4672). B is
# stopped (it saves A's contact, id included, in its nodes.dat) and started again from UDP port
# 4673 with A (its id taken from A's bootstrap answer) as a known contact (a nodes.dat of
# version 2): it asks A for contacts (KADEMLIA2_REQ, a 128-bit target and A's id) and A answers
# (KADEMLIA2_RES, the same target). The addresses are in TEST-NET-2 because aMule's Kad ignores private ones.
set -eu
out=${1:-$(dirname "$0")/kad-amule.pcap}
a=nfdpi-p2p-kad-a b=nfdpi-p2p-kad-b
dir=$(mktemp -d)
stop() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; }
cleanup() {
    stop "$dir/amB.pid"; stop "$dir/amA.pid"; stop "$dir/tcpdump.pid"
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
ip link add kad-a type veth peer name kad-b
ip link set kad-a netns $a
ip link set kad-b netns $b
ip -n $a addr add 198.51.100.1/24 dev kad-a
ip -n $b addr add 198.51.100.2/24 dev kad-b
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set kad-a up
ip -n $b link set kad-b up

# aMule writes its default configuration on a first run (which exits: no external connections);
# then Kad only, no eD2k servers, no LAN filter, no obfuscation, EC on for amuled.
pw=$(printf nfdpi | md5sum | cut -d' ' -f1)
for x in A B; do
    mkdir -p "$dir/am$x"
    HOME="$dir/am$x" timeout 20 amuled -c "$dir/am$x/" >/dev/null 2>&1 || true
    sed -i -e "s/^AcceptExternalConnections=0/AcceptExternalConnections=1/" \
        -e "s/^ECPassword=.*/ECPassword=$pw/" -e "s/^ConnectToED2K=1/ConnectToED2K=0/" \
        -e "s/^FilterLanIPs=1/FilterLanIPs=0/" -e "s/^IpFilterClients=1/IpFilterClients=0/" \
        -e "s/^IpFilterServers=1/IpFilterServers=0/" \
        -e "s/^IsClientCryptLayerSupported=1/IsClientCryptLayerSupported=0/" \
        -e "s/^IsCryptLayerRequested=1/IsCryptLayerRequested=0/" "$dir/am$x/amule.conf"
done
# B's bootstrap file: version 3, bootstrap edition 1, one contact (id, IPv4, UDP, TCP, version).
python3 - "$dir/amB/nodes.dat" <<'PY'
import ipaddress, struct, sys
ip = int(ipaddress.IPv4Address("198.51.100.1"))
contact = bytes(range(16)) + struct.pack("<IHHB", ip, 4672, 4662, 8)
open(sys.argv[1], "wb").write(struct.pack("<IIII", 0, 3, 1, 1) + contact)
PY

ip netns exec $a tcpdump -i kad-a -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1
ip netns exec $a env HOME="$dir/amA" amuled -c "$dir/amA/" >"$dir/amA.log" 2>&1 &
echo $! > "$dir/amA.pid"
sleep 3
ip netns exec $b env HOME="$dir/amB" amuled -c "$dir/amB/" >"$dir/amB.log" 2>&1 &
echo $! > "$dir/amB.pid"
sleep 30
stop "$dir/amB.pid"
sleep 3
sed -i -e "s/^UDPPort=4672/UDPPort=4673/" "$dir/amB/amule.conf"
python3 - "$dir/cap.pcap" "$dir/amB/nodes.dat" <<'PY'
import ipaddress, struct, sys
data = open(sys.argv[1], "rb").read()
pos, kad_id = 24, None
while pos + 16 <= len(data) and kad_id is None:
    caplen = struct.unpack_from("<I", data, pos + 8)[0]
    frame = data[pos + 16:pos + 16 + caplen]
    pos += 16 + caplen
    payload = frame[14 + 20 + 8:]  # Ethernet, IPv4 without options, UDP
    if len(payload) >= 18 and payload[:2] == b"\xe4\x09":
        kad_id = payload[2:18]
if kad_id is None:
    sys.exit("no KADEMLIA2_BOOTSTRAP_RES from A in the capture")
ip = int(ipaddress.IPv4Address("198.51.100.1"))
contact = kad_id + struct.pack("<IHHB", ip, 4672, 4662, 8) + struct.pack("<II", 0, 0) + b"\x01"
open(sys.argv[2], "wb").write(struct.pack("<III", 0, 2, 1) + contact)
PY
ip netns exec $b env HOME="$dir/amB" amuled -c "$dir/amB/" >"$dir/amB.log" 2>&1 &
echo $! > "$dir/amB.pid"
sleep 30
stop "$dir/amB.pid"
sleep 2
stop "$dir/tcpdump.pid"
sleep 1
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
