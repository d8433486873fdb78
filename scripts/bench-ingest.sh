#!/usr/bin/env bash
# Bulk-ingest benchmark: `harx ingest` over 1,000 small HARs and over 10 large ones, next to
# `harx export` of the same large files into one Parquet file, runs interleaved, medians.
#   scripts/bench-ingest.sh [RUNS]            (default 3)
# Environment: BENCH_DIR (default /tmp/harx-bench), SMALL (1000), SMALL_ENTRIES (40),
# LARGE (10), LARGE_MB (100).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
dir="${BENCH_DIR:-/tmp/harx-bench}/ingest"
small_n="${SMALL:-1000}"
small_entries="${SMALL_ENTRIES:-40}"
large_n="${LARGE:-10}"
large_mb="${LARGE_MB:-100}"
mkdir -p "$dir/small" "$dir/large"
python3 -c "import duckdb" 2>/dev/null || scripts/setup-test-deps.sh
cargo build --release --locked --bin harx
harx="$PWD/target/release/harx"
# Inputs from harx's own generator: different seeds, so every file has its own content.
have=$(find "$dir/small" -name '*.har' | wc -l)
if [ "$have" -lt "$small_n" ]; then
  for i in $(seq 1 "$small_n"); do
    tenant="t$((i % 20))"
    mkdir -p "$dir/small/$tenant"
    f="$dir/small/$tenant/case-$i.har"
    [ -f "$f" ] || "$harx" gen -o "$f" --entries "$small_entries" --bodies base64 --seed "$((1000 + i))"
  done
fi
for i in $(seq 1 "$large_n"); do
  f="$dir/large/big-$i.har"
  [ -f "$f" ] || "$harx" gen -o "$f" --size-mb "$large_mb" --bodies base64 --seed "$((50 + i))"
done
python3 scripts/bench_ingest.py --harx "$harx" --dir "$dir" --runs "$runs" | tee "$dir/results.json"
