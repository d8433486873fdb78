"""An input that another process truncates while harx reads it (its mapped pages past the new
end vanish): a clear error naming that input, never SIGBUS, no temporary file left, and in a
batch the other inputs still land. The deterministic cases use the test build's failpoint
`HARX_FAILPOINT=shrink:<path>`, which cuts the file to one page right after harx checked
its length and before it reads the window (the worst moment); the race case truncates from
another process at several moments with no failpoint at all."""

import json
import os
import signal
import subprocess
import time

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import harx_bin, run_harx

SHRANK = "shrank while it was read"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("shrink")
    big = d / "big.har"
    small = d / "small.har"
    run_harx("gen", "--size-mb", "8", "--bodies", "base64", "--seed", "5", "-o", big)
    run_harx("gen", "--size-mb", "2", "--seed", "6", "-o", small)
    return big.read_bytes(), small.read_bytes()


def fresh(tmp_path, inputs):
    """Copies of the two inputs in a directory of their own."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "victim.har").write_bytes(inputs[0])
    (d / "other.har").write_bytes(inputs[1])
    return d


def shrink(path):
    return {**os.environ, "HARX_FAILPOINT": f"shrink:{path}"}


def no_temp_left(*dirs):
    for d in dirs:
        left = [p for p in d.rglob("*") if "harx-tmp" in p.name]
        assert not left, f"temporary files left: {left}"


def entries_of(data):
    return len(json.loads(data)["log"]["entries"])


def assert_reported(proc, name):
    assert proc.returncode > 0, (proc.returncode, proc.stderr)  # an exit, not a signal
    assert proc.returncode != 128 + signal.SIGBUS
    text = proc.stderr + proc.stdout
    lines = [line for line in text.splitlines() if SHRANK in line]
    assert lines and all(name in line for line in lines), text


@pytest.mark.parametrize("command", ["export", "sanitize", "report", "validate"])
def test_a_file_cut_under_a_command_is_reported_and_nothing_is_written(tmp_path, inputs, command):
    d = fresh(tmp_path, inputs)
    victim = d / "victim.har"
    out = tmp_path / "out"
    out.mkdir()
    args = {
        "export": ["export", victim, "-o", out / "x.parquet"],
        "sanitize": ["sanitize", victim, "-o", out / "x.har"],
        "report": ["report", victim, "-o", out / "x.html"],
        "validate": ["validate", victim],
    }[command]
    p = run_harx(*args, check=False, env=shrink(victim))
    assert victim.stat().st_size == 4096, "the failpoint did not cut the file"
    assert_reported(p, "victim.har")
    assert not list(out.iterdir()), list(out.iterdir())
    no_temp_left(d, out)


def test_export_of_two_inputs_keeps_the_other_one(tmp_path, inputs):
    d = fresh(tmp_path, inputs)
    out = tmp_path / "x.parquet"
    p = run_harx("export", d / "victim.har", d / "other.har", "-o", out, check=False,
                 env=shrink(d / "victim.har"))
    assert_reported(p, "victim.har")
    t = pq.read_table(out).to_pydict()
    others = [f for f in t["source_file"] if f.endswith("other.har")]
    assert len(others) == entries_of(inputs[1])
    no_temp_left(d, tmp_path)


def test_ingest_batch_goes_on_and_a_rerun_adds_the_restored_file(tmp_path, inputs):
    d = fresh(tmp_path, inputs)
    ds = tmp_path / "ds"
    p = run_harx("ingest", d, "--dataset", ds, "--tenant", "t", check=False,
                 env=shrink(d / "victim.har"))
    assert_reported(p, "victim.har")
    no_temp_left(ds)
    con = duckdb.connect()
    files = dict(con.sql(f"SELECT regexp_extract(path, '[^/]+$'), status "
                         f"FROM read_parquet('{ds}/files/*.parquet')").fetchall())
    assert files == {"victim.har": "failed", "other.har": "ingested"}, files
    n = con.sql(f"SELECT count(*) FROM read_parquet('{ds}/entries/**/*.parquet')").fetchall()[0][0]
    assert n == entries_of(inputs[1])
    # The capture restored, a rerun adds it whole.
    (d / "victim.har").write_bytes(inputs[0])
    run_harx("ingest", d, "--dataset", ds, "--tenant", "t")
    n = con.sql(f"SELECT count(*) FROM read_parquet('{ds}/entries/**/*.parquet')").fetchall()[0][0]
    assert n == entries_of(inputs[0]) + entries_of(inputs[1])


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.08, 0.3])
def test_truncation_by_another_process_never_kills_harx(tmp_path, inputs, delay):
    """No failpoint: the file is cut by this process while harx runs, at whatever moment
    that turns out to be (six concatenated HARs, 48 MB, read in several windows). Whether
    harx opened the file after the cut (exit 3: a truncated input, its complete entries
    kept), was cut while reading (exit 1 with the message) or was done before (exit 0), it
    exits with a status and leaves no temporary file."""
    d = tmp_path / "in"
    d.mkdir()
    victim = d / "victim.har"
    victim.write_bytes(inputs[0] * 6)
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HARX_FAILPOINT"}
    proc = subprocess.Popen([str(harx_bin()), "export", str(victim), "--bodies", "-o",
                             str(out / "x.parquet")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(delay)
    with open(victim, "r+b") as f:
        f.truncate(len(inputs[0]) * 6 // 3)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {stderr}"
    if proc.returncode in (0, 3):
        assert (out / "x.parquet").exists()
        assert proc.returncode == 0 or "truncated" in stderr, stderr
    else:
        assert proc.returncode == 1 and SHRANK in stderr and "victim.har" in stderr, stderr
        assert not (out / "x.parquet").exists()
    no_temp_left(out)
