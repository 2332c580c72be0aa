#!/usr/bin/env bash
# Runs every fuzz target in turn (one core), then shrinks its corpus to a
# set of inputs that covers every edge the run reached (counters ignored, so
# the corpus stays small enough to keep in the repository and replay in
# cargo test).
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
bin_dir=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release
for t in "${targets[@]}"; do
  max_len=4096
  case $t in config|parquet|cache) max_len=16384 ;; esac
  echo "== $t: ${secs}s" >&2
  cargo +nightly fuzz run "$t" -O --sanitizer none -- \
    -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 > "fuzz/logs/$t.log" 2>&1
  echo "   exit $?: $(grep -E '^#[0-9]+.*DONE' "fuzz/logs/$t.log" | tail -1)" >&2
  small=$(mktemp -d)
  "$bin_dir/$t" -merge=1 -use_counters=0 -use_value_profile=0 -set_cover_merge=1 \
    -max_len="$max_len" "$small" "fuzz/corpus/$t" > "fuzz/logs/$t.merge.log" 2>&1 \
    && rm -rf "fuzz/corpus/$t" && mv "$small" "fuzz/corpus/$t"
  echo "   corpus: $(ls "fuzz/corpus/$t" | wc -l) inputs" >&2
done
