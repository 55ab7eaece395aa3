#!/bin/sh
# Capture real Matter traffic between two network namespaces this script creates: matter.js
# (npm packages @matter/main and @project-chip/matter.js 0.17.9, a pure-JavaScript Matter stack)
# runs an on/off light in one namespace and a controller in the other, which commissions the
# light by its passcode at a known IPv6 address (PASE on UDP 5540), then reconnects over CASE
# and reads the light's endpoints. Writes pcaps/matter-matterjs.pcap (UDP only: Matter and the
# light's mDNS announcements).
# Needs root, iproute2, tcpdump, Node.js 20 and npm (the packages are installed into a
# temporary directory). All traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=$(realpath -m "${1:-$(dirname "$0")/matter-matterjs.pcap}")
a=nfdpi-results-mlight b=nfdpi-results-mctrl
dir=$(mktemp -d)
cleanup() {
    for p in "$dir"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
    ip netns del $a 2>/dev/null || true
    ip netns del $b 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
(cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund \
    @matter/main@0.17.9 @project-chip/matter.js@0.17.9 >/dev/null)

cat > "$dir/light.mjs" <<'JS'
import { ServerNode } from "@matter/main";
import { OnOffLightDevice } from "@matter/main/devices/on-off-light";
const node = await ServerNode.create({
    id: "light",
    network: { port: 5540 },
    commissioning: { passcode: 20202021, discriminator: 3840 },
    productDescription: { name: "nfdpi light", deviceType: OnOffLightDevice.deviceType },
    basicInformation: {
        vendorName: "nfdpi", vendorId: 0xfff1, productName: "light", productId: 0x8000,
        nodeLabel: "light", serialNumber: "nfdpi-1",
    },
});
await node.add(OnOffLightDevice);
await node.run();
JS
cat > "$dir/controller.mjs" <<'JS'
import { Environment } from "@matter/main";
import { CommissioningController } from "@project-chip/matter.js";
const controller = new CommissioningController({
    environment: { environment: Environment.default, id: "ctrl" },
    autoConnect: false,
    adminFabricLabel: "nfdpi",
});
await controller.start();
const nodeId = await controller.commissionNode({
    commissioning: { regulatoryLocation: 0, regulatoryCountryCode: "XX" },
    discovery: { knownAddress: { ip: process.argv[2], port: 5540, type: "udp" } },
    passcode: 20202021,
});
const node = await controller.getNode(nodeId);
if (!node.isConnected) node.connect();
if (!node.initialized) await node.events.initialized;
console.log("commissioned node", nodeId.toString(), "with", node.getDevices().length, "device(s)");
await controller.close();
process.exit(0);
JS

ip netns del $a 2>/dev/null || true
ip netns del $b 2>/dev/null || true
ip netns add $a
ip netns add $b
ip link add mtr-light type veth peer name mtr-ctrl
ip link set mtr-light netns $a
ip link set mtr-ctrl netns $b
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a addr add fd5e:a43d::1/64 dev mtr-light nodad
ip -n $b addr add fd5e:a43d::2/64 dev mtr-ctrl nodad
ip -n $a addr add 10.77.0.1/24 dev mtr-light
ip -n $b addr add 10.77.0.2/24 dev mtr-ctrl
ip -n $a link set mtr-light up
ip -n $b link set mtr-ctrl up
ip -n $a route add 224.0.0.0/4 dev mtr-light
ip -n $b route add 224.0.0.0/4 dev mtr-ctrl

ip netns exec $a tcpdump -i mtr-light -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
sleep 1
(cd "$dir" && HOME="$dir/home-light" exec ip netns exec $a node light.mjs) >"$dir/light.log" 2>&1 &
echo $! > "$dir/light.pid"
sleep 6
(cd "$dir" && HOME="$dir/home-ctrl" timeout 60 ip netns exec $b node controller.mjs fd5e:a43d::1) \
    2>"$dir/controller.log" | grep "^commissioned node"
sleep 2
kill "$(cat "$dir/light.pid")" 2>/dev/null || true
sleep 2
kill "$(cat "$dir/tcpdump.pid")"; wait 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
