"""Fiddler session archives: the real archive in the corpus (14 sessions: 3 decrypted with
the timings of har-ecosystem.md §2.3, 11 CONNECT tunnels) and archives written here
(chunked, gzip, br, aborted sessions, missing _s.txt, locale-formatted numbers, unset
timers). Converted HARs are read with Python's json module; export, ingest and summary read
.saz files directly."""

import gzip
import json
import zipfile

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import run_harx

SAZ = "saz/fiddler5.0.20202_updatecheck-2020.saz"


@pytest.fixture()
def real_saz(corpus):
    p = corpus / SAZ
    if not p.exists():
        pytest.skip(f"SKIPPED: {p} not in the corpus")
    return p


def test_corpus_archive_converts_with_server_side_timings(real_saz, tmp_path):
    out = tmp_path / "f.har"
    p = run_harx("convert", real_saz, "-o", out)
    assert "14 sessions (11 CONNECT tunnels" in p.stderr
    har = json.loads(out.read_text())
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "Fiddler" and log["creator"]["version"] == "5.0.20202.18177"
    es = log["entries"]
    assert len(es) == 14
    assert [e["_sid"] for e in es] == list(range(1, 15))
    tunnels = [e for e in es if e.get("_tunnel")]
    assert len(tunnels) == 11 and all(e["request"]["method"] == "CONNECT" for e in tunnels)
    s1, s2, s3 = es[0], es[1], es[2]
    t1 = s1["timings"]
    # §2.3: DNS 23 ms, TCP 56 ms + TLS 120 ms (nested in connect), send 1.0, wait 87.8, receive 1.0.
    assert t1["dns"] == 23 and t1["ssl"] == 120 and t1["connect"] == 176
    assert t1["send"] == pytest.approx(1.0, abs=0.01)
    assert t1["wait"] == pytest.approx(87.8, abs=0.05)
    assert t1["receive"] == pytest.approx(1.0, abs=0.01)
    t3 = s3["timings"]
    assert t3["connect"] == 55 and t3["ssl"] == -1
    assert t3["wait"] == pytest.approx(225.1, abs=0.05)
    assert t3["receive"] == pytest.approx(332.9, abs=0.05)
    assert s1["startedDateTime"] == "2020-09-01T13:57:52.211861-06:00"
    assert s1["serverIPAddress"] == "50.56.19.116" and s1["connection"] == "52996"
    assert s1["request"]["url"] == "https://www.fiddler2.com/UpdateCheck.aspx?isBeta=False"
    assert s1["response"]["status"] == 200
    # bodySize from x-responsebodytransferlength; content.size after gzip decoding.
    assert s1["response"]["bodySize"] == 785
    assert s1["response"]["content"]["size"] > 785
    assert "text" in s3["response"]["content"]
    assert s2["response"]["content"]["mimeType"]
    for e in es:
        total = sum(v for k, v in e["timings"].items() if k != "ssl" and v > 0)
        assert e["time"] == pytest.approx(total, abs=0.01)


def test_export_ingest_and_summary_read_saz_directly(real_saz, tmp_path):
    out = tmp_path / "f.parquet"
    run_harx("export", real_saz, "-o", out, "-q")
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 14
    assert rows[0]["producer"] == "Fiddler 5.0.20202.18177"
    assert rows[0]["ssl_in_connect"] is True and rows[0]["tcp_ms"] == 56
    assert sum(1 for r in rows if r["method"] == "CONNECT") == 11
    summary = json.loads(run_harx("summary", real_saz, "--format", "json").stdout)
    ex = summary["ttfb"]["excluded"]
    assert ex.get("tunnel") == 11, ex
    ds = tmp_path / "ds"
    run_harx("ingest", real_saz, "--dataset", ds, "--tenant", "t")
    con = duckdb.connect()
    assert con.sql(f"SELECT container, entries FROM read_parquet('{ds}/files/*.parquet')").fetchall() == [("saz", 14)]


BR_HELLO = bytes([0x0B, 0x02, 0x80]) + b"hello" + bytes([0x03])  # brotli of b"hello", stored block


def meta(sid, timers, flags=()):
    t = " ".join(f'{k}="{v}"' for k, v in timers.items())
    f = "".join(f'<SessionFlag N="{n}" V="{v}" />' for n, v in flags)
    return ('\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Session SID="{sid}" BitFlags="0"><SessionTimers {t} /><PipeInfo />'
            f'<SessionFlags>{f}</SessionFlags></Session>').encode("utf-8")


