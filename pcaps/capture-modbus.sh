#!/bin/sh
# Capture real Modbus (MBAP framing) over TCP and over UDP between two network namespaces this
# script creates, made by pymodbus: a server with one slave's coils and registers in one
# namespace, its TCP and UDP clients in the other (reads, writes, an exception for an address
# the slave does not have). Writes pcaps/modbus-pymodbus.pcap. Needs root, iproute2, tcpdump and
# Debian's python3-pymodbus (set PYTHON to an interpreter that has pymodbus; default
# /usr/bin/python3). All traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/modbus-pymodbus.pcap}
py=${PYTHON:-/usr/bin/python3}
a=nfdpi-sig-iot-mb-c b=nfdpi-sig-iot-mb-s
dir=$(mktemp -d)
cleanup() {
    for p in tcpserver udpserver tcpdump; do
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
ip link add sgiot-mb0 type veth peer name sgiot-mb1
ip link set sgiot-mb0 netns $a
ip link set sgiot-mb1 netns $b
ip -n $a addr add 10.98.9.1/24 dev sgiot-mb0
ip -n $b addr add 10.98.9.2/24 dev sgiot-mb1
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set sgiot-mb0 up
ip -n $b link set sgiot-mb1 up

ip netns exec $a tcpdump -i sgiot-mb0 -U -s 0 -w "$dir/cap.pcap" tcp or udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1

cat > "$dir/server.py" <<'PY'
# A Modbus server on port 502 (TCP or UDP, from argv) with 100 of each data type.
import sys
from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer, StartUdpServer

block = lambda: ModbusSequentialDataBlock(0, list(range(100)))
slave = ModbusSlaveContext(di=block(), co=block(), hr=block(), ir=block())
context = ModbusServerContext(slaves=slave, single=True)
start = StartTcpServer if sys.argv[1] == "tcp" else StartUdpServer
start(context=context, address=("10.98.9.2", 502))
PY
cat > "$dir/client.py" <<'PY'
# Reads, writes and one illegal address, over TCP or UDP (from argv).
import sys
from pymodbus.client import ModbusTcpClient, ModbusUdpClient

cls = ModbusTcpClient if sys.argv[1] == "tcp" else ModbusUdpClient
client = cls("10.98.9.2", port=502, timeout=2, retries=0)
client.connect()
client.read_holding_registers(0, 10, slave=1)
client.read_coils(0, 16, slave=1)
client.write_register(5, 1234, slave=1)
client.write_coils(0, [True, False, True], slave=1)
client.read_input_registers(10, 4, slave=1)
client.read_holding_registers(500, 2, slave=1)  # exception 0x83: illegal data address
client.close()
PY
ip netns exec $b "$py" "$dir/server.py" tcp >"$dir/tcpserver.log" 2>&1 &
echo $! > "$dir/tcpserver.pid"
ip netns exec $b "$py" "$dir/server.py" udp >"$dir/udpserver.log" 2>&1 &
echo $! > "$dir/udpserver.pid"
sleep 3
ip netns exec $a "$py" "$dir/client.py" tcp >"$dir/tcpclient.log" 2>&1 || true
ip netns exec $a "$py" "$dir/client.py" udp >"$dir/udpclient.log" 2>&1 || true
sleep 1
kill "$(cat "$dir/tcpdump.pid")"; wait "$(cat "$dir/tcpdump.pid")" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
