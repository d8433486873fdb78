"""No data lost to one damaged entry: real corpus files with one entry broken the way a
hand edit breaks it (a stray quote, an extra `{`, an extra `}`), at the first, a middle and
the last but one and the last position. Python's json module finds every entry and where it stands in
the original; harx must export every other entry, each with its own index and URL, name
the damaged one, and exit 3 (incomplete)."""

import json

import pytest

from conftest import peak_rss, run_harx

FILES = [
    "real/chrome-har_ferguson-h3-2022.har",  # one line
    "real/firefox111_mitmproxy-org-2023.har",  # indented
    "real/chrome_all-status-codes-and-methods-2022.har",
]


def entry_ranges(text):
    """(start, end) of every element of log.entries, found by Python's own decoder."""
    dec = json.JSONDecoder()
    at = text.index("[", text.index('"entries"'))
    out = []
    i = at + 1
    while True:
        while text[i] in " \r\n\t,":
            i += 1
        if text[i] == "]":
            return out
        _, end = dec.raw_decode(text, i)
        out.append((i, end))
        i = end


def damage(text, rng, kind):
    """`text` with the entry in `rng` broken inside its request URL."""
    start, end = rng
    u = text.index('"url"', start, end)
    value = text.index('"', u + 5)  # the opening quote of the URL
    if kind == "quote":
        at, ch = value + 9, '"'
    elif kind == "open":
        at, ch = value, "{"
    else:
        at, ch = value, "}"
    return text[:at] + ch + text[at:]


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("kind", ["quote", "open", "close"])
def test_one_damaged_entry_costs_that_entry_alone(corpus, tmp_path, name, kind):
    src = corpus / name
    text = src.read_text(encoding="utf-8-sig")
    doc = json.loads(text)
    entries = doc["log"]["entries"]
    ranges = entry_ranges(text)
    assert len(ranges) == len(entries)
    for k in sorted({0, len(entries) // 2, len(entries) - 2, len(entries) - 1}):
        bad = tmp_path / f"bad-{k}.har"
        bad.write_text(damage(text, ranges[k], kind), encoding="utf-8")
        with pytest.raises(json.JSONDecodeError):
            json.loads(bad.read_text())
        out = tmp_path / f"bad-{k}.ndjson"
        p = run_harx("export", bad, "-o", out, "--format", "ndjson", "--no-sanitize", check=False)
        assert p.returncode == 3, (k, p.stderr)
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        got = {r["entry_index"]: r for r in rows}
        assert sorted(got) == [i for i in range(len(entries)) if i != k], (k, p.stderr[:500])
        for i, r in got.items():
            assert r["url"] == entries[i]["request"]["url"], (k, i)
            assert r["started_at_raw"] == entries[i]["startedDateTime"], (k, i)
        if k + 1 < len(entries):
            assert f"entry {k} at byte" in p.stderr, p.stderr[:500]
            assert "reading resumed at byte" in p.stderr, p.stderr[:500]
        else:
            # nothing to resume at: the last entry is reported lost (or the input cut)
            assert f"entry {k} at byte" in p.stderr or "truncated" in p.stderr, p.stderr[:500]


def _export(path, tmp_path):
    out = tmp_path / (path.name + ".ndjson")
    p = run_harx("export", path, "-o", out, "--format", "ndjson", "--no-sanitize", check=False)
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return p, rows


def _complete_entries(raw, cut_at):
    """How many entries of `raw` end before byte `cut_at` (Python's decoder)."""
    text = raw.decode("utf-8-sig")
    return sum(1 for _, end in entry_ranges(text) if len(text[:end].encode()) <= cut_at)


@pytest.mark.parametrize("codec", ["gzip", "zlib", "zip-member-gzip"])
def test_a_cut_compressed_stream_yields_every_complete_entry(corpus, tmp_path, codec):
    import gzip
    import zipfile
    import zlib

    raw = (corpus / "real/firefox111_mitmproxy-org-2023.har").read_bytes()
    packed = gzip.compress(raw) if codec != "zlib" else zlib.compress(raw)
    cut = packed[: len(packed) * 2 // 3]
    # what a decoder recovers from the cut stream: the oracle for how many entries hold
    d = zlib.decompressobj(31 if codec != "zlib" else 15)
    held = d.decompress(cut)
    expect = _complete_entries(raw, len(held))
    assert 0 < expect < len(json.loads(raw)["log"]["entries"])
    if codec == "zip-member-gzip":
        path = tmp_path / "case.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("capture.har.gz", cut)
    else:
        path = tmp_path / ("cut.har.gz" if codec == "gzip" else "cut.zhar")
        path.write_bytes(cut)
    p, rows = _export(path, tmp_path)
    assert p.returncode == 3, p.stderr
    assert "ends early" in p.stderr, p.stderr
    assert len(rows) == expect, (len(rows), expect, p.stderr)


def test_a_cut_after_entries_loses_pages_and_says_so(corpus, tmp_path):
    # Firebug writes log.pages after log.entries: a cut there loses every page title
    raw = (corpus / "real/firebug1.12-firefox25_cnn-2015.har").read_bytes()
    text = raw.decode("utf-8-sig")
    cut = text[: text.index('"pages"')]
    path = tmp_path / "cut.har"
    path.write_text(cut)
    p, rows = _export(path, tmp_path)
    assert p.returncode == 3, p.stderr
    assert "truncated after log.entries" in p.stderr, p.stderr
    assert len(rows) == len(json.loads(raw)["log"]["entries"])


def test_a_hostile_member_costs_that_member_alone(corpus, tmp_path):
    import zipfile

    raw = (corpus / "real/firefox111_mitmproxy-org-2023.har").read_bytes()
    n = len(json.loads(raw)["log"]["entries"])
    z = tmp_path / "case.zip"
    with zipfile.ZipFile(z, "w") as a:
        a.writestr("good.har", raw)
        a.writestr("../escape.har", raw)
        a.writestr("/etc/absolute.har", raw)
        a.writestr("C:/windows.har", raw)
        a.writestr("also/good.har", raw)
    p, rows = _export(z, tmp_path)
    assert p.returncode == 3, p.stderr
    assert len(rows) == 2 * n
    assert {r["source_file"] for r in rows} == {f"{z}!good.har", f"{z}!also/good.har"}
    for bad in ["../escape.har", "/etc/absolute.har", "C:/windows.har"]:
        assert f"!{bad}: not read: member name escapes the archive" in p.stderr, p.stderr


def test_ingest_never_reads_its_own_dataset(corpus, tmp_path):
    import duckdb

    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ["firefox111_mitmproxy-org-2023.har", "chrome_mitmproxy-org-2023.har"]:
        (cases / name).write_bytes((corpus / "real" / name).read_bytes())
    lake = cases / "lake"
    for _ in range(2):
        p = run_harx("ingest", cases, "--dataset", lake, check=False)
        assert p.returncode == 0, p.stderr
        assert "ignored" not in p.stderr or " 0 non-HAR" in p.stderr, p.stderr
    files = duckdb.sql(f"select path from read_parquet('{lake}/files/**/*.parquet')").fetchall()
    assert sorted(f[0].rsplit("/", 1)[-1] for f in files) == [
        "chrome_mitmproxy-org-2023.har", "firefox111_mitmproxy-org-2023.har"]


def _rows_of(out):
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_streams_are_read_once(corpus, tmp_path):
    import gzip
    import os
    import subprocess
    import threading

    from conftest import harx_bin

    src = corpus / "real/firefox111_mitmproxy-org-2023.har"
    n = len(json.loads(src.read_bytes())["log"]["entries"])
    raw = src.read_bytes()
    # standard input, plain and gzipped
    for data in (raw, gzip.compress(raw)):
        out = tmp_path / "stdin.ndjson"
        p = subprocess.run([str(harx_bin()), "export", "-", "-o", str(out), "--format", "ndjson"],
                           input=data, capture_output=True)
        assert p.returncode == 0, p.stderr
        assert len(_rows_of(out)) == n
    # a FIFO: opened once, by the reader
    fifo = tmp_path / "fifo.har"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(raw))
    writer.start()
    out = tmp_path / "fifo.ndjson"
    p = run_harx("export", fifo, "-o", out, "--format", "ndjson", check=False, timeout=60)
    writer.join(timeout=10)
    assert p.returncode == 0, p.stderr
    assert len(_rows_of(out)) == n
    # process substitution, through bash, for export and ingest
    out = tmp_path / "ps.ndjson"
    cmd = f'"{harx_bin()}" export <(cat "{src}") -o "{out}" --format ndjson'
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert len(_rows_of(out)) == n
    lake = tmp_path / "lake"
    cmd = f'"{harx_bin()}" ingest <(gzip -c "{src}") --dataset "{lake}"'
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert f"{n} entries" in p.stderr, p.stderr


def test_an_endless_stream_is_refused_at_once(tmp_path):
    p = run_harx("export", "/dev/zero", "-o", tmp_path / "z.ndjson", "--format", "ndjson",
                 check=False, timeout=30)
    assert p.returncode == 1
    assert "/dev/zero: the stream does not start like a HAR" in p.stderr
    assert not list(tmp_path.iterdir())


def test_a_large_pipe_is_read_in_bounded_memory(tmp_path):
    import subprocess

    big = tmp_path / "big.har"
    run_harx("gen", "-o", big, "--size-mb", "300", "--bodies", "base64")
    size_mib = big.stat().st_size / 2**20
    out = tmp_path / "big.parquet"
    cat = subprocess.Popen(["cat", str(big)], stdout=subprocess.PIPE)
    code, peak_mib, err = peak_rss(["export", "-", "-o", out, "--threads", "2"], stdin=cat.stdout)
    cat.stdout.close()
    cat.wait(timeout=60)
    assert code == 0, err
    # 64 MiB spooled in memory at most, then a mapped temporary file released as read
    assert size_mib > 280
    assert peak_mib < 200, (peak_mib, size_mib)


def test_deep_members_and_huge_numbers_keep_the_entry(corpus, tmp_path):
    doc = json.loads((corpus / "real/firefox111_mitmproxy-org-2023.har").read_text())
    entries = doc["log"]["entries"]
    secret = "deepSecretCanary-7f3a9c2e41d8b6"
    deep = {"token": secret}
    for _ in range(300):
        deep = {"n": deep}
    entries[1]["_deep"] = deep
    # and inside a JSON body, under a name no rule knows
    body = {"note": "bodyDeepCanary-5e1b7a93c20f44"}
    for _ in range(300):
        body = [body]
    entries[2]["response"]["content"] = {"size": 1, "mimeType": "application/json",
                                         "text": json.dumps(body)}
    text = json.dumps(doc)
    # a number no f64 holds, written as a producer with arbitrary precision would
    text = text.replace('"time": ', '"time": 1e400, "_t": ', 1)
    src = tmp_path / "odd.har"
    src.write_text(text)
    out = tmp_path / "odd.ndjson"
    p = run_harx("export", src, "-o", out, "--format", "ndjson", "--bodies", check=False)
    assert p.returncode == 0, p.stderr
    assert len(_rows_of(out)) == len(entries)
    assert secret not in out.read_text()
    clean = tmp_path / "clean.har"
    p = run_harx("sanitize", src, "-o", clean, check=False)
    assert p.returncode == 0, p.stderr
    got = json.loads(clean.read_text())
    assert len(got["log"]["entries"]) == len(entries)
    assert secret not in clean.read_text()
    assert "bodyDeepCanary" not in clean.read_text()
    again = tmp_path / "again.har"
    run_harx("sanitize", clean, "-o", again)
    assert again.read_bytes() == clean.read_bytes()
    v = run_harx("sanitize", "--verify", src, check=False)
    assert "nested deeper than 256 levels" in v.stdout + v.stderr


def _peak_mib(args, cwd):
    return peak_rss(args, cwd=cwd)


def test_a_million_tiny_entries_in_bounded_memory(tmp_path):
    import pyarrow.parquet as pq

    n = 1_000_000
    src = tmp_path / "tiny.har"
    src.write_text('{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": ['
                   + ",".join(["{}"] * n) + "]}}")
    bound = 256  # MiB; before the windows were bounded by entries: 0.4 to 2.7 GiB
    rc, mib, err = _peak_mib(["export", src, "-o", tmp_path / "t.parquet"], tmp_path)
    assert rc == 0 and mib < bound, (mib, err)
    assert pq.read_metadata(tmp_path / "t.parquet").num_rows == n
    rc, mib, err = _peak_mib(["validate", src], tmp_path)
    assert rc == 1 and mib < bound, (mib, err)
    rc, mib, err = _peak_mib(["report", src, "-o", tmp_path / "t.html"], tmp_path)
    assert rc == 0 and mib < bound, (mib, err)
    assert "900000 more are counted in the summary only" in err
    rc, mib, err = _peak_mib(["summary", src], tmp_path)
    assert rc == 0 and mib < bound, (mib, err)


def test_a_missing_tmpdir_is_not_blamed_on_the_input(tmp_path):
    import gzip
    import os
    import subprocess

    from conftest import harx_bin

    big = tmp_path / "big.har"
    run_harx("gen", "-o", big, "--size-mb", "100", "--bodies", "base64")
    gz = tmp_path / "big.har.gz"
    gz.write_bytes(gzip.compress(big.read_bytes(), compresslevel=1))
    env = dict(os.environ, TMPDIR=str(tmp_path / "missing"))
    p = subprocess.run([str(harx_bin()), "export", str(gz), "-o", str(tmp_path / "o.parquet")],
                       env=env, capture_output=True, text=True, timeout=120)
    # past 64 MiB the spool needs a temporary file: no partial read passed off as a cut
    assert p.returncode == 1, p.stderr
    assert "cannot create a temporary file in" in p.stderr and "TMPDIR" in p.stderr, p.stderr
    assert not (tmp_path / "o.parquet").exists()
