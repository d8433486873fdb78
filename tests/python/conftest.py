"""Shared fixtures for the oracle tests: the harx binary, the corpus, scratch dirs."""

import os
import pathlib
import subprocess
import sys

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


# A child's peak RSS (ru_maxrss) counts its parent's pages at fork, and pytest with pyarrow
# and DuckDB loaded is well past 100 MiB: harx is started from a small launcher instead and
# measured there.
_LAUNCHER = """
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
err = p.stderr.read()
_, status, usage = os.wait4(p.pid, 0)
sys.stderr.buffer.write(err)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_rss(args, env=None, cwd=None, stdin=None):
    """(exit code, peak RSS in MiB, stderr) of harx run with `args`, its output discarded."""
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, str(harx_bin()), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, stdin=stdin)
    code, kib = proc.stdout.split()
    return int(code), int(kib) / 1024, proc.stderr


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
