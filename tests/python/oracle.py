"""An independent model of `harx export`'s rows, written with Python's json module.

Each function restates a rule of docs/schema.md from the HAR text, without sharing code with
the Rust implementation. Tests compare harx's Parquet, NDJSON and CSV with these rows.
"""

import json
import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

TRACKING = ["trackingid", "x-request-id", "x-correlation-id", "traceparent",
            "x-amzn-trace-id", "x-b3-traceid", "cf-ray"]


def load(path):
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # JSONP (HAR Viewer's .harp): name( {...} );
    m = re.match(rb"\s*[A-Za-z_$][\w$.]*\s*\(", raw)
    if m:
        raw = raw[m.end():raw.rindex(b")")]
    return json.loads(raw.decode("utf-8", errors="replace"))


def num(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def text(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return None


def nonempty(v):
    t = text(v)
    return t if t else None


def timing(v):
    n = num(v)
    if n is None or n == -1:
        return None
    return n


def size(v):
    n = num(v)
    if n is None or n < 0:
        return None
    return int(n)


def parse_ts(s):
    if not isinstance(s, str) or not s.strip():
        return None
    t = s.strip().replace("z", "Z")
    try:
        d = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    delta = d - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def http_version(raw):
    if raw is None:
        return None
    v = raw.strip().lower()
    if v.startswith("http/"):
        v = v[5:]
    table = {"1.0": "1.0", "1": "1.0", "1.1": "1.1", "2": "2", "2.0": "2", "h2": "2", "h2c": "2",
             "2 2": "2", "2 3": "2", "3": "3", "3.0": "3", "h3": "3"}
    if v in table:
        return table[v]
    if v.startswith("spdy"):
        return "2"
    if v.startswith("h3-") or "quic" in v:
        return "3"
    return None


def status_class(s):
    if s is None:
        return "no_response"
    if 100 <= s <= 599:
        return f"{s // 100}xx"
    return "other" if s > 0 else "no_response"


def url_parts(url):
    if url is None:
        return None, None, None, None, None
    try:
        u = urlsplit(url)
    except ValueError:
        return None, None, None, None, None
    scheme = u.scheme or None
    if "//" in url.split("?")[0].split("#")[0][:len(u.scheme) + 3]:
        host = u.hostname or None
        try:
            port = u.port
        except ValueError:
            port = None
        if port is None:
            port = {"http": 80, "ws": 80, "https": 443, "wss": 443, "ftp": 21}.get(scheme)
        return scheme, host, port, u.path, (u.query if "?" in url.split("#")[0] else None)
    return scheme, None, None, u.path, (u.query if "?" in url.split("#")[0] else None)


def derive(ph, time, additive_producer):
    names = ["blocked", "dns", "connect", "send", "wait", "receive"]
    vals = [ph[n] for n in names]
    anyv = any(v is not None for v in vals) or ph["ssl"] is not None
    sum_excl = sum(v for v in vals if v is not None and v > 0)
    ssl = ph["ssl"] if ph["ssl"] is not None and ph["ssl"] > 0 else 0.0
    nested = None
    if ssl > 0:
        if time is not None and time >= 0:
            tol = max(abs(time) * 0.002, 1.0)
            if abs(time - sum_excl) <= tol:
                nested = True
            elif abs(time - sum_excl - ssl) <= tol:
                nested = False
        if nested is None:
            if ph["connect"] is not None and ph["connect"] < ssl:
                nested = False
            else:
                nested = not additive_producer
    tcp = ph["connect"]
    if tcp is not None and nested is True:
        tcp = max(tcp - ssl, 0.0)
    total = (sum_excl + ssl if nested is False else sum_excl) if anyv else None
    return tcp, nested, total


def headers(v):
    out = []
    if isinstance(v, list):
        for h in v:
            if isinstance(h, dict):
                out.append({"name": text(h.get("name")) or "", "value": text(h.get("value")) or ""})
    return out


def tracking(req, resp, names=TRACKING):
    for name in names:
        for h in req + resp:
            if h["name"].lower() == name:
                v = h["value"].strip()
                if not v:
                    continue
                if name == "traceparent":
                    parts = v.split("-")
                    if len(parts) < 2 or not parts[1]:
                        continue
                    return parts[1], h["name"]
                if name == "x-amzn-trace-id":
                    for p in v.split(";"):
                        if p.strip().startswith("Root="):
                            return p.strip()[5:], h["name"]
                return v, h["name"]
    return None, None


def rows(path, source_file=None, bodies=False):
    doc = load(path)
    log = doc["log"]
    creator = log.get("creator") or {}
    producer = f"{(creator.get('name') or '').strip()} {(creator.get('version') or '').strip()}".strip() or None
    pages = {}
    for p in (log.get("pages") or []):
        if isinstance(p, dict) and p.get("id") is not None:
            pages[str(p["id"])] = p.get("title") if isinstance(p.get("title"), str) else ""
    pname = (creator.get("name") or "").lower()
    additive = any(k in pname for k in ("firefox", "playwright", "mitmproxy"))
    out = []
    for i, e in enumerate(log.get("entries") or []):
        if not isinstance(e, dict):
            continue
        req = e.get("request") if isinstance(e.get("request"), dict) else {}
        resp = e.get("response") if isinstance(e.get("response"), dict) else {}
        content = resp.get("content") if isinstance(resp.get("content"), dict) else {}
        t = e.get("timings") if isinstance(e.get("timings"), dict) else {}
        ph = {k: timing(t.get(k)) for k in ["blocked", "dns", "connect", "ssl", "send", "wait", "receive"]}
        time = timing(e.get("time"))
        tcp, nested, total = derive(ph, time, additive)
        st = num(resp.get("status"))
        status = int(st) if st is not None else None
        if status in (0, -1):
            status = None
        url = req.get("url") if isinstance(req.get("url"), str) else None
        scheme, host, port, upath, query = url_parts(url)
        ver = nonempty(resp.get("httpVersion")) or nonempty(req.get("httpVersion"))
        error = nonempty(resp.get("_error")) or nonempty(resp.get("_failureText")) \
            or nonempty(e.get("_error")) or nonempty(e.get("_failureText"))
        init = e.get("_initiator")
        if isinstance(init, dict):
            itype = nonempty(init.get("type"))
        elif isinstance(init, str):
            itype = "other"
        else:
            itype = nonempty(e.get("_initiator_type"))
        fc = e.get("_fromCache")
        from_cache = (fc is not None and fc is not False) \
            or (isinstance(e.get("_fetchType"), str) and "Cache" in e["_fetchType"]) \
            or (isinstance(resp.get("_fulfilledBy"), str) and "cache" in resp["_fulfilledBy"])
        rh = headers(req.get("headers"))
        sh = headers(resp.get("headers"))
        tid, thdr = tracking(rh, sh)
        hs, bs = size(resp.get("headersSize")), size(resp.get("bodySize"))
        transfer = size(resp.get("_transferSize"))
        if transfer is None and hs is not None and bs is not None:
            transfer = hs + bs
        pageref = nonempty(e.get("pageref"))
        out.append({
            "source_file": source_file or str(path),
            "entry_index": i,
            "producer": producer,
            "page_id": pageref,
            "page_title": pages.get(pageref) if pageref is not None else None,
            "started_at": parse_ts(e.get("startedDateTime")),
            "started_at_raw": e.get("startedDateTime") if isinstance(e.get("startedDateTime"), str) else None,
            "method": nonempty(req.get("method")),
            "url": url,
            "scheme": scheme.lower() if scheme else None,
            "host": host,
            "port": port,
            "path": upath,
            "query": query,
            "http_version": http_version(ver),
            "http_version_raw": ver,
            "status": status,
            "status_text": nonempty(resp.get("statusText")),
            "status_class": status_class(status),
            "error": error,
            "mime_type": nonempty(content.get("mimeType")),
            "resource_type": nonempty(e.get("_resourceType")),
            "priority": nonempty(e.get("_priority")),
            "initiator_type": itype,
            "from_cache": bool(from_cache),
            "server_ip": nonempty(e.get("serverIPAddress")),
            "connection": nonempty(e.get("connection")),
            "request_headers_size": size(req.get("headersSize")),
            "request_body_size": size(req.get("bodySize")),
            "response_headers_size": hs,
            "response_body_size": bs,
            "content_size": size(content.get("size")),
            "transfer_size": transfer,
            "time_ms": time,
            "blocked_ms": ph["blocked"],
            "dns_ms": ph["dns"],
            "connect_ms": ph["connect"],
            "ssl_ms": ph["ssl"],
            "send_ms": ph["send"],
            "wait_ms": ph["wait"],
            "receive_ms": ph["receive"],
            "blocked_queueing_ms": timing(t.get("_blocked_queueing")),
            "tcp_ms": tcp,
            "ssl_in_connect": nested,
            "total_ms": total,
            "request_headers": rh,
            "response_headers": sh,
            "tracking_id": tid,
            "tracking_header": thdr,
            "redirect_url": nonempty(resp.get("redirectURL")),
            "request_body": (req.get("postData") or {}).get("text") if bodies and isinstance(
                (req.get("postData") or {}).get("text"), str) else None,
            "response_body": content.get("text") if bodies and isinstance(content.get("text"), str) else None,
            "response_body_encoding": nonempty(content.get("encoding")) if bodies else None,
        })
    return out
