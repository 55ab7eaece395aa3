#!/bin/sh
# Capture real BACnet/IP (ASHRAE 135 Annex J) traffic between two network namespaces this script
# creates, made by bacpypes3 (its console application is a BACnet device and a client at once):
# a device that is also a BBMD in one namespace; in the other, a client that asks Who-Is and
# reads properties of the device, then a client that registers as a foreign device with the
# BBMD and broadcasts through it. Writes pcaps/bacnet-bacpypes3.pcap. Needs root, iproute2,
# tcpdump and Python with bacpypes3 (pip install bacpypes3; set PYTHON to an interpreter that
# has it). All traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=$(realpath -m "${1:-$(dirname "$0")/bacnet-bacpypes3.pcap}")
py=${PYTHON:-python3}
a=nfdpi-sig-iot-bac-c b=nfdpi-sig-iot-bac-d
dir=$(mktemp -d)
cleanup() {
    for p in device tcpdump; do
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
ip link add sgiot-bac0 type veth peer name sgiot-bac1
ip link set sgiot-bac0 netns $a
ip link set sgiot-bac1 netns $b
ip -n $a addr add 10.98.8.1/24 broadcast 10.98.8.255 dev sgiot-bac0
ip -n $b addr add 10.98.8.2/24 broadcast 10.98.8.255 dev sgiot-bac1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sgiot-bac0 up
ip -n $b link set sgiot-bac1 up

# bacpypes3's console keeps a command history file in the working directory: use the temporary one.
cd "$dir"
ip netns exec $a tcpdump -i sgiot-bac0 -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

# The device (instance 1002), also a BBMD; its console reads commands from a pipe kept open.
sleep 40 | ip netns exec $b "$py" -m bacpypes3 --name nfdpi-device --instance 1002 \
    --address 10.98.8.2/24 --bbmd 10.98.8.2 >"$dir/device.log" 2>&1 &
echo $! > "$dir/device.pid"
sleep 3
# A client on the same network: Who-Is (broadcast), I-Am, ReadProperty requests and answers.
{ echo "whois"; sleep 4
  echo "read 10.98.8.2 device,1002 object-name"; sleep 2
  echo "read 10.98.8.2 device,1002 vendor-name"; sleep 2
  echo "read 10.98.8.2 device,1002 object-list"; sleep 2; } |
    ip netns exec $a "$py" -m bacpypes3 --name nfdpi-client --instance 1001 \
    --address 10.98.8.1/24 >"$dir/client.log" 2>&1 || true
# A foreign device: Register-Foreign-Device, BVLC-Result, Distribute-Broadcast-To-Network.
{ sleep 3; echo "whois"; sleep 4; } |
    ip netns exec $a "$py" -m bacpypes3 --name nfdpi-foreign --instance 1003 \
    --address 10.98.8.1:47809 --foreign 10.98.8.2 --ttl 30 >"$dir/foreign.log" 2>&1 || true
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
