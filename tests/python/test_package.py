"""The `harx` Python package (python/, installed with `python3 -m pip install ./python`):
`harx.read` through pyarrow, polars and DuckDB compared with the json oracle row by row for
every corpus file and generated inputs; sources of every kind; the schema equals the export
schema; summary equals the CLI's; errors are `harx.HarError` with where; streams stay in
bounded memory; secrets stay redacted by default."""

import gzip
import io
import json
import os
import pathlib
import re
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import oracle
from conftest import run_harx
from test_export import compare_rows, decompressed, generated, table_rows  # noqa: F401  (fixture)
from test_ingest_s3 import s3  # noqa: F401  (fixture)

try:
    import harx
except ImportError:  # pragma: no cover - CI installs it (scripts/test.sh)
    if os.environ.get("HARX_PY_REQUIRED"):
        raise
    pytest.skip("SKIPPED: the harx Python package is not installed "
                "(python3 -m pip install ./python)", allow_module_level=True)


def test_version_and_schema_equal_the_exports(generated, tmp_path):
    assert harx.__version__ == run_harx("--version").stdout.split()[-1]
    out = tmp_path / "x.parquet"
    run_harx("export", generated[0], "-o", out, "-q")
    want = pq.read_schema(out)
    got = pa.schema(harx.schema())
    assert got.names == want.names
    assert got.types == want.types
    # the field metadata (units, descriptions) too
    assert [f.metadata for f in got] == [f.metadata for f in want]
    assert pa.table(harx.read(generated[0])).schema.names == want.names


def test_corpus_rows_equal_the_json_oracle_through_pyarrow(corpus, tmp_path):
    files = sorted(p for p in (corpus / "real").iterdir() if p.is_file() and p.suffix != ".md")
    assert len(files) >= 45
    for src in files:
        got = table_rows(pa.table(harx.read(str(src), sanitize=False)))
        want = oracle.rows(decompressed(src, tmp_path), source_file=str(src))
        compare_rows(got, want, src.name)


def test_generated_rows_through_a_record_batch_reader(generated):
    for src in generated:
        reader = pa.RecordBatchReader.from_stream(harx.read(src, sanitize=False))
        got = table_rows(reader.read_all())
        compare_rows(got, oracle.rows(src, source_file=str(src)), src.name)


def test_polars_and_duckdb_read_it_without_glue(generated):
    pl = pytest.importorskip("polars")
    import duckdb
    src = generated[1]
    want = oracle.rows(src, source_file=str(src))
    df = pl.from_arrow(pa.table(harx.read(src, sanitize=False)))
    assert df.height == len(want)
    assert df["wait_ms"].sum() == pytest.approx(sum(r["wait_ms"] or 0 for r in want))
    r = harx.read(src, sanitize=False)
    n, wait = duckdb.sql("SELECT count(*), sum(wait_ms) FROM r").fetchall()[0]
    assert n == len(want)
    assert wait == pytest.approx(sum(r["wait_ms"] or 0 for r in want))
    # a reader of paths is read afresh by each consumer
    assert duckdb.sql("SELECT count(*) FROM r").fetchall()[0][0] == len(want)


def test_every_kind_of_source(corpus, tmp_path):
    real = corpus / "real"
    a, b = real / "charles_4.6.3.har", real / "chrome_with-bom.har"
    na, nb = len(oracle.rows(a)), len(oracle.rows(b))
    count = lambda s: pa.table(harx.read(s)).num_rows  # noqa: E731
    assert count(str(a)) == na
    assert count(a) == na  # os.PathLike
    assert count([a, str(b)]) == na + nb
    d = tmp_path / "d"
    d.mkdir()
    (d / "x.har").write_bytes(a.read_bytes())
    (d / "y.har.gz").write_bytes(gzip.compress(b.read_bytes()))
    (d / "notes.txt").write_text("not a har")
    assert count(d) == na + nb
    assert count(str(d / "*.har*")) == na + nb
    assert count(a.read_bytes()) == na
    assert count(gzip.compress(a.read_bytes())) == na
    assert count(io.BytesIO(gzip.compress(b.read_bytes()))) == nb
    with open(a, "rb") as f:
        assert count(f) == na
    names = set(pa.table(harx.read(a.read_bytes())).column("source_file").to_pylist())
    assert names == {"<bytes>"}


def test_a_stream_is_read_once():
    r = harx.read(io.BytesIO(b'{"log": {"entries": []}}'))
    assert pa.table(r).num_rows == 0
    with pytest.raises(ValueError, match="read once"):
        pa.table(r)


