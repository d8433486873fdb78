"""`harx ingest` and `harx schema`: a directory of mixed containers becomes a Hive-partitioned
dataset that DuckDB and pyarrow.dataset read back; counts and TTFB sums per tenant and date
are compared with an oracle computed by Python's json module over the same HARs. Re-runs,
kills at every commit step, concurrent runs and each kind of bad input are checked too."""

import collections
import gzip
import io
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time
import zipfile
import zlib

import duckdb
import pyarrow.dataset as pads
import pytest

import oracle
from conftest import harx_bin, run_harx

# Corpus files spread over two tenants; each is added in a different container.
PLAIN = ["chrome_with-bom.har", "firefox111_mitmproxy-org-2023.har", "charles_4.6.3.har",
         "webpagetest-chrome70_wikipedia-2018.har"]
GZIP = ["safari_mitmproxy-org-2023.har", "chrome-har_304-503-multipage.har"]
ZLIB = ["fiddler5_navmenu-2020.har"]
PLAYWRIGHT = "playwright1.23_attach-sha1.har"
ZIPPED = ["mitmproxy_websocket.har", "zap_seq-simple-2024.har", "edge_mitmproxy-org-2023.har"]


def utc_date(us):
    if us is None:
        return None
    return time.strftime("%Y-%m-%d", time.gmtime(us // 1_000_000))


def expected(docs):
    """{(tenant, date): (count, sum of wait_ms)} from the oracle's rows of each (tenant, path)."""
    acc = collections.defaultdict(lambda: [0, 0.0])
    for tenant, path in docs:
        for r in oracle.rows(path):
            k = (tenant, utc_date(r["started_at"]))
            acc[k][0] += 1
            acc[k][1] += r["wait_ms"] or 0.0
    return {k: (v[0], round(v[1], 3)) for k, v in acc.items()}


def duck_counts(ds):
    con = duckdb.connect()
    rows = con.sql(
        f"SELECT tenant, CAST(date AS VARCHAR), count(*), round(sum(coalesce(wait_ms, 0)), 3) "
        f"FROM read_parquet('{ds}/entries/**/*.parquet', hive_partitioning = true) GROUP BY ALL"
    ).fetchall()
    return {(t, d): (n, w) for t, d, n, w in rows}


def arrow_counts(ds):
    table = pads.dataset(f"{ds}/entries", format="parquet", partitioning="hive").to_table(
        columns=["tenant", "date", "wait_ms"])
    acc = collections.defaultdict(lambda: [0, 0.0])
    for t, d, w in zip(*(table.column(c).to_pylist() for c in ("tenant", "date", "wait_ms"))):
        d = None if d in (None, "__HIVE_DEFAULT_PARTITION__") else str(d)
        acc[(t, d)][0] += 1
        acc[(t, d)][1] += w or 0.0
    return {k: (v[0], round(v[1], 3)) for k, v in acc.items()}


def plain_copy(tmp, name, data):
    p = tmp / "oracle" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


@pytest.fixture()
def mixed(corpus, tmp_path):
    """A directory tree of cases/<tenant>/… in every container, and the oracle's view."""
    real = corpus / "real"
    root = tmp_path / "cases"
    docs = []
    acme = root / "acme"
    acme.mkdir(parents=True)
    for n in PLAIN:
        shutil.copy(real / n, acme / n)
        docs.append(("acme", real / n))
    for n in GZIP:
        (acme / (n + ".gz")).write_bytes(gzip.compress((real / n).read_bytes()))
        docs.append(("acme", real / n))
    # The corpus's own compressed files, as their producers wrote them.
    for n in ["chrome-har_wikipedia-2018.har.gz", "mitmproxy-exporthar_compressed.zhar"]:
        shutil.copy(real / n, acme / n)
        raw = (real / n).read_bytes()
        data = gzip.decompress(raw) if n.endswith(".gz") else zlib.decompress(raw)
        docs.append(("acme", plain_copy(tmp_path, n + ".json", data)))
    glob = root / "glo bex%2"
    glob.mkdir()
    for n in ZLIB:
        (glob / "capture.zhar").write_bytes(zlib.compress((real / n).read_bytes()))
        docs.append(("glo bex%2", real / n))
    # Playwright: har.har plus attached bodies, which must not be read as HARs.
    with zipfile.ZipFile(glob / "trace.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("har.har", (real / PLAYWRIGHT).read_bytes())
        z.writestr("75841480e2606c03389077304342fac2c58ccb1b.json", b'{"not": "a har"}')
        z.writestr("0f3c1c0c.html", b"<html></html>")
    docs.append(("glo bex%2", real / PLAYWRIGHT))
    # Many HARs zipped together, one of them gzipped inside the zip.
    with zipfile.ZipFile(glob / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i, n in enumerate(ZIPPED):
            data = (real / n).read_bytes()
            if i == 0:
                z.writestr(f"sub/{n}.gz", gzip.compress(data))
            else:
                z.writestr(f"sub/{n}", data)
            docs.append(("glo bex%2", real / n))
    # Not HARs: ignored in a directory walk.
    (root / "README.txt").write_text("case notes\n")
    (acme / "screenshot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    return root, docs


def ingest(*args, **kw):
    return run_harx("ingest", *args, **kw)


def test_mixed_containers_match_the_oracle(mixed, tmp_path):
    root, docs = mixed
    ds = tmp_path / "ds"
    p = ingest(root, "--dataset", ds, "--tenant-from", r"cases/(?P<tenant>[^/]+)/", check=False)
    assert p.returncode == 0, p.stderr
    want = expected(docs)
    assert duck_counts(ds) == want
    assert arrow_counts(ds) == want
    # Partition values are percent-encoded on disk and decoded by the readers.
    assert (ds / "entries" / "tenant=glo%20bex%252").is_dir()
    con = duckdb.connect()
    files = con.sql(f"SELECT path, member, status, container, entries, tenant, sha256 "
                    f"FROM read_parquet('{ds}/files/*.parquet') ORDER BY path, member").fetchall()
    assert all(f[2] == "ingested" for f in files), files
    assert len(files) == len(docs)
    members = {f[1] for f in files if f[1]}
    assert members == {"har.har", "sub/mitmproxy_websocket.har.gz", "sub/zap_seq-simple-2024.har",
                       "sub/edge_mitmproxy-org-2023.har"}
    containers = {pathlib.Path(f[0]).name: f[3] for f in files}
    assert containers["capture.zhar"] == "zlib" and containers["trace.zip"] == "zip"
    assert containers["safari_mitmproxy-org-2023.har.gz"] == "gzip"
    # pages: one row per page of log.pages, across all documents.
    n_pages = sum(len(oracle.load(p)["log"].get("pages") or []) for _, p in docs)
    got = con.sql(f"SELECT count(*) FROM read_parquet('{ds}/pages/**/*.parquet', "
                  f"hive_partitioning = true)").fetchall()[0][0]
    assert got == n_pages
    # Parquet files hold HAR data: 0600.
    for f in (ds / "entries").rglob("*.parquet"):
        assert f.stat().st_mode & 0o777 == 0o600, f
    # Secrets are redacted on the way in, as in export.
    cookies = con.sql(f"SELECT count(*) FROM read_parquet('{ds}/entries/**/*.parquet'), "
                      f"unnest(request_headers) AS h(x) WHERE lower(x.name) = 'cookie' "
                      f"AND x.value NOT LIKE '%REDACTED%'").fetchall()[0][0]
    assert cookies == 0


def test_rerun_adds_nothing_and_new_inputs_are_added(mixed, tmp_path, corpus):
    root, docs = mixed
    ds = tmp_path / "ds"
    pat = r"cases/(?P<tenant>[^/]+)/"
    ingest(root, "--dataset", ds, "--tenant-from", pat)
    first = duck_counts(ds)
    p = ingest(root, "--dataset", ds, "--tenant-from", pat)
    assert duck_counts(ds) == first
    assert "already in the dataset" in p.stderr
    # Same content under a new name and a new mtime: recognized by its SHA-256.
    shutil.copy(root / "acme" / PLAIN[0], root / "acme" / "copy-of-first.har")
    ingest(root, "--dataset", ds, "--tenant-from", pat)
    assert duck_counts(ds) == first
    # A new input is added, and only it.
    new = corpus / "real" / "chrome_mitmproxy-org-2023.har"
    shutil.copy(new, root / "acme" / "new.har")
    ingest(root, "--dataset", ds, "--tenant-from", pat)
    assert duck_counts(ds) == expected(docs + [("acme", new)])


@pytest.mark.parametrize("point", ["before-pending", "after-pending", "after-first-publish",
                                   "before-commit"])
def test_killed_at_each_commit_step_then_rerun(mixed, tmp_path, point):
    root, docs = mixed
    ds = tmp_path / "ds"
    pat = r"cases/(?P<tenant>[^/]+)/"
    env = dict(os.environ, HARX_FAILPOINT=point)
    p = ingest(root, "--dataset", ds, "--tenant-from", pat, check=False, env=env)
    assert p.returncode == -signal.SIGABRT, (p.returncode, p.stderr)
    # Whatever readers see now is made of complete files.
    for f in ds.rglob("*.parquet"):
        duckdb.sql(f"SELECT count(*) FROM read_parquet('{f}')").fetchall()[0]
    p = ingest(root, "--dataset", ds, "--tenant-from", pat)
    assert "recovered from an interrupted run" in p.stderr
    assert duck_counts(ds) == expected(docs)
    assert not list(ds.rglob("*.harx-tmp"))
    assert not list((ds / "_harx_manifest").glob("*.pending.json"))


def test_kill_9_during_ingest_then_rerun(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in range(4):
        run_harx("gen", "--size-mb", "12", "--seed", seed + 1, "-o", inputs / f"g{seed}.har")
    ds = tmp_path / "ds"
    # Small commit groups, so the kill lands between commits of the same run.
    args = [inputs, "--dataset", ds, "--tenant", "t", "--commit-every-mb", "12", "--threads", "1"]
    for delay in (0.05, 0.4, 0.9):
        proc = subprocess.Popen([str(harx_bin()), "ingest", *map(str, args), "-q"],
                                stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for f in ds.rglob("*.parquet"):
            duckdb.sql(f"SELECT count(*) FROM read_parquet('{f}')").fetchall()[0]
    ingest(*args)
    want = expected([("t", p) for p in sorted(inputs.iterdir())])
    assert duck_counts(ds) == want


def test_second_concurrent_run_refuses(tmp_path):
    big = tmp_path / "big.har"
    run_harx("gen", "--size-mb", "60", "--seed", "9", "-o", big)
    ds = tmp_path / "ds"
    first = subprocess.Popen([str(harx_bin()), "ingest", str(big), "--dataset", str(ds),
                              "--threads", "1", "-q"], stderr=subprocess.PIPE, text=True)
    lock = ds / "_harx_manifest" / "lock"
    deadline = time.time() + 20
    while time.time() < deadline and not (lock.exists() and str(first.pid) in lock.read_text()):
        time.sleep(0.01)
    second = ingest(big, "--dataset", ds, check=False)
    first_rc = first.wait()
    assert first_rc == 0, first.stderr.read()
    assert second.returncode == 1
    assert "another harx ingest is writing this dataset" in second.stderr
    assert f'"pid":{first.pid}' in second.stderr
    # The first run's data is complete and alone.
    assert sum(n for n, _ in duck_counts(ds).values()) == len(oracle.rows(big))


def test_each_kind_of_bad_input_is_reported_and_the_batch_goes_on(corpus, tmp_path):
    real = corpus / "real"
    d = tmp_path / "in"
    d.mkdir()
    good = real / "firefox111_mitmproxy-org-2023.har"
    shutil.copy(good, d / "good.har")
    # Corrupt gzip: a valid header, then garbage.
    (d / "corrupt.har.gz").write_bytes(gzip.compress(good.read_bytes())[:40] + b"\xff" * 200)
    # Zip bomb: 300 MB of zeros deflate to ~300 KB (ratio ~1000, cap 250).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("bomb.har", "w", force_zip64=True) as w:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                w.write(chunk)
    (d / "bomb.zip").write_bytes(buf.getvalue())
    # A gzip bomb too.
    (d / "bomb.har.gz").write_bytes(gzip.compress(b" " * (200 << 20), compresslevel=9))
    # JSON, but not a HAR.
    (d / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    # A zip whose member climbs out of the archive, next to a good member.
    with zipfile.ZipFile(d / "evil.zip", "w") as z:
        z.writestr("../../etc/evil.har", good.read_bytes())
        z.writestr("ok.har", good.read_bytes())
    # Unreadable: a dangling symbolic link; and a symbolic link loop between directories.
    (d / "dangling.har").symlink_to(tmp_path / "nowhere.har")
    (d / "loop").mkdir()
    (d / "loop" / "back").symlink_to(d, target_is_directory=True)
    # Truncated mid-entry: every complete entry is kept.
    raw = good.read_bytes()
    (d / "truncated.har").write_bytes(raw[: int(len(raw) * 0.6)])
    ds = tmp_path / "ds"
    p = ingest(d, "--dataset", ds, "--tenant", "t", check=False)
    assert p.returncode == 1, p.stderr
    err = p.stderr
    assert "corrupt.har.gz" in err
    assert "bomb.zip!bomb.har" in err and "ratio cap" in err
    assert "bomb.har.gz" in err
    assert "package.json" in err and "not a HAR" in err
    assert "evil.zip!../../etc/evil.har" in err and "escapes the archive" in err
    assert "dangling.har" in err and "broken symbolic link" in err
    assert "symbolic link loop" in err
    con = duckdb.connect()
    rows = con.sql(f"SELECT coalesce(member, ''), status FROM read_parquet('{ds}/files/*.parquet')"
                   f" WHERE status = 'ingested'").fetchall()
    got = sorted(m for m, _ in rows)
    assert got == ["", "", "ok.har"], rows  # good.har, truncated.har, evil.zip!ok.har
    n_good = len(oracle.rows(good))
    total = con.sql(f"SELECT count(*) FROM read_parquet('{ds}/entries/**/*.parquet')").fetchall()[0][0]
    n_trunc = con.sql(f"SELECT entries FROM read_parquet('{ds}/files/*.parquet') "
                      f"WHERE path LIKE '%truncated.har'").fetchall()[0][0]
    assert 0 < n_trunc < n_good
    assert total == 2 * n_good + n_trunc
    # Explicitly named bad inputs fail the same way.
    p = ingest(d / "package.json", d / "good.har", "--dataset", tmp_path / "ds2", check=False)
    assert p.returncode == 1 and "not a HAR" in p.stderr


def test_duckdb_ddl_reads_the_dataset(mixed, tmp_path):
    root, docs = mixed
    ds = tmp_path / "ds"
    ingest(root, "--dataset", ds, "--tenant-from", r"cases/(?P<tenant>[^/]+)/")
    ddl = run_harx("schema", "--ddl", "duckdb", "--dataset", ds).stdout
    con = duckdb.connect()
    con.execute(ddl)
    n = con.sql("SELECT count(*) FROM entries").fetchall()[0][0]
    assert n == sum(v[0] for v in expected(docs).values())
    assert con.sql("SELECT count(DISTINCT tenant) FROM entries").fetchall()[0][0] == 2
    assert con.sql("SELECT typeof(date) FROM entries LIMIT 1").fetchall()[0][0] == "DATE"
    assert con.sql("SELECT count(*) FROM files WHERE status = 'ingested'").fetchall()[0][0] == len(docs)
    assert con.sql("SELECT count(*) FROM pages").fetchall()[0][0] > 0
    # The other engines' DDL names every column of the entries table.
    cols = [r[0] for r in con.sql("DESCRIBE SELECT * EXCLUDE (tenant, date) FROM entries").fetchall()]
    for engine in ["spark", "trino", "athena"]:
        text = run_harx("schema", "--ddl", engine, "--dataset", "s3://b/p").stdout
        for c in cols:
            assert c in text, (engine, c)


def test_stats_reads_the_entries_of_a_dataset(mixed, tmp_path):
    root, docs = mixed
    ds = tmp_path / "ds"
    ingest(root, "--dataset", ds, "--tenant-from", r"cases/(?P<tenant>[^/]+)/")
    out = json.loads(run_harx("stats", ds, "--by", "tenant", "--format", "json").stdout)
    rows = out["groups"] if isinstance(out, dict) else out
    got = {r["tenant"]: r["count"] for r in rows}
    want = collections.Counter()
    for (t, _), (n, _) in expected(docs).items():
        want[t] += n
    assert got == dict(want)
