#!/usr/bin/env bash
# Installs what the tests need beyond cargo: the Python oracles (pytest, pyarrow, duckdb),
# the DevTools client for the browser tests (websocket-client), Debian's Chromium, and
# gnupg for the sanitizer's encrypt-the-original round trip, and moto's S3 server (PyPI
# `moto[server]`, with boto3) for the object-storage tests, and QEMU's user-mode emulator
# (qemu-user) to run the binary on emulated CPUs without AVX2; polars and Spark
# (pyspark, on Debian's Java) for the Python package's tests; zsh and fish to parse the
# completion scripts (the package itself is built by scripts/test.sh with maturin from PyPI).
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  'pytest>=8' 'pyarrow>=15' 'duckdb>=1.1' 'polars>=1' 'websocket-client>=1.6' 'moto[server]>=5' \
  'boto3>=1.28' 'pyspark>=4.0'
pkgs=()
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
command -v gpg >/dev/null 2>&1 || pkgs+=(gnupg)
command -v qemu-x86_64 >/dev/null 2>&1 || pkgs+=(qemu-user)
# Spark (pyspark) runs on Java 17 or later: Debian's
command -v java >/dev/null 2>&1 || pkgs+=(openjdk-17-jre-headless)
# the completion scripts are checked by the shells they are for
command -v zsh >/dev/null 2>&1 || pkgs+=(zsh)
command -v fish >/dev/null 2>&1 || pkgs+=(fish)
if [ ${#pkgs[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null; }
fi
