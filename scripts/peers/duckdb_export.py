#!/usr/bin/env python3
"""Peer: DuckDB on a HAR: read_json with an explicit schema (no inference), unnest
log.entries, COPY TO Parquet (ZSTD). DuckDB reads one JSON object with one thread and needs
maximum_object_size >= the file size.

    duckdb_export.py HAR OUT.parquet [auto|unstructured]

`auto` (the default) is what an ordinary user writes: `format = 'auto'`. `unstructured`
is the fastest formulation we measured (docs/PERFORMANCE.md lists the ones tried):
`format = 'unstructured', records = true`, which parses the one document without
first probing it for newline-delimited records."""
import os
import sys

import duckdb

HDR = "STRUCT(name VARCHAR, value VARCHAR)[]"
ENTRY = (
    "STRUCT(startedDateTime VARCHAR, time DOUBLE, pageref VARCHAR, serverIPAddress VARCHAR, "
    f"request STRUCT(method VARCHAR, url VARCHAR, httpVersion VARCHAR, headers {HDR}), "
    f"response STRUCT(status INTEGER, httpVersion VARCHAR, headers {HDR}, "
    "content STRUCT(size BIGINT, mimeType VARCHAR), _transferSize BIGINT), "
    "timings STRUCT(blocked DOUBLE, dns DOUBLE, connect DOUBLE, ssl DOUBLE, send DOUBLE, "
    "wait DOUBLE, receive DOUBLE))"
)

FORMATS = {
    "auto": "format = 'auto'",
    "unstructured": "format = 'unstructured', records = true",
    "unstructured-records-auto": "format = 'unstructured'",
    "array": "format = 'array', records = true",
}


def main(src, dst, how="auto"):
    size = os.path.getsize(src) + (16 << 20)
    con = duckdb.connect()
    con.execute(f"SET threads = {os.environ.get('DUCKDB_THREADS', '2')}")
    nul = lambda x: f"nullif({x}, -1)"  # noqa: E731
    sql = f"""
    COPY (
      SELECT e.startedDateTime AS started_at_raw, e.pageref AS page_id, e.request.method AS method,
             e.request.url AS url, coalesce(nullif(e.response.httpVersion, ''), e.request.httpVersion) AS http_version_raw,
             e.response.status AS status, e.response.content.mimeType AS mime_type,
             e.serverIPAddress AS server_ip, {nul('e.response.content.size')} AS content_size,
             {nul('e.response._transferSize')} AS transfer_size, {nul('e.time')} AS time_ms,
             {nul('e.timings.blocked')} AS blocked_ms, {nul('e.timings.dns')} AS dns_ms,
             {nul('e.timings.connect')} AS connect_ms, {nul('e.timings.ssl')} AS ssl_ms,
             {nul('e.timings.send')} AS send_ms, {nul('e.timings.wait')} AS wait_ms,
             {nul('e.timings.receive')} AS receive_ms,
             e.request.headers AS request_headers, e.response.headers AS response_headers
      FROM (SELECT unnest(log.entries) AS e
            FROM read_json('{src}', columns = {{log: 'STRUCT(entries {ENTRY}[])'}},
                           {FORMATS[how]}, maximum_object_size = {size}))
    ) TO '{dst}' (FORMAT parquet, COMPRESSION zstd)
    """
    con.execute(sql)
    print(con.execute(f"SELECT count(*) FROM read_parquet('{dst}')").fetchone()[0])


if __name__ == "__main__":
    main(*sys.argv[1:4])
