"""Producer fidelity: every file of the real corpus (17 producer families) read by harx, and
per file the entry count, pages, failures (4xx, 5xx, no response), the `producer` value and
the timing semantics detected (TLS nested in `connect` for Chrome, Safari, WebPageTest and
Charles; apart for Firefox, Playwright and mitmproxy; None when no entry had TLS time).
The expected values are written out here; they were read with Python's json module and
checked against each producer's documented behaviour (har-ecosystem.md §1). Per-row values
and UTC instants of every timestamp style are compared with the oracle in test_export.py."""

import duckdb
import pytest

from conftest import run_harx

# file: (entries, pages, failures, producer, ssl nested in connect)
TABLE = {
    "alta-proxy_binary-json.har": (1, 0, 0, "Alta Proxy 1.0", None),
    "brave_mitmproxy-org-2023.har": (18, 1, 0, "WebInspector 537.36", True),
    "browsertime1-chrome48_spdy-2016.har": (19, 1, 0, "Browsertime 1.0", True),
    "browsertime1-chrome49_diskcache-2016.har": (13, 1, 0, "Browsertime 1.0", None),
    "charles4.2.7-edited_har13.har": (3, 1, 0, "Charles Proxy 4.2.7", None),
    "charles_4.6.3.har": (1, 0, 0, "Charles Proxy 4.6.3", True),
    "chrome-2019_gquic-golang.har": (32, 1, 0, "WebInspector 537.36", True),
    "chrome-har-capturer_cnn-2017.har": (292, 1, 0, "Chrome HAR Capturer 0.10.3", True),
    "chrome-har_304-503-multipage.har": (270, 9, 94, "chrome-har 0.2.2", True),
    "chrome-har_chrome148-2026.har": (7, 1, 0, "chrome-har 1.3.0", True),
    "chrome-har_ferguson-h3-2022.har": (174, 1, 0, "chrome-har 0.12.0", True),
    "chrome-har_wikipedia-2018.har.gz": (553, 5, 0, "chrome-har 0.5.0", True),
    "chrome51_multipage-2016.har": (27, 3, 0, "WebInspector 537.36", None),
    "chrome_all-status-codes-and-methods-2022.har": (665, 0, 445, "WebInspector 537.36", True),
    "chrome_google-offline-failures.har": (33, 2, 21, "WebInspector 537.36", True),
    "chrome_mitmproxy-org-2023.har": (19, 1, 0, "WebInspector 537.36", True),
    "chrome_with-bom.har": (1, 0, 0, "WebInspector 537.36", True),
    "edge_mitmproxy-org-2023.har": (22, 1, 0, "WebInspector 537.36", True),
    "fiddler2.3_cnn-2010.har": (22, 0, 0, "Fiddler 2.3.0.0", None),
    "fiddler4.6_ie11-2016.har": (11, 2, 0, "Fiddler 4.6.2.2", None),
    "fiddler5_navmenu-2020.har": (1, 0, 0, "Fiddler 5.0.20202.18177", None),
    "firebug1.12-firefox25_cnn-2015.har": (145, 1, 1, "Firebug 1.12", None),
    "firebug1.8_timestamps-2011.har": (2, 1, 0, "Firebug 1.8", None),
    "firefox111_mitmproxy-org-2023.har": (14, 1, 0, "Firefox 111.0.1", False),
    "firefox43_http2-2016.har": (10, 1, 0, "Firefox 43.0.4", None),
    "firefox62-browsertime_wikipedia-2018.har.gz": (551, 5, 0, "Firefox 62.0", False),
    "firefox77_navmenu-2020.har": (1, 1, 0, "Firefox 77.0.1", None),
    "ie11-f12_2016.har": (25, 3, 2, "Internet Explorer Network Inspector 11.0.9600.18315", None),
    "insomnia_2022.1.1.har": (1, 0, 0, "Insomnia REST Client insomnia.desktop.app:v2022.1.1", None),
    "minimal_no-entries.har": (0, 0, 0, None, None),
    "mitmproxy-exporthar_compressed.zhar": (2, 0, 0, "mitmproxy exporthar 0.1", False),
    "mitmproxy_error-log.har": (2, 0, 2, "mitmproxy 1.2.3", False),
    "mitmproxy_event-stream.har": (2, 0, 0, "mitmproxy 1.2.3", False),
    "mitmproxy_incomplete-status0.har": (4, 0, 4, "mitmproxy 1.2.3", None),
    "mitmproxy_websocket.har": (3, 0, 0, "mitmproxy 1.2.3", False),
    "playwright1.23_attach-sha1.har": (1, 1, 0, "Playwright 1.23.0-next", None),
    "playwright1.23_fulfill.har": (5, 1, 0, "Playwright 1.23.0-next", None),
    "playwright1.23_redirect.har": (3, 1, 0, "Playwright 1.23.0-next", False),
    "playwright1.32_unstable-network.har": (2, 0, 1, "Playwright 1.32.3", None),
    "safari_mitmproxy-org-2023.har": (19, 1, 0, "WebKit Web Inspector 1.0", True),
    "webpagetest-chrome44_nytimes-2015.har": (328, 2, 1, "WebPagetest 2.17", True),
    "webpagetest-chrome63_expressen-2018.har": (607, 3, 0, "WebPagetest 17.12", True),
    "webpagetest-chrome70_wikipedia-2018.har": (110, 1, 0, "WebPagetest 18.09", True),
    "webpagetest-firefox62_wikipedia-2018.har": (111, 1, 0, "WebPagetest 18.09", True),
    "zap_seq-simple-2024.har": (6, 0, 0, "ZAP Dev Build", None),
}

