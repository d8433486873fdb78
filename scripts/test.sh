#!/usr/bin/env bash
# The project's test command: Rust unit + integration tests, then the oracle tests
# (Python's json module, pyarrow and DuckDB reading harx's output).
# Needs: cargo; python3 with pytest, pyarrow, duckdb, websocket-client, moto[server], boto3;
# Debian's chromium
# (scripts/setup-test-deps.sh installs them).
# The HAR corpus is read from $HARX_CORPUS (default ../shared/corpus); tests that need it
# say SKIPPED when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
export HARX_CORPUS="${HARX_CORPUS:-$(cd .. && pwd)/shared/corpus}"
if [ ! -d "$HARX_CORPUS/real" ]; then
  echo "NOTE: HAR corpus not found at $HARX_CORPUS: corpus tests will be SKIPPED" >&2
fi
if ! python3 -c "import pytest, pyarrow, duckdb, polars, pyspark, websocket, moto, boto3" 2>/dev/null || ! command -v chromium >/dev/null 2>&1 || ! command -v gpg >/dev/null 2>&1 || ! command -v qemu-x86_64 >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1 || ! command -v zsh >/dev/null 2>&1 || ! command -v fish >/dev/null 2>&1; then
  scripts/setup-test-deps.sh
fi
# Snapshot tests (insta) compare with the committed snapshots and never rewrite them here:
# review a change with `INSTA_UPDATE=always cargo test --test it snapshots` and `git diff`.
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
# Cargo says where it put the binary and its target directory (CARGO_TARGET_DIR,
# relative or not, or a build.target-dir in a cargo config).
HARX_BIN="$(cargo build --locked --bin harx --features failpoints --message-format=json-render-diagnostics \
  | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])' | tail -n 1)"
TARGET_DIR="$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
[ -x "$HARX_BIN" ] || { echo "test.sh: cargo did not report the harx binary" >&2; exit 1; }
# The Python package, installed as the README says (a dev-profile build: much faster to
# build; it shares the target directory, so dependencies built above are reused).
CARGO_TARGET_DIR="$TARGET_DIR" MATURIN_PEP517_ARGS="--profile dev" \
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore ./python
export HARX_PY_REQUIRED=1 HARX_SPARK_REQUIRED=1
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --locked --all-targets --features failpoints --no-fail-fast
else
  cargo test --locked --all-targets --features failpoints
fi
cargo test --locked --doc
# The structural scanner once more with its SIMD paths forced off (the scalar code other
# architectures run; the SSE2 path of x86-64 CPUs without AVX2 is checked against it in
# every run, and the whole binary under emulated CPUs without AVX2 in test_portable.py).
cargo test --locked --lib --features scalar-scan split::
# The S3 tests talk to moto's server on 127.0.0.1, started here unless one is given.
if [ -z "${HARX_S3_ENDPOINT:-}" ]; then
  eval "$(scripts/s3-local.sh start "${HARX_S3_PORT:-5055}")"
  trap 'scripts/s3-local.sh stop "${HARX_S3_PORT:-5055}"' EXIT
fi
export HARX_S3_ENDPOINT HARX_S3_LOG="${HARX_S3_LOG:-}"
HARX_BIN="$HARX_BIN" python3 -m pytest -q tests/python
