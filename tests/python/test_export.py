"""harx export checked against independent oracles: Python's json module (oracle.py),
pyarrow and DuckDB reading the Parquet, on generated HARs and on every corpus file."""

import base64
import gzip
import json
import math
import os
import re
import stat
import zlib

import duckdb
import pyarrow.parquet as pq
import pytest

import oracle
from conftest import run_harx

SURROGATE = re.compile("[\ud800-\udfff]")
TIMING_COLS = ["time_ms", "blocked_ms", "dns_ms", "connect_ms", "ssl_ms", "send_ms", "wait_ms",
               "receive_ms", "blocked_queueing_ms", "tcp_ms", "total_ms"]


def norm(v):
    """Lone UTF-16 surrogates (which Python keeps and harx replaces) become U+FFFD."""
    if isinstance(v, str):
        return SURROGATE.sub("\ufffd", v)
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


def decompressed(path, tmp_path):
    """The plain JSON of a corpus file (harx sniffs containers; the oracle needs text)."""
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif raw[:1] == b"\x78":
        raw = zlib.decompress(raw)
    else:
        return path
    out = tmp_path / (path.name + ".json")
    out.write_bytes(raw)
    return out


def parquet_rows(path):
    return table_rows(pq.read_table(path))


def table_rows(table):
    """Rows of an entries table, `started_at` as microseconds since the epoch."""
    rows = table.to_pylist()
    for r in rows:
        ts = r["started_at"]
        if ts is not None:
            r["started_at"] = int(ts.timestamp()) * 1_000_000 + ts.microsecond
    return rows


def compare_rows(got, want, label):
    assert len(got) == len(want), f"{label}: {len(got)} rows, oracle has {len(want)}"
    # Parquet rows are sorted by started_at; compare in entry order.
    got = sorted(got, key=lambda r: (r["source_file"], r["entry_index"]))
    for g, w in zip(got, want):
        for col, wv in w.items():
            gv = g[col]
            wv = norm(wv)
            if isinstance(wv, float) and isinstance(gv, float):
                assert gv == wv or (math.isnan(gv) and math.isnan(wv)), \
                    f"{label} entry {w['entry_index']} {col}: harx {gv!r}, oracle {wv!r}"
            else:
                assert gv == wv, f"{label} entry {w['entry_index']} {col}: harx {gv!r}, oracle {wv!r}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    d = tmp_path_factory.mktemp("gen")
    files = []
    for seed, bodies, extra in [(1, "base64", []), (2, "text", ["--compact"]), (3, "none", []),
                                (4, "base64", ["--compact"])]:
        p = d / f"gen-{seed}-{bodies}.har"
        run_harx("gen", "-o", p, "--entries", 400, "--bodies", bodies, "--seed", seed,
                 "--entries-per-page", 70, *extra)
        files.append(p)
    return files


def export_and_compare(src, tmp_path, oracle_src=None):
    out = tmp_path / "out.parquet"
    run_harx("export", src, "-o", out, "--no-sanitize", "-q")
    want = oracle.rows(oracle_src or src, source_file=str(src))
    got = parquet_rows(out)
    compare_rows(got, want, src.name)
    return out, want


def test_generated_rows_equal_json_oracle(generated, tmp_path):
    for src in generated:
        export_and_compare(src, tmp_path)


def test_bodies_on_request(generated, corpus, tmp_path):
    for src in [generated[0], generated[1], corpus / "real" / "mitmproxy_websocket.har",
                corpus / "real" / "chrome_all-status-codes-and-methods-2022.har"]:
        out = tmp_path / "b.parquet"
        run_harx("export", src, "-o", out, "--bodies", "--no-sanitize", "-q")
        compare_rows(parquet_rows(out), oracle.rows(src, source_file=str(src), bodies=True), src.name)
    # sanitized by default: the planted body secrets of the generator are gone, the rest stays
    out = tmp_path / "s.parquet"
    run_harx("export", generated[0], "-o", out, "--bodies", "-q")
    got = parquet_rows(out)
    want = oracle.rows(generated[0], source_file=str(generated[0]), bodies=True)
    assert len(got) == len(want)
    changed = 0
    for g, w in zip(got, want):
        for col in ("request_body", "response_body"):
            if g[col] != w[col]:
                changed += 1
                assert w[col] is not None and "[REDACTED" in (g[col] if g.get("response_body_encoding") != "base64" or col == "request_body"
                                                              else base64.b64decode(g[col]).decode()), col
    assert changed > 0
    assert pq.ParquetFile(out).metadata.metadata[b"harx.sanitized"] == b"true"