def chunk(data, n=7):
    out = b""
    for i in range(0, len(data), n):
        part = data[i:i + n]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def timers(base="2024-03-10T10:00:00", off="+01:00", send=2, wait=50, recv=8):
    return {"ClientConnected": f"{base}.0000000{off}", "ClientBeginRequest": f"{base}.0000000{off}",
            "ClientDoneRequest": f"{base}.0010000{off}", "GatewayTime": "0", "DNSTime": "5",
            "TCPConnectTime": "10", "HTTPSHandshakeTime": "0",
            "ServerConnected": f"{base}.0160000{off}", "FiddlerBeginRequest": f"{base}.0160000{off}",
            "ServerGotRequest": f"{base}.{16 + send:03d}0000{off}",
            "ServerBeginResponse": f"{base}.{16 + send + wait:03d}0000{off}",
            "ServerDoneResponse": f"{base}.{16 + send + wait + recv:03d}0000{off}",
            "ClientBeginResponse": "0001-01-01T00:00:00", "ClientDoneResponse": "0001-01-01T00:00:00"}


def test_self_made_archive_every_framing(tmp_path):
    body = json.dumps({"items": list(range(50))}).encode()
    saz = tmp_path / "made.saz"
    with zipfile.ZipFile(saz, "w", zipfile.ZIP_DEFLATED) as z:
        z.comment = b"Fiddler (v5.0.20211.51073) Session Archive. See https://fiddler2.com"
        # 1: chunked + gzip JSON, locale-formatted transfer length.
        z.writestr("raw/01_c.txt", b"GET http://api.example.com/items?page=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\n")
        gz = gzip.compress(body)
        z.writestr("raw/01_s.txt", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n" + chunk(gz))
        z.writestr("raw/01_m.xml", meta(1, timers(), [("x-responsebodytransferlength", "1.234"),
                                                      ("x-hostip", "192.0.2.7")]))
        # 2: brotli text, POST body with Content-Length.
        z.writestr("raw/02_c.txt", b"POST /submit HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: text/plain\r\n"
                   b"Content-Length: 5\r\n\r\nabcde")
        z.writestr("raw/02_s.txt", b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Encoding: br\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(BR_HELLO) + BR_HELLO)
        z.writestr("raw/02_m.xml", meta(2, timers(wait=120)))
        # 3: aborted: no _s.txt at all.
        z.writestr("raw/03_c.txt", b"GET http://api.example.com/slow HTTP/1.1\r\nHost: api.example.com\r\n\r\n")
        z.writestr("raw/03_m.xml", meta(3, timers()))
        # 4: empty _s.txt (aborted too), and unset timers everywhere.
        z.writestr("raw/04_c.txt", b"GET http://api.example.com/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n")
        z.writestr("raw/04_s.txt", b"")
        z.writestr("raw/04_m.xml", meta(4, {k: "0001-01-01T00:00:00" for k in timers()}))
        z.writestr("_index.htm", b"<html></html>")
    out = tmp_path / "made.har"
    run_harx("convert", saz, "-o", out)
    es = json.loads(out.read_text())["log"]["entries"]
    assert len(es) == 4
    e1, e2, e3, e4 = es
    assert json.loads(e1["response"]["content"]["text"]) == {"items": list(range(50))}
    assert e1["response"]["content"]["size"] == len(body)
    assert e1["response"]["bodySize"] == 1234
    assert e1["serverIPAddress"] == "192.0.2.7"
    assert e1["timings"]["wait"] == pytest.approx(50) and e1["timings"]["send"] == pytest.approx(2)
    assert e1["timings"]["receive"] == pytest.approx(8) and e1["timings"]["dns"] == 5
    assert e1["request"]["queryString"] == [{"name": "page", "value": "1"}]
    assert e2["response"]["content"]["text"] == "hello" and e2["response"]["status"] == 201
    assert e2["request"]["url"] == "http://api.example.com/submit"
    assert e2["request"]["postData"]["text"] == "abcde" and e2["request"]["bodySize"] == 5
    assert e2["timings"]["wait"] == pytest.approx(120)
    assert e3["response"]["status"] == 0 and "aborted" in e3["_error"]
    assert e4["response"]["status"] == 0 and e4["startedDateTime"] == ""
    assert e4["timings"]["wait"] == 0 and e4["timings"]["dns"] == -1
    # The same archive, exported: aborted sessions are failures with no response.
    rows = json.loads("[" + ",".join(run_harx("export", saz, "-o", "-", "--format", "ndjson", "-q")
                                      .stdout.splitlines()) + "]")
    assert [r["status_class"] for r in rows] == ["2xx", "2xx", "no_response", "no_response"]
    assert rows[0]["started_at"].startswith("2024-03-10T09:00:00")
