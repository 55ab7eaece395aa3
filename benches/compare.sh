#!/usr/bin/env bash
# Produces the figures of BENCHMARKS.md on this machine, each against its peer in the same run:
#   1  classify vs ndpiReader (nDPI 4.2) on the large benchmark capture, alternating, medians
#   2  classify with the shipped signatures vs --no-signatures (parse + track only)
#   3  classify --threads 2 vs --threads 1 over two captures (and identical output)
#   4  the live daemon vs a minimal C NFQUEUE consumer (../shared/tools/nfq-limit), needs root
#   5  offload: packets that reach the queue vs packets sent, with the ruleset of `nfdpi iptables`
#      (from the end-to-end test, `cargo test --release --test e2e_live -- --nocapture`), needs root
#   6  memory per tracked flow at 1,000,000 flows, and the cap holding it flat
# usage: benches/compare.sh [--runs N] [--copies N] [--skip-live] [--work DIR]
# Installs libndpi-bin, tshark, tcpreplay, libnetfilter-queue-dev, libmnl-dev when missing (root).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$here/../shared
runs=5
copies=30
skip_live=0
work=${TMPDIR:-/tmp}/nfdpi-bench
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --copies) copies=$2; shift 2 ;;
    --skip-live) skip_live=1; shift ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"
need=()
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
command -v mergecap >/dev/null || need+=(tshark)
command -v tcprewrite >/dev/null || need+=(tcpreplay)
[ -f /usr/include/libnetfilter_queue/libnetfilter_queue.h ] || need+=(libnetfilter-queue-dev libmnl-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
echo "ndpiReader: $(dpkg-query -W -f '${Version}' libndpi-bin 2>/dev/null || echo '?')"

cargo build --release --quiet --manifest-path "$here/Cargo.toml" --examples
nfdpi=$here/target/release/nfdpi
cap=$work/bench$copies.pcap
[ -s "$cap" ] || "$shared/tools/make-bench-capture.sh" "$cap" "$copies" >&2
echo "capture: $cap ($(capinfos -c -M "$cap" | awk -F': *' '/Number of packets/{print $2}') packets, $(du -h "$cap" | cut -f1))"

# Wall time of one command in seconds (stdout discarded).
wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", b - a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
stats() { sort -g | awk '{a[NR]=$1} END{printf "min %.3f median %.3f max %.3f", a[1], (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR]}'; }
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A t
for i in $(seq 1 "$runs"); do
  t[ndpi]+="$(wall ndpiReader -q -i "$cap")"$'\n'
  # The two nfdpi runs swap places every round, so neither always runs right after ndpiReader.
  if [ $((i % 2)) -eq 1 ]; then
    t[sigs]+="$(wall "$nfdpi" classify --format jsonl "$cap")"$'\n'
    t[nosig]+="$(wall "$nfdpi" classify --no-signatures --format jsonl "$cap")"$'\n'
  else
    t[nosig]+="$(wall "$nfdpi" classify --no-signatures --format jsonl "$cap")"$'\n'
    t[sigs]+="$(wall "$nfdpi" classify --format jsonl "$cap")"$'\n'
  fi
done
for k in ndpi sigs nosig; do
  printf '%-28s %s s\n' "$k" "$(printf '%s' "${t[$k]}" | stats)"
done
m() { printf '%s' "${t[$1]}" | median; }
echo "figure 1: ndpiReader / nfdpi classify (wall, medians) = $(ratio "$(m ndpi)" "$(m sigs)")  (goal >= 3)"
echo "figure 2: no-signatures / with signatures (throughput ratio) = $(ratio "$(m nosig)" "$(m sigs)")  (goal >= 0.8)"
# Figure 3: two captures in one run (the operator's rotated files), one thread per capture. One
# capture is always read by one thread (sharding its flows would multiply the flow cap).
halfc=$(( copies / 2 > 0 ? copies / 2 : 1 ))
half=$work/bench$halfc.pcap
[ -s "$half" ] || "$shared/tools/make-bench-capture.sh" "$half" "$halfc" >&2
declare -A f
for i in $(seq 1 "$runs"); do
  f[one]+="$(wall "$nfdpi" classify --format jsonl "$half" "$half")"$'\n'
  f[two]+="$(wall "$nfdpi" classify --threads 2 --format jsonl "$half" "$half")"$'\n'
done
for k in one two; do printf '%-28s %s s\n' "2 captures, threads $k" "$(printf '%s' "${f[$k]}" | stats)"; done
echo "figure 3 (two captures of half the size): 1 thread / 2 threads = $(ratio "$(printf '%s' "${f[one]}" | median)" "$(printf '%s' "${f[two]}" | median)")  (goal >= 1.7)"
a=$("$nfdpi" classify --format jsonl "$half" "$half" 2>/dev/null | md5sum); b=$("$nfdpi" classify --threads 2 --format jsonl "$half" "$half" 2>/dev/null | md5sum)
[ "$a" = "$b" ] && echo "figure 3: output identical for 1 and 2 threads" || echo "figure 3: OUTPUT DIFFERS between 1 and 2 threads"

if [ "$skip_live" = 0 ]; then
  echo "figure 4: live daemon vs the C consumer (nfq-limit harness)"
  "$shared/tools/nfq-limit/run.sh" --sizes "64 1200" --reps 5 --modes "c-full c-full-b64" \
    --consumer-as nfdpi "$nfdpi run --queues 0 --verdict accept --no-signatures --stats-interval 3600" 2>&1 | tail -40
  "$shared/tools/nfq-limit/run.sh" --sizes "64" --reps 5 --modes "c-full c-full-b64" \
    --consumer-as nfdpi-sigs "$nfdpi run --queues 0 --verdict accept --signatures $here/signatures --stats-interval 3600" 2>&1 | tail -20
fi

if [ "$skip_live" = 0 ]; then
  echo "figure 5: offload, packets that reach the queue vs packets sent (real iptables rules, namespaces)"
  command -v iptables >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables >/dev/null; }
  (cd "$here" && NFDPI_E2E=1 cargo test --release --quiet --test e2e_live -- --nocapture --test-threads 1 \
    live_skype_and_teams_calls_pass live_unknown_flow_is_cut_at_budget_and_queued_once 2>&1) |
    grep -oE 'case [1-4]:.*(queued|arrived)$' || echo "figure 5: the end-to-end test failed or printed nothing (run it alone to see why)"
fi

echo "figure 6: memory per tracked flow"
"$here/target/release/examples/flowmem" 1000000 --signatures "$here/signatures"