def test_ndjson_and_csv_carry_the_same_rows(generated, tmp_path):
    src = generated[0]
    want = oracle.rows(src, source_file=str(src))
    nd = tmp_path / "o.ndjson"
    run_harx("export", src, "-o", nd, "--no-sanitize", "-q")
    got = [json.loads(line) for line in nd.read_text().splitlines()]
    from datetime import datetime
    for g in got:
        if g["started_at"] is not None:
            d = datetime.fromisoformat(g["started_at"].replace("Z", "+00:00"))
            g["started_at"] = int(d.timestamp()) * 1_000_000 + d.microsecond
    compare_rows(got, want, "ndjson")
    csvp = tmp_path / "o.csv"
    run_harx("export", src, "-o", csvp, "--format", "csv", "--no-sanitize", "-q")
    con = duckdb.connect()
    n, waits = con.execute(
        f"select count(*), sum(wait_ms) from read_csv('{csvp}', header=true, all_varchar=false)").fetchone()
    assert n == len(want)
    assert waits == pytest.approx(sum(r["wait_ms"] or 0 for r in want), rel=1e-12)
    import csv
    with open(csvp, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [json.loads(r["request_headers"]) for r in rows] == [norm(w["request_headers"]) for w in want]


def test_corpus_rows_equal_json_oracle(corpus, tmp_path):
    files = sorted(p for p in (corpus / "real").iterdir() if p.is_file() and p.suffix != ".md")
    assert len(files) >= 45
    for src in files:
        export_and_compare(src, tmp_path, oracle_src=decompressed(src, tmp_path))


def test_duckdb_agrees_on_counts_and_timing_sums(generated, corpus, tmp_path):
    files = list(generated) + sorted(p for p in (corpus / "real").iterdir()
                                     if p.is_file() and p.suffix != ".md")
    out = tmp_path / "all.parquet"
    run_harx("export", *files, "-o", out, "-q")
    want = []
    for f in files:
        want += oracle.rows(decompressed(f, tmp_path), source_file=str(f))
    con = duckdb.connect()
    cols = ", ".join(f"sum({c})" for c in TIMING_COLS)
    got = con.execute(f"select count(*), {cols} from read_parquet('{out}')").fetchone()
    assert got[0] == len(want)
    for c, g in zip(TIMING_COLS, got[1:]):
        w = math.fsum(r[c] for r in want if r[c] is not None)
        assert g == pytest.approx(w, rel=1e-9, abs=1e-6), c
    per_file = dict(con.execute(
        f"select source_file, count(*) from read_parquet('{out}') group by all").fetchall())
    for f in files:
        n = sum(1 for r in want if r["source_file"] == str(f))
        assert per_file.get(str(f), 0) == n, f.name


def test_parquet_layout_and_metadata(generated, tmp_path):
    out = tmp_path / "m.parquet"
    run_harx("export", generated[0], generated[1], "-o", out, "-q", "--sha256")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    md = pq.ParquetFile(out).metadata
    kv = {k.decode(): v.decode() for k, v in md.metadata.items()}
    assert kv["harx.schema_version"] == "1"
    import hashlib
    want = ",".join(hashlib.sha256(open(p, "rb").read()).hexdigest() for p in generated[:2])
    assert kv["harx.source_sha256"] == want
    rg = md.row_group(0)
    cols = {rg.column(i).path_in_schema: rg.column(i) for i in range(rg.num_columns)}
    assert cols["url"].compression == "ZSTD"
    assert "RLE_DICTIONARY" in cols["method"].encodings
    assert "RLE_DICTIONARY" not in cols["url"].encodings
    assert cols["started_at"].statistics.has_min_max
    assert rg.sorting_columns[0].column_index == md.schema.names.index("started_at") \
        if hasattr(rg, "sorting_columns") and rg.sorting_columns else True
    # rows sorted by started_at within each row group
    t = pq.read_table(out)
    ts = [x for x in t.column("started_at").to_pylist() if x is not None]
    con = duckdb.connect()
    (unsorted,) = con.execute(
        f"select count(*) from (select started_at, lag(started_at) over (order by file_row_number) p "
        f"from read_parquet('{out}', file_row_number=true)) where started_at < p").fetchone()
    assert unsorted == 0 and len(ts) == 800


def test_sanitized_by_default(generated, tmp_path):
    src = generated[0]
    out = tmp_path / "s.parquet"
    run_harx("export", src, "-o", out, "-q")
    doc = oracle.load(src)
    secrets = set()
    for e in doc["log"]["entries"]:
        for h in e["request"]["headers"]:
            n = h["name"].lower()
            if n == "authorization":
                secrets.add(h["value"].split(" ", 1)[1])
            if n == "cookie":
                secrets.update(p.split("=", 1)[1] for p in h["value"].split("; "))
        for h in e["response"]["headers"]:
            if h["name"].lower() == "set-cookie":
                secrets.add(h["value"].split(";")[0].split("=", 1)[1])
        m = re.search(r"access_token=([0-9a-f]+)", e["request"]["url"])
        if m:
            secrets.add(m.group(1))
    secrets = {s for s in secrets if len(s) >= 8}
    assert len(secrets) > 50
    blob = out.read_bytes()
    nd = tmp_path / "s.ndjson"
    run_harx("export", src, "-o", nd, "-q")
    text = nd.read_text()
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secrets reached the NDJSON"
    rows = [json.loads(line) for line in text.splitlines()]
    auth = [h["value"] for r in rows for h in r["request_headers"] if h["name"] == "authorization"]
    assert auth and all(v == "Bearer [REDACTED]" for v in auth)
    want = {r["entry_index"]: r["tracking_id"] for r in oracle.rows(src)}
    assert sum(1 for r in rows if r["tracking_id"]) > 100
    assert all(r["tracking_id"] == want[r["entry_index"]] for r in rows), "tracking IDs must survive"
    con = duckdb.connect()
    (n,) = con.execute(f"select count(*) from read_parquet('{out}') where url like '%access_token=%' "
                       f"and url not like '%access_token=[REDACTED]%'").fetchone()
    assert n == 0
    assert pq.ParquetFile(out).metadata.metadata[b"harx.sanitized"] == b"true"
    del blob


def entry_ends(path):
    """Byte offsets just past each entry of a compact or pretty HAR, found with json."""
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")
    dec = json.JSONDecoder()
    i = text.index('"entries"')
    i = text.index("[", i) + 1
    ends = []
    while True:
        while text[i] in " \n\r\t,":
            i += 1
        if text[i] == "]":
            break
        _, j = dec.raw_decode(text, i)
        ends.append(len(text[:j].encode("utf-8")))
        i = j
    return raw, ends


def test_truncated_file_exports_every_complete_entry(generated, tmp_path):
    raw, ends = entry_ends(generated[1])
    for cut in [ends[0] - 5, ends[10] + 1, ends[200] - 1000, ends[-1] - 1, len(raw) - 10, len(raw) - 1]:
        p = tmp_path / "cut.har"
        p.write_bytes(raw[:cut])
        out = tmp_path / "cut.parquet"
        proc = run_harx("export", p, "-o", out, check=False)
        complete = sum(1 for e in ends if e <= cut)
        n = pq.read_metadata(out).num_rows
        assert n == complete, (cut, n, complete)
        if cut < ends[-1]:
            assert proc.returncode == 3, proc.stderr
            assert "truncated" in proc.stderr
        else:
            try:
                json.loads(raw[:cut])
                whole = True
            except json.JSONDecodeError:
                whole = False
            # cut after the entries: every row is there, but what followed them is lost
            # and the input is incomplete (exit 3) unless only trailing whitespace went
            assert proc.returncode == (0 if whole else 3), proc.stderr
            if not whole:
                assert "truncated after log.entries" in proc.stderr


def test_bad_entry_is_skipped_and_located(generated, tmp_path):
    raw, ends = entry_ends(generated[1])
    # break entry 5: a bare word where a value should be
    start = raw.index(b'"time":', ends[4])
    bad = raw[:start] + b'"time":nope' + raw[start + len(b'"time":'):]
    p = tmp_path / "bad.har"
    p.write_bytes(bad)
    out = tmp_path / "bad.parquet"
    proc = run_harx("export", p, "-o", out, check=False)
    assert proc.returncode == 3
    assert pq.read_metadata(out).num_rows == len(ends) - 1
    m = re.search(r"bad\.har: entry (\d+) at byte (\d+) \(line (\d+), column (\d+)\)", proc.stderr)
    assert m, proc.stderr
    assert int(m.group(1)) == 5
    off = int(m.group(2))
    assert ends[4] < off < ends[5]
    line = bad[:off].count(b"\n") + 1
    assert int(m.group(3)) == line
    proc = run_harx("export", p, "-o", tmp_path / "f.parquet", "--on-error", "fail", check=False)
    assert proc.returncode == 1 and "entry 5" in proc.stderr
    assert not (tmp_path / "f.parquet").exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".harx-tmp")]


