#!/bin/sh
# Capture real Armagetron Advanced traffic between two network namespaces this script creates:
# Debian's armagetronad-dedicated as the server in one, the armagetronad client in the other,
# on a virtual X display (Xvfb), driven through its menus by xdotool: the first-start screens
# (language, setup, a local warm-up game, left at once), then Play Game / Multiplayer / Custom
# Connect to the server, and a few seconds of a networked game. Writes pcaps/armagetron.pcap.
# Needs root, iproute2, tcpdump, and Debian's armagetronad, armagetronad-dedicated, xvfb and
# xdotool. All traffic stays on the veth pair; both namespaces are removed on exit.
set -eu
out=${1:-$(dirname "$0")/armagetron.pcap}
a=nfdpi-games-armac b=nfdpi-games-armas
display=:57
dir=$(mktemp -d)
stop() { [ -f "$dir/$1.pid" ] && kill "$(cat "$dir/$1.pid")" 2>/dev/null || true; }
cleanup() {
    for p in client server xvfb tcpdump; do stop $p; done
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
ip link add gm-arma-c type veth peer name gm-arma-s
ip link set gm-arma-c netns $a
ip link set gm-arma-s netns $b
ip -n $a addr add 10.95.0.1/24 dev gm-arma-c
ip -n $b addr add 10.95.0.2/24 dev gm-arma-s
for n in $a $b; do ip -n $n link set lo up; done
ip -n $a link set gm-arma-c up
ip -n $b link set gm-arma-s up

data=/usr/share/games/armagetronad conf=/etc/armagetronad
mkdir -p "$dir/srv" "$dir/cli"
ip netns exec $b /usr/games/armagetronad-dedicated.real --datadir $data --configdir $conf \
    --userconfigdir "$dir/srv" --userdatadir "$dir/srv" --vardir "$dir/srv" \
    >"$dir/server.log" 2>&1 &
echo $! > "$dir/server.pid"
ip netns exec $a tcpdump -i gm-arma-c -U -s 0 -w "$dir/cap.pcap" udp 2>"$dir/tcpdump.log" &
echo $! > "$dir/tcpdump.pid"
ip netns exec $a Xvfb $display -screen 0 640x480x24 -nolisten tcp >"$dir/xvfb.log" 2>&1 &
echo $! > "$dir/xvfb.pid"
sleep 3
DISPLAY=$display SDL_AUDIODRIVER=dummy LIBGL_ALWAYS_SOFTWARE=1 ip netns exec $a \
    /usr/games/armagetronad.real --datadir $data --configdir $conf --userconfigdir "$dir/cli" \
    --userdatadir "$dir/cli" --vardir "$dir/cli" -w >"$dir/client.log" 2>&1 &
echo $! > "$dir/client.pid"
sleep 8

keys() { for k in "$@"; do DISPLAY=$display ip netns exec $a xdotool key "$k"; sleep 1; done; }
keys Return Return Return          # language, first setup, welcome: a local game starts
sleep 3
keys Escape Down Down Down Down Down Return   # in-game menu: Leave Grid
keys Return                        # "we hope you enjoyed it": the main menu
keys Return Return                 # Play Game, Multiplayer
keys Down Down Down Down Down Down Return     # Custom Connect
DISPLAY=$display ip netns exec $a xdotool type --delay 150 10.95.0.2
sleep 1
keys Down Down Return              # Connect To Server (port 4534)
sleep 10
stop client
sleep 2
stop tcpdump
sleep 1
cp "$dir/cap.pcap" "$out"
echo "wrote $out"
