#!/usr/bin/env bash
# Runs a fuzz target (split_parse: the splitter and entry parser; sanitize: the sanitizer,
# checked for idempotence) for a bounded time (default 120 s), seeded with the HAR corpus
# when it is present. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain
# it builds without sanitizers (-s none).
#   scripts/fuzz.sh [TARGET] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-split_parse}"
secs="${2:-120}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
corpus_dir=fuzz/corpus/$target
mkdir -p "$corpus_dir"
HARX_CORPUS="${HARX_CORPUS:-$(cd .. && pwd)/shared/corpus}"
if [ -d "$HARX_CORPUS/real" ]; then
  find "$HARX_CORPUS/real" "$HARX_CORPUS/sanitize" -name '*.har' -size -2M -exec cp -n {} "$corpus_dir/" \;
fi
cd fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" "../$corpus_dir" -- -max_total_time="$secs" -max_len=1048576
