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

from har_sql import COLUMNS

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
}


def main(src, dst, how="auto"):
    size = os.path.getsize(src) + (16 << 20)
    con = duckdb.connect()
    con.execute(f"SET threads = {os.environ.get('DUCKDB_THREADS', '2')}")
    sql = f"""
    COPY (
      SELECT {COLUMNS}
      FROM (SELECT unnest(log.entries) AS e
            FROM read_json('{src}', columns = {{log: 'STRUCT(entries {ENTRY}[])'}},
                           {FORMATS[how]}, maximum_object_size = {size}))
    ) TO '{dst}' (FORMAT parquet, COMPRESSION zstd)
    """
    con.execute(sql)
    print(con.execute(f"SELECT count(*) FROM read_parquet('{dst}')").fetchone()[0])


if __name__ == "__main__":
    main(*sys.argv[1:4])
