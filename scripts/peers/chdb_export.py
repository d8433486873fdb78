#!/usr/bin/env python3
"""Peer: chDB (ClickHouse in process, from PyPI) on a HAR, doing the DuckDB peer's job:
the one document read as a JSONEachRow record with an explicit structure (no inference),
`ARRAY JOIN log.entries`, the same 20 columns (the timing phases and both header lists)
written as ZSTD Parquet.

    chdb_export.py HAR OUT.parquet

ClickHouse refuses one JSON object larger than `input_format_json_max_object_size`, so it
is raised to the file's size (as DuckDB's maximum_object_size is)."""
import os
import sys

import chdb

from har_sql import COLUMNS

N = "Nullable"
HDR = f"Array(Tuple(name {N}(String), value {N}(String)))"
ENTRY = (
    f"Tuple(startedDateTime {N}(String), time {N}(Float64), pageref {N}(String), "
    f"serverIPAddress {N}(String), "
    f"request Tuple(method {N}(String), url {N}(String), httpVersion {N}(String), headers {HDR}), "
    f"response Tuple(status {N}(Int32), httpVersion {N}(String), headers {HDR}, "
    f"content Tuple(size {N}(Int64), mimeType {N}(String)), _transferSize {N}(Int64)), "
    "timings Tuple(" + ", ".join(f"{p} {N}(Float64)" for p in
                                 ("blocked", "dns", "connect", "ssl", "send", "wait", "receive")) + "))"
)


def main(src, dst):
    size = os.path.getsize(src) + (16 << 20)
    threads = os.environ.get("CHDB_THREADS", "2")
    sql = f"""
    SELECT {COLUMNS}
    FROM file('{src}', 'JSONEachRow', 'log Tuple(entries Array({ENTRY}))')
    ARRAY JOIN log.entries AS e
    INTO OUTFILE '{dst}' TRUNCATE FORMAT Parquet
    SETTINGS output_format_parquet_compression_method = 'zstd', max_threads = {threads},
             input_format_json_max_object_size = {size}
    """
    chdb.query(sql)
    print(str(chdb.query(f"SELECT count() FROM file('{dst}', 'Parquet')", "CSV")).strip())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
