#!/usr/bin/env python3
"""Spark local[2] with the harx data source against Spark's own JSON reader, doing the
same job (one row per entry, timing phases, both header lists, ZSTD Parquet), on the same
directory of HARs; interleaved rounds, medians.

    scripts/bench_spark.py --dir HARS/ [--rounds 3] [--jobs session,harx,harx-all,json]
    # e.g. HARS/ made with: for i in $(seq 20); do harx gen --size-mb 50 --bodies base64 --seed $i -o HARS/$i.har; done

CPU is the job's whole process tree (the driver, the JVM and Spark's Python workers; see
peers/spark_job.py); wall time is measured here. `session` is a job that starts Spark,
counts one row and stops: the fixed cost in every other line, shown so that the cost of
the reading itself can be told apart.
"""
import argparse
import os
import statistics
import sys
import tempfile

from bench_peers import run

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", default="session,harx,harx-all,json",
                    help="comma list of spark_job.py jobs (e.g. session,harx:read,json:read)")
    args = ap.parse_args()
    size = sum(os.path.getsize(os.path.join(args.dir, f)) for f in os.listdir(args.dir))
    job = os.path.join(HERE, "peers", "spark_job.py")
    res = {j: [] for j in args.jobs.split(",")}
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for how in res:
                r = run([sys.executable, job, how, args.dir, os.path.join(tmp, how.replace(":", "-"))])
                n, cpu, rss = r["out"].split()[-3:]
                rows[how] = int(n)
                res[how].append({"cpu": float(cpu), "wall": r["wall"], "rss": float(rss)})
    print(f"input: {args.dir} ({size / 1e6:.0f} MB); medians of {args.rounds} interleaved rounds")
    print("| job | rows | CPU s | wall s | CPU vs harx | CPU over the session's | that vs harx |")
    print("|---|---|---|---|---|---|---|")
    med = {h: {k: statistics.median(x[k] for x in v) for k in ("cpu", "wall")} for h, v in res.items()}
    first = next(h for h in med if h.startswith("harx"))
    base, fixed = med[first]["cpu"], med.get("session", {"cpu": 0.0})["cpu"]
    for h, m in med.items():
        net = m["cpu"] - fixed
        print(f"| {h} | {rows[h]} | {m['cpu']:.1f} | {m['wall']:.1f} | {m['cpu'] / base:.2f}x | "
              f"{net:.1f} | {net / (base - fixed):.2f}x |")


if __name__ == "__main__":
    main()
