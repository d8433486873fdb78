#!/usr/bin/env bash
# Runs the split+parse fuzz target for a bounded time (default 120 s), seeded with the HAR
# corpus when it is present. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable
# toolchain it builds without sanitizers (-s none).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
corpus_dir=fuzz/corpus/split_parse
mkdir -p "$corpus_dir"
HARX_CORPUS="${HARX_CORPUS:-$(cd .. && pwd)/shared/corpus}"
if [ -d "$HARX_CORPUS/real" ]; then
  find "$HARX_CORPUS/real" -name '*.har' -size -2M -exec cp -n {} "$corpus_dir/" \;
fi
cd fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none split_parse "../$corpus_dir" -- -max_total_time="$secs" -max_len=1048576