def test_errors_are_har_errors_with_where(generated, tmp_path):
    with pytest.raises(harx.HarError) as e:
        harx.read(tmp_path / "missing.har")
    assert e.value.path.endswith("missing.har")
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": nope}')
    with pytest.raises(harx.HarError, match="not a HAR") as e:
        harx.summary(bad)
    assert (e.value.path, e.value.offset, e.value.line, e.value.column) == (str(bad), 8, 1, 9)
    assert e.value.entry_index is None
    with pytest.raises(ValueError, match="on_error"):
        harx.read(bad, on_error="maybe")
    # a damaged entry: skipped by default, the stream's error under on_error="fail"
    doc = oracle.load(generated[2])
    n = len(doc["log"]["entries"])
    url = json.dumps(doc["log"]["entries"][3]["request"]["url"])
    text = json.dumps(doc)
    assert text.count(url) >= 1
    broken = tmp_path / "broken.har"
    broken.write_text(text.replace(url, url + '"', 1))
    assert pa.table(harx.read(broken)).num_rows == n - 1
    with pytest.raises(Exception, match="entry 3"):
        pa.table(harx.read(broken, on_error="fail"))
    with pytest.raises(TypeError):
        harx.read(12)


def test_summary_equals_the_cli(corpus):
    src = corpus / "real" / "chrome_all-status-codes-and-methods-2022.har"
    want = json.loads(run_harx("summary", "--format", "json", src).stdout)
    assert harx.summary(src) == want
    assert harx.summary([str(src)])["entries"] == want["entries"]


def test_secrets_are_redacted_by_default(tmp_path):
    secret = "sEcReT-9b1f0c"
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
        "startedDateTime": "2024-01-01T00:00:00Z", "time": 1,
        "request": {"method": "GET", "url": f"https://h/p?access_token={secret}",
                    "headers": [{"name": "Authorization", "value": f"Bearer {secret}"},
                                {"name": "Cookie", "value": f"sid={secret}"},
                                {"name": "x-AUTH-tOKEN", "value": secret}],
                    "cookies": [{"name": "sid", "value": secret}], "queryString": []},
        "response": {"status": 200, "headers": [{"name": "Set-Cookie",
                                                 "value": f"sid={secret}; Path=/"}],
                     "content": {"mimeType": "application/json",
                                 "text": json.dumps({"token": secret})}},
        "timings": {"wait": 1}}]}}
    p = tmp_path / "s.har"
    p.write_text(json.dumps(har))
    for bodies in (False, True):
        t = pa.table(harx.read(p, bodies=bodies))
        assert secret not in json.dumps(t.to_pylist(), default=str)
    assert secret in json.dumps(pa.table(harx.read(p, sanitize=False)).to_pylist(), default=str)


