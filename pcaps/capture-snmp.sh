#!/bin/sh
# Capture real SNMP traffic between two network namespaces this script creates: net-snmp's
# snmpd as the agent, its command-line tools as the manager. Writes pcaps/snmp-netsnmp.pcap.
# Needs root, iproute2, tcpdump, snmpd and snmp (Debian: apt-get install snmpd snmp tcpdump).
# All traffic stays on the veth pair between the two namespaces; both are removed on exit.
set -eu
out=${1:-$(dirname "$0")/snmp-netsnmp.pcap}
a=nfdpi-snmp-mgr b=nfdpi-snmp-agent
dir=$(mktemp -d)
cleanup() {
    [ -f "$dir/snmpd.pid" ] && kill "$(cat "$dir/snmpd.pid")" 2>/dev/null || true
    [ -f "$dir/tcpdump.pid" ] && kill "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
cleanup_ns() { ip netns del $a 2>/dev/null || true; ip netns del $b 2>/dev/null || true; }
cleanup_ns
ip netns add $a
ip netns add $b
ip link add snmp-m type veth peer name snmp-a
ip link set snmp-m netns $a
ip link set snmp-a netns $b
ip -n $a addr add 10.99.0.1/24 dev snmp-m
ip -n $b addr add 10.99.0.2/24 dev snmp-a
ip -n $a addr add fd99::1/64 dev snmp-m nodad
ip -n $b addr add fd99::2/64 dev snmp-a nodad
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set snmp-m up
ip -n $b link set snmp-a up

cat > "$dir/snmpd.conf" <<CONF
agentaddress udp:10.99.0.2:161,udp6:[fd99::2]:161
rocommunity public 10.99.0.0/24
rocommunity6 public fd99::/64
createUser nfdpi SHA "nfdpi-auth-pass" AES "nfdpi-priv-pass"
rouser nfdpi priv
sysLocation nfdpi test namespace
sysContact nobody
sysDescr nfdpi test agent
sysName nfdpi-agent
CONF
mkdir -p "$dir/persist"
SNMP_PERSISTENT_DIR="$dir/persist" ip netns exec $b snmpd -C -c "$dir/snmpd.conf" \
    -p "$dir/snmpd.pid" -Lf "$dir/snmpd.log" -M /usr/share/snmp/mibs
ip netns exec $a tcpdump -i snmp-m -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

m="ip netns exec $a"
opts="-t 1 -r 1 -On"
$m snmpget $opts -v 1 -c public 10.99.0.2 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.3.0
$m snmpwalk $opts -v 2c -c public 10.99.0.2 1.3.6.1.2.1.1 >/dev/null
$m snmpbulkwalk $opts -v 2c -c public -Cr20 10.99.0.2 1.3.6.1.2.1.2 >/dev/null
$m snmpget $opts -v 3 -l authPriv -u nfdpi -a SHA -A nfdpi-auth-pass -x AES -X nfdpi-priv-pass \
    10.99.0.2 1.3.6.1.2.1.1.5.0
$m snmpget $opts -v 2c -c public udp6:[fd99::2]:161 1.3.6.1.2.1.1.6.0
# A wrong community: the agent stays silent (a one-sided flow).
$m snmpget $opts -v 2c -c wrong 10.99.0.2 1.3.6.1.2.1.1.1.0 || true
# A v2c notification from the agent's side to the manager's trap port (nobody listens there).
ip netns exec $b snmptrap -v 2c -c public 10.99.0.1:162 '' 1.3.6.1.6.3.1.1.5.1 \
    1.3.6.1.2.1.1.5.0 s "nfdpi-agent"
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
