"""Shared fixtures for the oracle tests: the harx binary, the corpus, scratch dirs."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def harx_bin() -> pathlib.Path:
    env = os.environ.get("HARX_BIN")
    if env:
        return pathlib.Path(env)
    for profile in ("debug", "release"):
        p = ROOT / "target" / profile / "harx"
        if p.exists():
            return p
    raise RuntimeError("harx binary not found: run `cargo build` first or set HARX_BIN")


def corpus_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("HARX_CORPUS", ROOT.parent / "shared" / "corpus")).resolve()


def run_harx(*args, check=True, **kw):
    proc = subprocess.run([str(harx_bin()), *map(str, args)], capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"harx {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def corpus():
    d = corpus_dir()
    if not (d / "real").is_dir():
        pytest.skip(f"SKIPPED: HAR corpus not found at {d} (set HARX_CORPUS)")
    return d
