#!/usr/bin/env python3
"""One way of reading a HAR's entries into a pyarrow table, timed by bench_python.py.

    py_read.py harx|harx-nosanitize|json|orjson|pyarrow-json HAR

The peers build the same columns the harx reader's timing and header analysis uses (one
row per entry: source_file, started_at, method, url, status, time and every timing
phase, both header lists) with the strongest plain-Python formulation we know of:
the parser's dicts straight into `pa.Table.from_pylist` with an explicit schema.
"""
import sys

import pyarrow as pa

PHASES = ["blocked", "dns", "connect", "ssl", "send", "wait", "receive"]
HEADER = pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())]))
SCHEMA = pa.schema([("source_file", pa.string()), ("started_at", pa.string()),
                    ("method", pa.string()), ("url", pa.string()), ("status", pa.int32()),
                    ("time_ms", pa.float64())]
                   + [(f"{p}_ms", pa.float64()) for p in PHASES]
                   + [("request_headers", HEADER), ("response_headers", HEADER)])


def num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else None


def rows(doc, name):
    for e in doc["log"]["entries"]:
        req, resp, t = e.get("request") or {}, e.get("response") or {}, e.get("timings") or {}
        row = {"source_file": name, "started_at": e.get("startedDateTime"),
               "method": req.get("method"), "url": req.get("url"), "status": resp.get("status"),
               "time_ms": num(e.get("time")),
               "request_headers": req.get("headers"), "response_headers": resp.get("headers")}
        for p in PHASES:
            row[f"{p}_ms"] = num(t.get(p))
        yield row


def main():
    how, path = sys.argv[1], sys.argv[2]
    if how.startswith("harx"):
        import harx
        table = pa.table(harx.read(path, sanitize=how == "harx"))
    elif how == "pyarrow-json":
        # pyarrow's own JSON reader: one document, one block (it reads line-delimited JSON,
        # so the HAR must be compact, on one line); entries flattened with compute
        import pyarrow.compute as pc
        import pyarrow.json as pj
        import os
        size = os.path.getsize(path)
        t = pj.read_json(path, read_options=pj.ReadOptions(block_size=size + 1))
        entries = pc.list_flatten(t.column("log").combine_chunks().field("entries"))
        table = pa.table({"entries": entries})
    else:
        if how == "orjson":
            import orjson
            with open(path, "rb") as f:
                doc = orjson.loads(f.read())
        else:
            import json
            with open(path, "rb") as f:
                doc = json.load(f)
        table = pa.Table.from_pylist(list(rows(doc, path)), schema=SCHEMA)
    print(table.num_rows)


if __name__ == "__main__":
    main()
