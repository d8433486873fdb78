#!/usr/bin/env python3
"""Driver of scripts/bench-ingest.sh: times `harx ingest` (fresh dataset each run) over the
small and the large inputs, and `harx export` of the large ones into one file, interleaved;
reports medians of wall and CPU time, files/s, MB/s, CPU-s/GB and peak RSS, and checks the
row counts with DuckDB."""
import argparse
import json
import os
import shutil
import statistics
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_peers import run  # noqa: E402


def files_under(d):
    out = []
    for root, _, names in os.walk(d):
        out += [os.path.join(root, n) for n in names if n.endswith(".har")]
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harx", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    small = os.path.join(args.dir, "small")
    large = os.path.join(args.dir, "large")
    inputs = {"small": files_under(small), "large": files_under(large)}
    sizes = {k: sum(os.path.getsize(f) for f in v) for k, v in inputs.items()}
    ds = os.path.join(args.dir, "ds")
    out = os.path.join(args.dir, "export.parquet")
    tools = {
        "ingest-small": ("small", [args.harx, "ingest", small, "--dataset", ds,
                                   "--tenant-from", r"small/(?P<tenant>[^/]+)/", "-q"]),
        "ingest-large": ("large", [args.harx, "ingest", large, "--dataset", ds, "--tenant", "big", "-q"]),
        "export-large": ("large", [args.harx, "export", *inputs["large"], "-o", out, "-q"]),
    }
    for files in inputs.values():
        for f in files:
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass
    results = {n: [] for n in tools}
    rows = {}
    for r in range(args.runs):
        for n, (kind, cmd) in tools.items():
            shutil.rmtree(ds, ignore_errors=True)
            res = run(cmd)
            results[n].append(res)
            if n.startswith("ingest"):
                rows[n] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{ds}/entries/**/*.parquet')"
                                     ).fetchall()[0][0]
            print(f"run {r + 1} {n}: wall {res['wall']:.2f}s cpu {res['cpu']:.2f}s "
                  f"rss {res['rss_mib']:.0f}MiB", file=sys.stderr)
    shutil.rmtree(ds, ignore_errors=True)
    report = {}
    for n, (kind, _) in tools.items():
        rs = results[n]
        med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
        report[n] = {"files": len(inputs[kind]), "input_bytes": sizes[kind], "wall_s": med("wall"),
                     "cpu_s": med("cpu"), "rss_mib": max(x["rss_mib"] for x in rs),
                     "files_per_s": len(inputs[kind]) / med("wall"),
                     "mb_per_s": sizes[kind] / 1e6 / med("wall"),
                     "cpu_s_per_gb": med("cpu") / (sizes[kind] / 1e9), "rows": rows.get(n)}
    print(json.dumps({"runs": args.runs, "tools": report}, indent=1))


if __name__ == "__main__":
    main()
