#!/usr/bin/env python3
"""`harx.read` into pyarrow against reading the HAR with Python's json (and orjson, and
pyarrow's own JSON reader where it can) into pyarrow, side by side, interleaved, medians.

    scripts/bench_python.py --input big.har [--rounds 3] [--readers harx,json,orjson]

Needs the harx package installed (`python3 -m pip install ./python`: a release build); the
orjson peer is installed with pip when missing. Each reader runs in a fresh process; CPU is
user+sys from wait4, peak RSS the kernel's maxrss of that process (Python and pyarrow
included, so the import-only baseline is measured and reported too).
"""
import argparse
import os
import statistics
import subprocess
import sys

from bench_peers import run

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--readers", default="baseline,harx,harx-nosanitize,json,orjson")
    args = ap.parse_args()
    if "orjson" in args.readers.split(","):
        try:
            import orjson  # noqa: F401
        except ImportError:  # a peer of this benchmark only, not of the tests
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "orjson"], check=True)
    size = os.path.getsize(args.input)
    peer = os.path.join(HERE, "peers", "py_read.py")
    cmds = {r: [sys.executable, peer, r, args.input] for r in args.readers.split(",")}
    if "baseline" in cmds:
        cmds["baseline"] = [sys.executable, "-c", "import pyarrow, harx; print(0)"]
    results = {r: [] for r in cmds}
    rows = {}
    for _ in range(args.rounds):
        for r, cmd in cmds.items():
            res = run(cmd)
            results[r].append(res)
            rows[r] = res["out"].strip()
    print(f"input: {args.input} ({size / 1e6:.0f} MB); medians of {args.rounds} interleaved rounds")
    print("| reader | rows | CPU s | wall s | peak RSS MiB | CPU vs harx |")
    print("|---|---|---|---|---|---|")
    med = {r: {k: statistics.median(x[k] for x in v) for k in ("cpu", "wall", "rss_mib")}
           for r, v in results.items()}
    base = med.get("harx", {}).get("cpu")
    for r, m in med.items():
        ratio = f"{m['cpu'] / base:.1f}x" if base and r != "baseline" else ""
        print(f"| {r} | {rows[r]} | {m['cpu']:.2f} | {m['wall']:.2f} | {m['rss_mib']:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