MEASURE = """
import resource, sys
import pyarrow as pa, harx
r = pa.RecordBatchReader.from_stream(harx.read(sys.argv[1]))
rows = 0
for b in r:
    rows += b.num_rows
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_a_large_har_streams_in_bounded_memory(tmp_path):
    big = tmp_path / "big.har"
    run_harx("gen", "--size-mb", "2048", "--bodies", "base64", "-o", big)
    base = subprocess.run([sys.executable, "-c", "import resource, pyarrow, harx; "
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                          capture_output=True, text=True, check=True)
    p = subprocess.run([sys.executable, "-c", MEASURE, str(big)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows, kib = map(int, p.stdout.split())
    assert rows == pq.read_metadata(run_harx_export(big, tmp_path)).num_rows
    grown = (kib - int(base.stdout)) / 1024
    # the engine's bound (about 128 MiB), whatever the input size
    assert grown < 160, f"the reading process grew by {grown:.0f} MiB for a 2 GB HAR"


def run_harx_export(src, tmp_path):
    out = tmp_path / "big.parquet"
    run_harx("export", src, "-o", out, "-q")
    return out


def secret_har(tmp_path, secret):
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
        "startedDateTime": "2024-01-01T00:00:00Z", "time": 1,
        "request": {"method": "POST", "url": f"https://h/p?access_token={secret}",
                    "headers": [{"name": "Authorization", "value": f"Bearer {secret}"}],
                    "cookies": [], "queryString": [{"name": "access_token", "value": secret}],
                    "postData": {"mimeType": "application/x-www-form-urlencoded",
                                 "text": f"user=a&password={secret}"}},
        "response": {"status": 200, "headers": [{"name": "Set-Cookie",
                                                 "value": f"sid={secret}; Path=/"}],
                     "content": {"mimeType": "application/json",
                                 "text": json.dumps({"refresh_token": secret})}},
        "timings": {"wait": 1}}]}}
    p = tmp_path / "s.har"
    p.write_text(json.dumps(har, indent=1))
    return p


def test_sanitize_verify_and_validate_equal_the_cli(tmp_path):
    secret = "pLaNtEd-5ec7e7-0a1b"
    src = secret_har(tmp_path, secret)
    original = src.read_bytes()
    dst, rep = tmp_path / "clean.har", tmp_path / "report.json"
    report = harx.sanitize(src, dst, report=rep)
    assert src.read_bytes() == original
    assert secret not in dst.read_text() and secret not in rep.read_text()
    assert report == json.loads(rep.read_text())
    assert report["entries"] == 1 and report["redactions"] >= 5
    assert oct(dst.stat().st_mode & 0o777) == "0o600"
    cli = tmp_path / "cli.har"
    run_harx("sanitize", src, "-o", cli, "-q")
    assert dst.read_bytes() == cli.read_bytes()
    assert harx.verify(dst) == []
    found = harx.verify(src)
    want = [json.loads(line) for line in run_harx(
        "sanitize", "--verify", src, "--json", "-q", check=False).stdout.splitlines()]
    assert found == want and any(f["confidence"] == "high" for f in found)
    assert secret not in json.dumps(found)
    for bad in (src, rep):
        with pytest.raises(ValueError, match="would replace an input|same file"):
            harx.sanitize(src, bad, report=rep if bad is src else src)
    assert src.read_bytes() == original
    v = harx.validate([src, dst])
    cli_v = json.loads(run_harx("validate", "--format", "json", src, dst, check=False).stdout)
    assert v == cli_v["files"]
    with pytest.raises(harx.HarError):
        harx.validate(tmp_path / "missing.har")


def test_read_from_s3(s3, corpus, monkeypatch):
    client, bucket, env = s3
    real = corpus / "real"
    names = ["charles_4.6.3.har", "chrome-har_wikipedia-2018.har.gz"]
    for n in names:
        client.upload_file(str(real / n), bucket, f"py/{n}")
    for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.setenv(k, env[k])
    t = pa.table(harx.read(f"s3://{bucket}/py/"))
    assert t.num_rows == 1 + 553
    assert set(t.column("source_file").to_pylist()) == {f"s3://{bucket}/py/{n}" for n in names}
    with pytest.raises(harx.HarError, match="no object under this prefix"):
        harx.read(f"s3://{bucket}/nothing/")


def test_tenants_are_told_as_ingest_tells_them(corpus, tmp_path):
    import re
    real = corpus / "real"
    root = tmp_path / "cases"
    for tenant, n in [("acme", "charles_4.6.3.har"), ("globex", "chrome_with-bom.har")]:
        (root / tenant).mkdir(parents=True)
        (root / tenant / n).write_bytes((real / n).read_bytes())
    pat = r"cases/(?P<tenant>[^/]+)/"
    t = pa.table(harx.read(root, tenant_from=pat))
    assert t.schema.names == pa.schema(harx.schema(tenant=True)).names
    assert t.schema.names[:-1] == pa.schema(harx.schema()).names
    for f, tenant in zip(t.column("source_file").to_pylist(), t.column("tenant").to_pylist()):
        assert tenant == re.search(pat, f).group("tenant")
    by_url = pa.table(harx.read(root, tenant_from_url=r"https?://(?P<tenant>[^/.]+)\."))
    for u, tenant in zip(by_url.column("url").to_pylist(), by_url.column("tenant").to_pylist()):
        m = re.search(r"https?://(?P<tenant>[^/.]+)\.", u or "")
        assert tenant == (m.group("tenant") if m else "unknown")
    assert set(pa.table(harx.read(root, tenant="t")).column("tenant").to_pylist()) == {"t"}
    assert "tenant" not in pa.table(harx.read(root)).schema.names
    with pytest.raises(ValueError, match="tenant"):
        harx.read(root, tenant_from="cases/([^/]+)/")
    assert sorted(n for n, _ in harx.list_inputs(root)) == sorted(
        str(p) for p in root.rglob("*.har"))


def test_every_function_has_a_docstring_and_a_stub():
    stub = (pathlib.Path(harx.__file__).parent / "_harx.pyi").read_text()
    for name in harx.__all__:
        obj = getattr(harx, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"harx.{name} has no docstring"
        declared = re.search(rf"^(def|class) {re.escape(name)}\b|^{re.escape(name)}:", stub, re.M)
        assert declared, f"harx.{name} is not declared in the stubs"