BROKEN = {
    "firebug_jsonp-wrapped.harp": (0, None),  # JSONP wrapper skipped, as HAR Viewer does
    "haralyzer_bare-entry-no-log.har": (1, "no `log` object"),
    "haralyzer_entries-missing-required.har": (0, None),
    "harviewer_not-json.har": (1, "invalid JSON"),
    "harviewer_not-valid-no-entries-key.har": (1, "no `entries` array"),
    "k6_request-only-dialect.har": (0, None),
    "mitmproxy_brokenfile.har": (1, "`log` is not an object"),
}


def test_broken_corpus_outcomes(corpus, tmp_path):
    files = sorted((corpus / "real" / "broken").iterdir())
    assert {f.name for f in files} == set(BROKEN)
    for f in files:
        code, msg = BROKEN[f.name]
        out = tmp_path / (f.name + ".parquet")
        proc = run_harx("export", f, "-o", out, check=False)
        assert proc.returncode == code, (f.name, proc.stderr)
        if code == 0:
            assert pq.read_metadata(out).num_rows == len(oracle.rows(f))
        else:
            assert msg in proc.stderr and f.name in proc.stderr and "byte" in proc.stderr
            assert not out.exists()


def test_stdin_and_bom(corpus, tmp_path):
    src = corpus / "real" / "chrome_with-bom.har"
    out = tmp_path / "stdin.parquet"
    with open(src, "rb") as f:
        run_harx("export", "-", "-o", out, "-q", stdin=f)
    assert pq.read_metadata(out).num_rows == len(oracle.rows(src))


