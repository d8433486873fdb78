#!/usr/bin/env python3
"""Regenerates the report screenshots in docs/ (headless Chromium, see tests/python/browser.py):
the bundled example's HAR report with the waterfall and a hovered row, and a fleet report
of a small dataset built from the example and the test fixtures.

    cargo build && python3 scripts/report_screenshots.py
"""
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from browser import Browser  # noqa: E402

HARX = str(ROOT / "target" / "debug" / "harx")


def harx(*args, cwd=None):
    subprocess.run([HARX, *map(str, args)], check=True, cwd=cwd)


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    harx("report", "examples/webex-calling.har", "-o", tmp / "r.html", cwd=ROOT)
    b = Browser(width=1400, height=1100)
    try:
        b.open(tmp / "r.html")
        b.eval("window.scrollTo(0, document.querySelector('section[aria-label=Waterfall]').offsetTop - 420)")
        r = b.eval("(() => { const r = document.querySelector('#wf canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
        b.call("Input.dispatchMouseEvent", session=True, type="mouseMoved", x=r[0] + 700, y=r[1] + 24 + 20 * 3 + 10)
        b.screenshot(ROOT / "docs" / "report-har.png")
        ds = tmp / "ds" / "entries"
        for tenant, files in {"acme": ["examples/webex-calling.har"],
                              "globex": ["tests/fixtures/troubleshoot-a.har", "tests/fixtures/troubleshoot-b.har"]}.items():
            (ds / f"tenant={tenant}").mkdir(parents=True)
            for i, f in enumerate(files):
                harx("export", f, "-o", ds / f"tenant={tenant}" / f"part-{i}.parquet", "-q", cwd=ROOT)
        harx("report", "--dataset", "ds", "-o", "fleet.html", cwd=tmp)
        b.open(tmp / "fleet.html")
        b.screenshot(ROOT / "docs" / "report-fleet.png")
    finally:
        b.close()
print("wrote docs/report-har.png and docs/report-fleet.png")
