#!/usr/bin/env bash
# Fuzz every target for SECONDS each (default 60) from seed corpora made afresh, with the nightly
# toolchain and cargo-fuzz's defaults (release build, debug assertions and overflow checks,
# AddressSanitizer). Exits non-zero at the first crash, which libFuzzer leaves under
# fuzz/artifacts/<target>/. Prints each target's executions and coverage. CI runs it (.ci/run).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
python3 make-seeds.py
cargo +nightly fuzz build
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in $(cargo +nightly fuzz list); do
  echo "fuzz: $t for ${secs} s"
  if ! cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -timeout=10 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz: target $t failed; the input is under fuzz/artifacts/$t/ (add it to tests/fuzz_regressions.rs)" >&2
    exit 1
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec)' "$log"
done
