"""harx report rendered in headless Chromium (Debian package): no JS errors, no network
request, one waterfall bar per entry, the right failures; screenshots under
target/report-screenshots/. Counts come from independent oracles (Python's json module,
DuckDB)."""

import json
import os
import stat

import duckdb
import pytest

import oracle
from browser import Browser
from conftest import ROOT, run_harx

SHOTS = ROOT / "target" / "report-screenshots"
FIX = ROOT / "tests" / "fixtures"
SECRETS = ["eyJzdWIi", "c2lnbmF0dXJl", "s3cr3t"]


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    b = Browser()
    yield b
    b.close()


def open_report(b, path):
    b.open(path)
    assert b.eval("window.__harx && window.__harx.ready") is True
    return b


def assert_clean(b, path):
    assert b.js_errors() == [], b.js_errors()
    assert b.eval("window.__harx.errors") == []
    # the page's own load is the only request; nothing else was even attempted
    assert b.requests() == [f"file://{os.path.abspath(path)}"], b.requests()


def scroll_all(b):
    """Scrolls the virtualized waterfall from top to bottom, a screen at a time."""
    return b.eval("""(() => { const T = window.__harx; T.drawn.clear();
        const n = T.viewLength(), step = T.rowsPerScreen();
        for (let k = 0; k < n + step; k += step) T.scrollWaterfallTo(k);
        T.scrollWaterfallTo(0); return T.drawn.size; })()""")


def failed_groups(rows):
    return {(r["status"], r["method"], r["host"] or "", r["path"] or "") for r in rows
            if r["status_class"] in ("4xx", "5xx", "no_response")}


def test_corpus_har_report(browser, corpus, tmp_path):
    har = corpus / "real" / "chrome-har_304-503-multipage.har"
    out = tmp_path / "report.html"
    run_harx("report", har, "-o", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = oracle.rows(har)
    failed = [r for r in rows if r["status_class"] in ("4xx", "5xx", "no_response")]
    assert len(rows) > 200 and failed
    b = open_report(browser, out)
    assert b.eval("window.__harx.entries") == len(rows)
    assert b.eval("document.getElementById('failed-count').textContent.replace(/,/g, '')") == str(len(failed))
    assert b.eval("document.querySelectorAll('#failures tbody tr').length") == len(failed_groups(rows))
    assert b.eval("window.__harx.failuresShown") == len(failed)
    assert scroll_all(b) == len(rows)
    b.screenshot(SHOTS / "corpus-light.png")
    # hover a waterfall row: the tooltip shows that entry's URL and phases
    box = b.eval("(() => { const r = document.querySelector('#wf canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
    b.eval("document.getElementById('wf').scrollIntoView()")
    box = b.eval("(() => { const r = document.querySelector('#wf canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
    b.call("Input.dispatchMouseEvent", session=True, type="mouseMoved", x=box[0] + 300, y=box[1] + 24 + 10)
    tip = b.eval("document.getElementById('tip').innerText")
    first = sorted(rows, key=lambda r: (r["started_at"], r["entry_index"]))[0]
    assert first["url"].split("?")[0] in tip and "wait" in tip
    b.call("Input.dispatchMouseEvent", session=True, type="mousePressed", x=box[0] + 300, y=box[1] + 34, button="left", clickCount=1)
    b.call("Input.dispatchMouseEvent", session=True, type="mouseReleased", x=box[0] + 300, y=box[1] + 34, button="left", clickCount=1)
    details = b.eval("document.getElementById('details').innerText")
    assert "Request headers" in details and "Response headers" in details
    # text filter: only the 503s
    b.eval("(() => { const s = document.querySelector('input[type=search]'); s.value = '503'; s.dispatchEvent(new Event('input')); })()")
    n503 = sum(1 for r in rows if r["status"] == 503 or "503" in (r["url"] or ""))
    assert b.eval("window.__harx.viewLength()") == n503
    assert_clean(b, out)
    dark = Browser(dark=True)
    try:
        open_report(dark, out)
        dark.screenshot(SHOTS / "corpus-dark.png")
        assert_clean(dark, out)
    finally:
        dark.close()


def test_fixture_report_has_no_secrets(browser, tmp_path):
    out = tmp_path / "b.html"
    run_harx("report", FIX / "troubleshoot-b.har", "-o", out)
    html = out.read_text()
    for s in SECRETS:
        assert s not in html
    b = open_report(browser, out)
    assert b.eval("window.__harx.entries") == 9
    assert b.eval("document.getElementById('failed-count').textContent") == "5"
    assert scroll_all(b) == 9
    assert_clean(b, out)


def test_50k_entry_report(browser, tmp_path):
    har = tmp_path / "big.har"
    run_harx("gen", "-o", har, "--entries", "50000", "--bodies", "none", "--seed", "7")
    out = tmp_path / "big.html"
    run_harx("report", har, "-o", out)
    rows = oracle.rows(har)
    failed = [r for r in rows if r["status_class"] in ("4xx", "5xx", "no_response")]
    b = open_report(browser, out)
    assert b.eval("window.__harx.entries") == 50000 == len(rows)
    assert b.eval("document.getElementById('failed-count').textContent.replace(/,/g, '')") == str(len(failed))
    assert scroll_all(b) == 50000
    b.eval("document.getElementById('wf').scrollIntoView()")
    b.eval("window.__harx.scrollWaterfallTo(25000)")
    b.screenshot(SHOTS / "generated-50k.png")
    assert_clean(b, out)


def test_dataset_report(browser, tmp_path, corpus):
    ds = tmp_path / "ds" / "entries"
    parts = {"acme": [FIX / "troubleshoot-a.har", FIX / "troubleshoot-b.har"],
             "globex": [corpus / "real" / "chrome_all-status-codes-and-methods-2022.har",
                        corpus / "real" / "chrome-har_304-503-multipage.har"]}
    for tenant, files in parts.items():
        d = ds / f"tenant={tenant}"
        d.mkdir(parents=True)
        for i, f in enumerate(files):
            run_harx("export", f, "-o", d / f"part-{i}.parquet", "-q")
    out = tmp_path / "fleet.html"
    run_harx("report", "--dataset", tmp_path / "ds", "-o", out)
    con = duckdb.connect()
    total, fails, days = con.execute(f"""select count(*), count(*) filter (where status_class in ('4xx','5xx','no_response')),
        count(distinct (tenant, cast(started_at at time zone 'UTC' as date)))
        from read_parquet('{tmp_path}/ds/**/*.parquet', hive_partitioning = true)""").fetchone()
    b = open_report(browser, out)
    assert b.eval("window.__harx.entries") == total
    assert b.eval("document.getElementById('failed-count').textContent.replace(/,/g, '')") == str(fails)
    assert b.eval("document.querySelectorAll('#failures tbody tr').length") == days
    # four line charts (p50, p90, p99, failure rate), one line per tenant each
    assert b.eval("document.querySelectorAll('.grid svg path').length") == 4 * len(parts)
    legend = b.eval("Array.from(document.querySelectorAll('.grid .legend span')).map(s => s.textContent)")
    assert sorted(set(legend)) == sorted(parts)
    b.screenshot(SHOTS / "dataset.png", full=True)
    assert_clean(b, out)


def test_report_refuses_nothing_to_do(tmp_path):
    p = run_harx("report", "-o", tmp_path / "x.html", check=False)
    assert p.returncode == 2
    p = run_harx("report", "--dataset", tmp_path, "-o", tmp_path / "x.html", check=False)
    assert p.returncode == 1 and "no Parquet files" in p.stderr
    assert not (tmp_path / "x.html").exists()
