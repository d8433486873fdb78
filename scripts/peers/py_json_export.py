#!/usr/bin/env python3
"""Peer: what a Python user writes: json.load the HAR, build columns, pyarrow -> Parquet."""
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def main(src, dst):
    with open(src, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    doc = json.loads(raw)
    del raw
    cols = {k: [] for k in ["started_at_raw", "page_id", "method", "url", "http_version_raw", "status",
                            "mime_type", "server_ip", "content_size", "transfer_size", "time_ms",
                            "blocked_ms", "dns_ms", "connect_ms", "ssl_ms", "send_ms", "wait_ms",
                            "receive_ms", "request_headers", "response_headers"]}
    neg = lambda v: None if v is None or v == -1 else v  # noqa: E731
    for e in doc["log"]["entries"]:
        req, resp, t = e.get("request", {}), e.get("response", {}), e.get("timings", {})
        cols["started_at_raw"].append(e.get("startedDateTime"))
        cols["page_id"].append(e.get("pageref"))
        cols["method"].append(req.get("method"))
        cols["url"].append(req.get("url"))
        cols["http_version_raw"].append(resp.get("httpVersion") or req.get("httpVersion"))
        cols["status"].append(resp.get("status"))
        cols["mime_type"].append(resp.get("content", {}).get("mimeType"))
        cols["server_ip"].append(e.get("serverIPAddress"))
        cols["content_size"].append(neg(resp.get("content", {}).get("size")))
        cols["transfer_size"].append(neg(resp.get("_transferSize")))
        cols["time_ms"].append(neg(e.get("time")))
        for k in ["blocked", "dns", "connect", "ssl", "send", "wait", "receive"]:
            cols[k + "_ms"].append(neg(t.get(k)))
        cols["request_headers"].append([{"name": h["name"], "value": h["value"]} for h in req.get("headers", [])])
        cols["response_headers"].append([{"name": h["name"], "value": h["value"]} for h in resp.get("headers", [])])
    pq.write_table(pa.table(cols), dst, compression="zstd")
    print(len(cols["url"]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
