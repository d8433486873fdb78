#!/usr/bin/env python3
"""End-to-end benchmark of harx against peers, run side by side on one machine.

Each export tool converts the same generated HAR to Parquet (harx-summary summarizes it;
harx-sanitize and py-sanitize write a sanitized copy); runs are interleaved, repeated, and
reported as medians. The machine is shared and noisy: CPU time (user+sys) is the stable
figure, wall time is reported too. Peak RSS is the kernel's maxrss (VmHWM) from wait4.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, env=None, ok=(0,)):
    """Run `cmd` once; wall time, the child's CPU (user + sys, from wait4), peak RSS and its
    output. Output goes to temporary files, so a chatty child cannot fill a pipe and stall."""
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read().decode(errors="replace")
        err = err_f.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({code}):\n{err[-2000:]}")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "sys": ru.ru_stime,
            "rss_mib": ru.ru_maxrss / 1024, "out": out, "err": err}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harx", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tools", default="cat,harx-t1,harx-t2,duckdb-fast,chdb,duckdb,python")
    args = ap.parse_args()
    size = os.path.getsize(args.input)
    out = lambda name: os.path.join(args.out_dir, f"{name}.parquet")  # noqa: E731
    tools = {
        "cat": ["sh", "-c", f"cat '{args.input}' > /dev/null"],
        "harx-t1": [args.harx, "export", args.input, "-o", out("harx1"), "--threads", "1", "-q"],
        "harx-t1-nosanitize": [args.harx, "export", args.input, "-o", out("harx1n"), "--threads", "1", "-q",
                               "--no-sanitize"],
        "harx-t2": [args.harx, "export", args.input, "-o", out("harx2"), "--threads", "2", "-q"],
        "harx-t2-sha256": [args.harx, "export", args.input, "-o", out("harx2s"), "--threads", "2", "-q", "--sha256"],
        "harx-summary": [args.harx, "summary", args.input, "--format", "json"],
        "harx-sanitize": [args.harx, "sanitize", args.input, "-o", os.path.join(args.out_dir, "harx-clean.har"), "-q"],
        "py-sanitize": [sys.executable, os.path.join(HERE, "peers", "py_json_sanitize.py"), args.input,
                        os.path.join(args.out_dir, "py-clean.har")],
        "duckdb": [sys.executable, os.path.join(HERE, "peers", "duckdb_export.py"), args.input, out("duckdb")],
        "duckdb-fast": [sys.executable, os.path.join(HERE, "peers", "duckdb_export.py"), args.input,
                        out("duckdbf"), "unstructured"],
        "chdb": [sys.executable, os.path.join(HERE, "peers", "chdb_export.py"), args.input, out("chdb")],
        "python": [sys.executable, os.path.join(HERE, "peers", "py_json_export.py"), args.input, out("python")],
    }
    names = [t for t in args.tools.split(",") if t]
    results = {n: [] for n in names}
    subprocess.run(["cat", args.input], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    for r in range(args.runs):
        for n in names:
            res = run(tools[n])
            results[n].append(res)
            print(f"run {r + 1} {n}: wall {res['wall']:.2f}s cpu {res['cpu']:.2f}s rss {res['rss_mib']:.0f}MiB",
                  file=sys.stderr)
    rows = {}
    for n in names:
        rs = results[n]
        med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
        rows[n] = {"wall_s": med("wall"), "cpu_s": med("cpu"), "user_s": med("user"), "sys_s": med("sys"),
                   "rss_mib": max(x["rss_mib"] for x in rs),
                   "mb_per_s": size / 1e6 / med("wall"), "cpu_s_per_gb": med("cpu") / (size / 1e9)}
    print(json.dumps({"input_bytes": size, "runs": args.runs, "tools": rows}, indent=1))


if __name__ == "__main__":
    main()
