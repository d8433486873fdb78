#!/usr/bin/env bash
# Installs what the tests need beyond cargo: the Python oracles (pytest, pyarrow, duckdb).
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  'pytest>=8' 'pyarrow>=15' 'duckdb>=1.1'
