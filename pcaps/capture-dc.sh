#!/bin/sh
# Capture real Direct Connect (ADC) search results over UDP between two network namespaces this
# script creates: uhub as the ADC hub and one EiskaltDC++ daemon sharing two files in the first,
# a second EiskaltDC++ daemon in the second. Both clients are in active mode; the second searches
# for "motd" through the hub and the first sends its results straight to the searcher's UDP
# port as ADC URES messages. Writes pcaps/dc-adc-eiskalt.pcap (UDP only).
# Needs root, iproute2, tcpdump, python3 and Debian's uhub and eiskaltdcpp-daemon
# (apt-get install uhub eiskaltdcpp-daemon tcpdump). Both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/dc-adc-eiskalt.pcap}
a=nfdpi-p2p-dc-a b=nfdpi-p2p-dc-b
dir=$(mktemp -d)
stop() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; }
cleanup() {
    stop "$dir/c2/pid"; stop "$dir/c1/pid"; stop "$dir/hub/pid"; stop "$dir/tcpdump.pid"
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
ip link add dc-a type veth peer name dc-b
ip link set dc-a netns $a
ip link set dc-b netns $b
ip -n $a addr add 198.51.100.1/24 dev dc-a
ip -n $b addr add 198.51.100.2/24 dev dc-b
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set dc-a up
ip -n $b link set dc-b up

mkdir -p "$dir/hub" "$dir/c1" "$dir/c2" "$dir/share"
echo "hello from nfdpi" > "$dir/share/motd.txt"
head -c 5000 /dev/zero | tr '\0' 'x' > "$dir/share/motd-archive.bin"
: > "$dir/hub/plugins.conf"
cat > "$dir/hub/uhub.conf" <<CONF
server_port=1511
server_bind_addr=198.51.100.1
registered_users_only=0
hub_name=nfdpi
hub_enabled=1
file_plugins=$dir/hub/plugins.conf
CONF
for c in c1:198.51.100.1:4101:4102 c2:198.51.100.2:4201:4202; do
    n=${c%%:*} rest=${c#*:}
    ip=${rest%%:*} rest=${rest#*:}
    cat > "$dir/$n/DCPlusPlus.xml" <<XML
<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<DCPlusPlus>
	<Settings>
		<Nick type="string">nfdpi-$n</Nick>
		<IncomingConnections type="int">0</IncomingConnections>
		<ExternalIp type="string">$ip</ExternalIp>
		<BindAddress type="string">$ip</BindAddress>
		<TCPPort type="int">${rest%%:*}</TCPPort>
		<UDPPort type="int">${rest#*:}</UDPPort>
		<TLSPort type="int">0</TLSPort>
		<NoIpOverride type="int">1</NoIpOverride>
	</Settings>
</DCPlusPlus>
XML
done

# JSON-RPC to the daemon of namespace $1 (port 3121 on its loopback).
rpc() {
    ip netns exec "$1" python3 -c '
import json, sys, urllib.request
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": sys.argv[1], "params": json.loads(sys.argv[2])})
req = urllib.request.Request("http://127.0.0.1:3121/", body.encode(), {"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode()[:200])' "$2" "$3"
}

ip netns exec $a tcpdump -i dc-a -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
ip netns exec $a uhub -c "$dir/hub/uhub.conf" >"$dir/hub/log" 2>&1 &
echo $! > "$dir/hub/pid"
sleep 1
ip netns exec $a eiskaltdcpp-daemon -c "$dir/c1" -P 3121 >"$dir/c1/log" 2>&1 &
echo $! > "$dir/c1/pid"
# A second apart: the daemons seed their client id from the clock, and the hub refuses a
# client id that is already logged in.
sleep 3
ip netns exec $b eiskaltdcpp-daemon -c "$dir/c2" -P 3121 >"$dir/c2/log" 2>&1 &
echo $! > "$dir/c2/pid"
sleep 3
hub=adc://198.51.100.1:1511
rpc $a share.add "{\"directory\": \"$dir/share/\", \"virtname\": \"share\"}"
rpc $a share.refresh '{}'
rpc $a hub.add "{\"huburl\": \"$hub\", \"enc\": \"UTF-8\"}"
rpc $b hub.add "{\"huburl\": \"$hub\", \"enc\": \"UTF-8\"}"
sleep 8
rpc $b hub.getusers "{\"huburl\": \"$hub\"}"
rpc $b search.send '{"searchstring": "motd"}'
sleep 5
rpc $b search.getresults '{}' >/dev/null
stop "$dir/tcpdump.pid"
sleep 1
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
