#!/usr/bin/env bash
# Runs every fuzz target in turn (one core), then minimises its corpus.
#   tools/fuzz-all.sh [SECONDS_PER_TARGET] [TARGET...]
# Logs go to fuzz/logs/TARGET.log; crashes to fuzz/artifacts/TARGET/.
# Needs cargo-fuzz and the nightly toolchain (see README, Development).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config parquet json csv expression cache)
mkdir -p fuzz/logs
for t in "${targets[@]}"; do
  max_len=4096
  case $t in config|parquet|cache) max_len=16384 ;; esac
  echo "== $t: ${secs}s" >&2
  cargo +nightly fuzz run "$t" -O --sanitizer none -- \
    -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 > "fuzz/logs/$t.log" 2>&1
  echo "   exit $?: $(grep -E '^stat::number_of_executed_units|^#[0-9]+.*(DONE|cov:)' "fuzz/logs/$t.log" | tail -2 | tr '\n' ' ')" >&2
  cargo +nightly fuzz cmin "$t" -O --sanitizer none -- -max_len="$max_len" > "fuzz/logs/$t.cmin.log" 2>&1
done
