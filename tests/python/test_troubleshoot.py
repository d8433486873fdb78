"""harx summary, find, diff and stats: hand-written fixtures with known answers, JSON
shape snapshots, every corpus file, and stats checked against DuckDB's quantile_cont."""

import json
import os
import pathlib
import re

import duckdb
import pytest

import oracle
from conftest import ROOT, run_harx

FIX = ROOT / "tests" / "fixtures"
A = FIX / "troubleshoot-a.har"
B = FIX / "troubleshoot-b.har"
SECRETS = ["eyJzdWIi", "c2lnbmF0dXJl", "s3cr3t"]


def harx_json(*args, **kw):
    return json.loads(run_harx(*args, **kw).stdout)


# Snapshots name inputs by paths relative to the repository, so they hold in any clone.
REL_A = "tests/fixtures/troubleshoot-a.har"
REL_B = "tests/fixtures/troubleshoot-b.har"


def quantile_cont(values, q):
    """Linear interpolation between closest ranks, written independently of harx."""
    v = sorted(values)
    if not v:
        return None
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def ttfb_included(row):
    """The documented TTFB rule, restated from docs/troubleshooting.md."""
    rt = (row["resource_type"] or "").lower()
    mime = (row["mime_type"] or "").lower()
    url = row["url"] or ""
    return not (row["from_cache"] or row["status"] is None
                or (row["method"] or "").upper() == "CONNECT"
                or row["status"] == 101 or rt == "websocket" or url.startswith(("ws://", "wss://"))
                or mime.startswith("text/event-stream") or rt == "eventsource") \
        and row["wait_ms"] is not None