NESTED_FAMILIES = ("WebInspector", "WebKit", "WebPagetest", "Charles", "chrome-har", "Browsertime",
                   "Chrome HAR Capturer")
APART_FAMILIES = ("Firefox", "Playwright", "mitmproxy")


@pytest.fixture(scope="module")
def dataset(corpus, tmp_path_factory):
    ds = tmp_path_factory.mktemp("producers") / "ds"
    files = sorted(p for p in (corpus / "real").iterdir() if p.is_file() and p.name != "PROVENANCE.md")
    run_harx("ingest", *files, "--dataset", ds, "--tenant", "corpus", "--partition-by", "none", "-q")
    return ds, files


def test_every_corpus_file_is_in_the_table(dataset):
    _, files = dataset
    assert sorted(p.name for p in files) == sorted(TABLE)
    # 17 families; Chrome, Edge and Brave all write creator "WebInspector".
    families = {v[3].split()[0] for v in TABLE.values() if v[3]}
    assert len(families) == 16, families


def test_per_file_counts_producer_and_timing_semantics(dataset):
    ds, _ = dataset
    con = duckdb.connect()
    files = {p.split("/")[-1]: (n, pages, prod) for p, n, pages, prod in con.sql(
        f"SELECT path, entries, pages, producer FROM read_parquet('{ds}/files/*.parquet') "
        f"WHERE status = 'ingested'").fetchall()}
    per = {src.split("/")[-1]: (fails, nested) for src, fails, nested in con.sql(
        f"SELECT source_file, count(*) FILTER (WHERE status_class IN ('4xx', '5xx', 'no_response')), "
        f"list(DISTINCT ssl_in_connect) FILTER (WHERE ssl_ms > 0) "
        f"FROM read_parquet('{ds}/entries/*.parquet') GROUP BY ALL").fetchall()}
    for name, (entries, pages, failures, producer, nested) in TABLE.items():
        n, p, prod = files[name]
        assert (n, p, prod) == (entries, pages, producer), name
        fails, seen = per.get(name, (0, []))
        assert fails == failures, name
        seen = [s for s in (seen or []) if s is not None]
        assert seen == ([] if nested is None else [nested]), (name, seen)
        if nested is not None and producer:
            if producer.startswith(NESTED_FAMILIES):
                assert nested is True, name
            if producer.startswith(APART_FAMILIES):
                assert nested is False, name
