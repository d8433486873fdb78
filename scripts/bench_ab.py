#!/usr/bin/env python3
"""A/B timing of two harx binaries on the same jobs, interleaved, medians.

    scripts/bench_ab.py --a OLD_BIN --b NEW_BIN --input IN.har [--rounds 5] [--jobs export,sanitize,validate]

Each round runs every job with A then B (the order alternates per round so neither side
always runs on a warmer cache). CPU time is user + sys of the child (os.wait4); the machine
is shared and has 2 cores, so CPU and the B/A ratio of medians are what to read.
"""

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_peers  # noqa: E402  (one timing function for every bench script)

JOBS = {
    "export": lambda inp, out: ["export", inp, "-o", os.path.join(out, "o.parquet"), "--threads", "1", "-q"],
    "export2": lambda inp, out: ["export", inp, "-o", os.path.join(out, "o.parquet"), "-q"],
    "sanitize": lambda inp, out: ["sanitize", inp, "-o", os.path.join(out, "s.har"), "-q"],
    "validate": lambda inp, out: ["validate", inp],
}


def run(cmd):
    # exit 3 (some entries skipped) is a finished run too
    r = bench_peers.run(cmd, ok=(0, 3))
    return r["cpu"], r["wall"], r["rss_mib"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--jobs", default="export,sanitize,validate")
    args = ap.parse_args()
    jobs = args.jobs.split(",")
    res = {(j, s): [] for j in jobs for s in "ab"}
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(args.input))) as out:
        for r in range(args.rounds):
            for j in jobs:
                sides = "ab" if r % 2 == 0 else "ba"
                for s in sides:
                    binary = args.a if s == "a" else args.b
                    res[(j, s)].append(run([binary, *JOBS[j](args.input, out)]))
            print(f"round {r + 1}/{args.rounds} done, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print(f"| job (medians of {args.rounds}) | A CPU s | B CPU s | B/A CPU | A wall s | B wall s | A RSS MiB | B RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for j in jobs:
        med = {s: [statistics.median(x[i] for x in res[(j, s)]) for i in range(3)] for s in "ab"}
        a, b = med["a"], med["b"]
        print(f"| {j} | {a[0]:.2f} | {b[0]:.2f} | {b[0] / a[0]:.3f}× | {a[1]:.2f} | {b[1]:.2f} | {a[2]:.0f} | {b[2]:.0f} |")


if __name__ == "__main__":
    main()