def check_snapshot(name, got):
    path = FIX / name
    text = json.dumps(got, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("HARX_UPDATE_SNAPSHOTS"):
        path.write_text(text)
    want = json.loads(path.read_text())
    assert got == want, f"{name} differs from the snapshot (HARX_UPDATE_SNAPSHOTS=1 rewrites it)"


def test_summary_known_answers():
    s = harx_json("summary", B, "--format", "json")
    assert s["schema"] == "harx.summary/1"
    assert s["entries"] == 9 and s["pages"] == 1
    assert s["files"][0]["producer"] == "WebInspector 537.36"
    assert s["status_classes"] == {"2xx": 4, "4xx": 2, "5xx": 1, "no_response": 2}
    assert s["first_request_at"] == "2026-03-03T09:00:00.000Z"
    # the last request starts at 06.500 and lasts 3 ms
    assert s["last_request_end_at"] == "2026-03-03T09:00:06.503Z"
    fails = [(f["status"], f["method"], f["host"], f["path"], f["tracking_ids"], f["errors"])
             for f in s["failures"]]
    assert fails == [
        (403, "OPTIONS", "api.example.com", "/v1/orgs/abc", ["WEBEX_B_2"], []),
        (500, "GET", "api.example.com", "/v1/orgs/0a1b2c3d-0000-4c2e-9f00-ffffffffffff/licenses", ["WEBEX_B_3"], []),
        (401, "GET", "api.example.com", "/v1/calls", ["WEBEX_B_4"], []),
        (None, "GET", "metrics.example.com", "/collect", [], ["net::ERR_NAME_NOT_RESOLVED"]),
        (None, "GET", "api.example.com", "/v1/blocked", [], ["CORS request did not succeed"]),
    ]
    assert s["failures"][1]["first_at"] == "2026-03-03T09:00:02.000Z"
    auth = [(a["kind"], a["status"], a["challenge"], a["had_credentials"], a["path"]) for a in s["auth_problems"]]
    assert auth == [("forbidden", 403, None, False, "/v1/orgs/abc"),
                    ("unauthorized", 401, "Bearer", True, "/v1/calls")]
    cors = [(c["kind"], c["path"], c["allow_origin"]) for c in s["cors_problems"]]
    assert cors == [("preflight_failed", "/v1/orgs/abc", None),
                    ("missing_allow_origin", "/v1/presence", None),
                    ("allow_origin_mismatch", "/v1/settings", "https://other.example.com"),
                    ("blocked_by_browser", "/v1/blocked", None)]
    slow = [(r["entry"]["index"], r["total_ms"], r["dominant_phase"]) for r in s["slowest"][:3]]
    assert slow == [(3, 2506.0, "wait"), (6, 305.0, "dns"), (0, 180.0, "wait")]
    # Chrome nests TLS in connect: 40 ms connect with 25 ms TLS is 15 ms of TCP.
    hub = s["slowest"][2]["phases"]
    assert (hub["connect"], hub["ssl"]) == (15.0, 25.0)
    assert s["ttfb"]["excluded"] == {"no_response": 2}


@pytest.mark.parametrize("har", [A, B])
def test_summary_ttfb_percentiles_match_oracle(har):
    s = harx_json("summary", har, "--format", "json")
    rows = [r for r in oracle.rows(har) if ttfb_included(r)]
    assert s["ttfb"]["included"] == len(rows)
    groups = {}
    for r in rows:
        groups.setdefault(r["host"], []).append(r["wait_ms"])
    got = {p["key"]: p for p in s["ttfb"]["by_host"]}
    assert set(got) == set(groups)
    for host, waits in groups.items():
        for q, name in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")]:
            assert got[host][name] == pytest.approx(round(quantile_cont(waits, q), 1), abs=0.051), (host, name)
        assert got[host]["count"] == len(waits)


def test_summary_ttfb_exclusions_in_a():
    s = harx_json("summary", A, "--format", "json")
    # a disk-cache hit and a WebSocket are left out, and said so
    assert s["ttfb"]["excluded"] == {"cache": 1, "websocket": 1}
    assert s["failures"] == [] and s["cors_problems"] == [] and s["auth_problems"] == []


def test_summary_snapshot():
    check_snapshot("summary-b.json", harx_json("summary", REL_B, "--format", "json", cwd=ROOT))


def test_summary_markdown_brief():
    md = run_harx("summary", B, "--format", "markdown").stdout
    assert md.startswith("## HAR analysis")
    assert "| First seen (UTC) | Status | Count | Request | Tracking IDs | Error |" in md
    assert "| 2026-03-03T09:00:02.000Z | 500 | 1 | `GET api.example.com/v1/orgs/0a1b2c3d-0000-4c2e-9f00-ffffffffffff/licenses` | WEBEX_B_3 |  |" in md
    assert "wait (100%)" in md
    assert "**preflight failed**" in md


def test_summary_text_has_no_escape_codes_when_piped():
    out = run_harx("summary", B).stdout
    assert "\x1b[" not in out
    assert "Failures (5 groups)" in out and "WEBEX_B_3" in out


def test_no_secret_reaches_any_view():
    outs = [
        run_harx("summary", B, "--format", "json").stdout,
        run_harx("summary", B, "--format", "markdown").stdout,
        run_harx("find", B, "--format", "ndjson").stdout,
        run_harx("diff", A, B, "--format", "json").stdout,
        run_harx("diff", A, B).stdout,
    ]
    for out in outs:
        for s in SECRETS:
            assert s not in out


def test_diff_known_answers():
    d = harx_json("diff", A, B, "--format", "json")
    assert d["schema"] == "harx.diff/1"
    assert (d["a_entries"], d["b_entries"], d["matched"]) == (6, 9, 4)
    changes = [(c["request"], c["a"], c["b"], c["b_tracking_id"]) for c in d["status_changes"]]
    assert changes == [
        ("OPTIONS https://api.example.com/v1/orgs/abc", 204, 403, "WEBEX_B_2"),
        ("GET https://api.example.com/v1/orgs/{uuid}/licenses", 200, 500, "WEBEX_B_3"),
    ]
    assert [x["request"] for x in d["only_in_a"]] == [
        "GET https://cdn.example.com/app.js", "GET wss://mercury.example.com/v1/apps/wx2/registrations"]
    assert [x["request"] for x in d["only_in_b"]] == [
        "GET https://api.example.com/v1/calls", "GET https://api.example.com/v1/presence",
        "GET https://metrics.example.com/collect", "GET https://api.example.com/v1/settings",
        "GET https://api.example.com/v1/blocked"]
    reg = d["regressions"]
    assert [(r["request"], r["a_ms"], r["b_ms"], r["phase"]) for r in reg] == [
        ("GET https://api.example.com/v1/orgs/{uuid}/licenses", 54.0, 2506.0, "wait")]
    features = d["body_diffs"][0]
    assert features["request"] == "GET https://api.example.com/v1/users/{n}/features"
    got = {(c["path"], c["kind"], c["a"], c["b"]) for c in features["changes"]}
    assert ("$.access", "changed", '"Full"', '"No Access"') in got
    assert ("$.session_token", "changed", "\"[REDACTED]\"", "\"[REDACTED]\"") in got
    assert ("$.limits[1]", "only_in_a", "2", None) in got


def test_diff_without_bodies():
    d = harx_json("diff", A, B, "--format", "json", "--no-bodies")
    assert d["bodies_compared"] is False and d["body_diffs"] == []
    assert len(d["status_changes"]) == 2


def test_diff_snapshot():
    check_snapshot("diff-a-b.json", harx_json("diff", REL_A, REL_B, "--format", "json", cwd=ROOT))


def find_indexes(*args):
    out = run_harx("find", B, "--format", "ndjson", *args).stdout
    return [json.loads(line)["entry_index"] for line in out.splitlines()]


def test_find_filters_match_oracle():
    rows = oracle.rows(B)
    failed = [r["entry_index"] for r in rows if r["status_class"] in ("4xx", "5xx", "no_response")]
    assert find_indexes("--status", "failed") == failed
    assert find_indexes("--status", "4xx") == [r["entry_index"] for r in rows if r["status_class"] == "4xx"]
    assert find_indexes("--status", "500,401") == [3, 4]
    assert find_indexes("--status", "no_response") == [6, 8]
    rx = re.compile(r"/v1/(calls|presence)$")
    assert find_indexes("--url", rx.pattern) == [r["entry_index"] for r in rows if rx.search(r["url"])]
    assert find_indexes("--phase", "wait>100ms") == [r["entry_index"] for r in rows
                                                     if r["wait_ms"] is not None and r["wait_ms"] > 100]
    assert find_indexes("--slower-than", "0.3s") == [r["entry_index"] for r in rows
                                                     if r["total_ms"] is not None and r["total_ms"] > 300]
    assert find_indexes("--tracking-id", "webex_b_3") == [3]
    assert find_indexes("--status", "failed", "--phase", "dns>=300") == [6]
    assert find_indexes("--limit", "2") == [0, 1]


def test_find_limit_stops_reading(tmp_path):
    """`find --limit` ends the run once it has its matches: a damaged entry 20 MB further
    on (past the first window) is never reached, so no warning and exit 0; without the
    limit the same file warns and exits 3."""
    pad = "x" * 10_000
    good = ('{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET",'
            '"url":"https://a.example/%d","headers":[],"comment":"%s"},"response":{"status":200,'
            '"headers":[],"content":{"size":0}},"timings":{"wait":1,"receive":0}}')
    entries = [good % (i, pad) for i in range(2000)]
    entries.append(good.replace('"url":"', '"url":"bro"ken"') % (2000, pad))
    entries.append(good % (2001, pad))
    har = tmp_path / "long.har"
    har.write_text('{"log":{"version":"1.2","entries":[%s]}}' % ",".join(entries))
    p = run_harx("find", har, "--limit", "1", "--format", "ndjson", check=False)
    assert p.returncode == 0, p.stderr
    assert [json.loads(l)["entry_index"] for l in p.stdout.splitlines()] == [0]
    assert "skipped" not in p.stderr, p.stderr
    p = run_harx("find", har, "--format", "ndjson", check=False)
    assert p.returncode == 3, p.stderr
    assert "entry 2000" in p.stderr and len(p.stdout.splitlines()) == 2001


def test_find_rejects_bad_filters():
    for bad in (["--phase", "latency>1s"], ["--slower-than", "soon"], ["--status", "abc"], ["--url", "("]):
        p = run_harx("find", B, *bad, check=False)
        assert p.returncode == 2, bad  # usage errors exit 2
        assert p.stderr.startswith("harx: error:"), p.stderr


def test_stats_agrees_with_duckdb(tmp_path, corpus):
    """A Hive-partitioned dataset of harx Parquet files; stats by tenant, date and host
    against DuckDB's quantile_cont over the same files with the same TTFB rule."""
    inputs = {
        "acme": [A, B, corpus / "real" / "chrome_all-status-codes-and-methods-2022.har"],
        "glo%bex": [corpus / "real" / "firefox111_mitmproxy-org-2023.har",
                    corpus / "real" / "chrome-har_304-503-multipage.har"],
    }
    for tenant, files in inputs.items():
        enc = tenant.replace("%", "%25")
        for i, f in enumerate(files):
            d = tmp_path / "ds" / "entries" / f"tenant={enc}"
            d.mkdir(parents=True, exist_ok=True)
            run_harx("export", f, "-o", d / f"part-{i}.parquet", "-q")
    got = harx_json("stats", tmp_path / "ds", "--by", "tenant,date,host", "--format", "json")
    con = duckdb.connect()
    want = con.execute(f"""
        select tenant, strftime(started_at at time zone 'UTC', '%Y-%m-%d') as date, coalesce(host, '') as host,
               count(*) as count,
               count(*) filter (where status_class in ('4xx','5xx','no_response')) as failures,
               count(wait_ms) filter (where incl) as n,
               quantile_cont(wait_ms, 0.5) filter (where incl) as p50,
               quantile_cont(wait_ms, 0.9) filter (where incl) as p90,
               quantile_cont(wait_ms, 0.99) filter (where incl) as p99
        from (
            select *, not (from_cache or status is null or upper(coalesce(method,'')) = 'CONNECT'
                       or status = 101 or lower(coalesce(resource_type,'')) in ('websocket','eventsource')
                       or coalesce(url,'') like 'ws://%' or coalesce(url,'') like 'wss://%'
                       or lower(coalesce(mime_type,'')) like 'text/event-stream%') as incl
            from read_parquet('{tmp_path}/ds/**/*.parquet', hive_partitioning = true)
        )
        group by all order by all
    """).fetchall()
    assert len(got) == len(want) and len(want) > 5
    tenants = set()
    for g, w in zip(sorted(got, key=lambda g: (g["tenant"], g["date"], g["host"])), want):
        tenants.add(g["tenant"])
        assert (g["tenant"], g["date"], g["host"]) == (w[0], w[1] or "", w[2])
        assert (g["count"], g["failures"], g["n"]) == (w[3], w[4], w[5])
        for k, v in zip(["wait_ms_p50", "wait_ms_p90", "wait_ms_p99"], w[6:]):
            if v is None:
                assert g[k] is None
            else:
                assert g[k] == pytest.approx(v, rel=1e-9, abs=1e-9), (g, k)
    # the percent-encoded partition value is decoded, as DuckDB decodes it
    assert tenants == {"acme", "glo%bex"}


def test_stats_over_hars_and_csv():
    out = run_harx("stats", A, B, "--by", "date", "--format", "csv").stdout.splitlines()
    assert out[0] == "date,count,failures,failure_rate,n,wait_ms_p50,wait_ms_p90,wait_ms_p99"
    assert out[1].startswith("2026-03-02,6,0,0,4,")
    assert out[2].startswith("2026-03-03,9,5,0.5555555555555556,7,90,")
    bad = run_harx("stats", A, "--by", "nope", check=False)
    assert bad.returncode == 2 and "nope" in bad.stderr


def test_every_corpus_file_summarizes(corpus):
    files = sorted(p for p in (corpus / "real").iterdir() if p.is_file() and p.suffix != ".md")
    assert len(files) > 40
    for f in files:
        p = run_harx("summary", f, "--format", "json", check=False)
        assert p.returncode in (0, 3), (f.name, p.stderr)
        s = json.loads(p.stdout)
        assert s["entries"] == sum(s["status_classes"].values()), f.name
        assert s["entries"] == s["files"][0]["entries"], f.name
        md = run_harx("summary", f, "--format", "markdown", check=False)
        assert md.returncode in (0, 3) and md.stdout.startswith("## HAR analysis"), f.name
