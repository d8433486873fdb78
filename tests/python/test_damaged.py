"""No data lost to one damaged entry: real corpus files with one entry broken the way a
hand edit breaks it (a stray quote, an extra `{`, an extra `}`), at the first, a middle and
the last but one and the last position. Python's json module finds every entry and where it stands in
the original; harx must export every other entry, each with its own index and URL, name
the damaged one, and exit 3 (incomplete)."""

import json

import pytest

from conftest import run_harx

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