def test_non_object_entries_are_skipped_and_positions_kept(tmp_path):
    doc = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "pages": [],
                   "entries": [None, {"request": {"method": "GET", "url": "https://a/x"}, "response": {"status": 200}},
                               42, "text, with comma", {"request": {"method": "POST", "url": "https://b/y"},
                                                        "response": {"status": 500}}, []]}}
    src = tmp_path / "scalars.har"
    src.write_text(json.dumps(doc, indent=1))
    out = tmp_path / "scalars.parquet"
    proc = run_harx("export", src, "-o", out, "--no-sanitize", check=False)
    assert proc.returncode == 3, proc.stderr
    got = parquet_rows(out)
    compare_rows(got, oracle.rows(src, source_file=str(src)), "scalars")
    assert sorted(r["entry_index"] for r in got) == [1, 4]
    skipped = sorted(int(m) for m in re.findall(r"entry (\d+) at byte", proc.stderr))
    assert skipped == [0, 2, 3, 5], proc.stderr


def test_rows_are_sorted_by_started_at_when_the_input_is_not(tmp_path):
    entries = []
    for i, ts in enumerate(["2024-01-01T00:00:05Z", "2024-01-01T00:00:01Z", "", "2024-01-01T01:00:03+01:00",
                            "2024-01-01T00:00:02.5Z"]):
        entries.append({"startedDateTime": ts, "request": {"method": "GET", "url": f"https://h/{i}"},
                        "response": {"status": 200}, "timings": {"wait": i}})
    src = tmp_path / "unsorted.har"
    src.write_text(json.dumps({"log": {"creator": {"name": "t"}, "pages": [], "entries": entries}}))
    out = tmp_path / "unsorted.parquet"
    run_harx("export", src, "-o", out, "-q")
    t = pq.read_table(out)
    assert t.column("entry_index").to_pylist() == [1, 4, 3, 0, 2]  # by UTC instant, nulls last
    kv = pq.ParquetFile(out).metadata.metadata
    assert kv[b"harx.sorted"] == b"file"
    compare_rows(parquet_rows(out), oracle.rows(src, source_file=str(src)), "unsorted")


def test_concatenated_hars_are_read_one_after_the_other(corpus, tmp_path):
    a = corpus / "real" / "firefox111_mitmproxy-org-2023.har"
    b = corpus / "real" / "chrome_mitmproxy-org-2023.har"
    c = corpus / "real" / "playwright1.23_redirect.har"
    both = tmp_path / "three.har"
    both.write_bytes(a.read_bytes() + b"\n" + b.read_bytes() + b"\n,\n" + c.read_bytes())
    out = tmp_path / "three.parquet"
    run_harx("export", both, "-o", out, "-q")
    # Row groups are sorted by started_at; entry_index keeps the file order.
    rows = sorted(pq.read_table(out).to_pylist(), key=lambda r: r["entry_index"])
    ra, rb, rc = oracle.rows(a), oracle.rows(b), oracle.rows(c)
    assert len(rows) == len(ra) + len(rb) + len(rc)
    assert [r["entry_index"] for r in rows] == list(range(len(rows)))
    assert [r["url"] for r in rows] == [r["url"] for r in ra + rb + rc]
    assert {r["producer"] for r in rows[len(ra):len(ra) + len(rb)]} == {rb[0]["producer"]}
    # A second document cut short still yields its complete entries.
    cut = tmp_path / "cut.har"
    data = both.read_bytes()
    cut.write_bytes(data[: len(a.read_bytes()) + 1 + len(b.read_bytes()) // 2])
    p = run_harx("export", cut, "-o", tmp_path / "cut.parquet", check=False)
    assert p.returncode == 3 and "truncated" in p.stderr
    n = pq.read_metadata(tmp_path / "cut.parquet").num_rows
    assert len(ra) < n < len(ra) + len(rb)
