"""A Spark data source for HAR files (the Python Data Source API of Spark 4.0 and later).

    from harx.spark import HarDataSource
    spark.dataSource.register(HarDataSource)
    df = (spark.read.format("har")
          .option("tenantFrom", r"cases/(?P<tenant>[^/]+)/")
          .load("s3://bucket/cases/"))

Planning lists the inputs once (harx.list_inputs) and groups them into partitions of about
`partitionBytes` (default 128 MiB; a larger file is a partition of its own); each task
reads its files through the harx engine and hands Spark Arrow record batches directly.
Options mirror the CLI: `sanitize` (default true), `bodies`, `trackingHeaders` (comma
separated), `rules` (a rules file), `tenant`, `tenantFrom`, `tenantFromUrl`, `onError`
(`skip` or `fail`), `threads` (per task, default 1), `partitionBytes`. The DataFrame has the
export schema plus `tenant`; `source_file` names each row's file.

A schema given to the reader picks columns by name, so only those cross from the tasks
into the JVM: `spark.read.format("har").schema("url string, status int, wait_ms double")`.
Its names must be columns of the entries schema (`harx.schema(tenant=True)`), with the
same types.
"""

from __future__ import annotations

import pyarrow as pa
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

import harx

_TRUE = {"true", "1", "yes", "on"}


def _flag(options, name, default):
    value = options.get(name)
    if value is None:
        return default
    return str(value).strip().lower() in _TRUE


class HarPartition(InputPartition):
    """The files one task reads."""

    def __init__(self, files):
        super().__init__(files)
        self.files = files


class HarDataSource(DataSource):
    """`spark.read.format("har")`: HAR files (plain, gzip, zlib, zstd, zip, SAZ; local
    paths, directories, globs or `s3://` prefixes) as one row per entry."""

    @classmethod
    def name(cls):
        return "har"

    def schema(self):
        from pyspark.sql.pandas.types import from_arrow_schema

        return from_arrow_schema(pa.schema(harx.schema(tenant=True)))

    def reader(self, schema):
        return HarReader(dict(self.options), _columns(schema, self.schema()))


def _columns(asked, full):
    """The names and nullability of `asked` when it is not the whole entries schema (a
    schema the user gave), each checked against `full`; None for every column."""
    names = [f.name for f in asked.fields]
    if names == [f.name for f in full.fields]:
        return None
    known = {f.name: f.dataType for f in full.fields}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"the har source has no column {', '.join(map(repr, unknown))} "
                         "(its columns: harx.schema(tenant=True))")
    wrong = [f"{f.name} is {known[f.name].simpleString()}, not {f.dataType.simpleString()}"
             for f in asked.fields if f.dataType != known[f.name]]
    nullable = {f.name for f in full.fields if f.nullable}
    wrong += [f"{f.name} can be null" for f in asked.fields if not f.nullable and f.name in nullable]
    if wrong:
        raise ValueError("the har source's schema differs: " + "; ".join(wrong))
    return [(f.name, f.nullable) for f in asked.fields]


def _entries_schema():
    return pa.schema(harx.schema(tenant=True))


class HarReader(DataSourceReader):
    def __init__(self, options, columns=None):
        # the Arrow schema of the asked columns (with the nullability the user gave them)
        self.columns = None if columns is None else pa.schema(
            [_entries_schema().field(name).with_nullable(nullable) for name, nullable in columns])
        self.options = {k.lower(): v for k, v in options.items()}
        path = self.options.get("path") or self.options.get("paths")
        if not path:
            raise ValueError('the har source needs a path: spark.read.format("har").load(PATH)')
        self.path = path
        self.target = int(self.options.get("partitionbytes", 128 * 1024 * 1024))

    def partitions(self):
        files = harx.list_inputs(self.path)
        parts, current, size = [], [], 0
        for name, n in files:
            if current and size + n > self.target:
                parts.append(HarPartition(current))
                current, size = [], 0
            current.append(name)
            size += n
        if current:
            parts.append(HarPartition(current))
        return parts

    def read(self, partition):
        o = self.options
        headers = o.get("trackingheaders")
        reader = harx.read(
            partition.files,
            sanitize=_flag(o, "sanitize", True),
            bodies=_flag(o, "bodies", False),
            tracking_headers=[h.strip() for h in headers.split(",") if h.strip()] if headers else None,
            rules=o.get("rules"),
            threads=int(o.get("threads", 1)),
            on_error=o.get("onerror", "skip"),
            tenant=o.get("tenant", "unknown"),
            tenant_from=o.get("tenantfrom"),
            tenant_from_url=o.get("tenantfromurl"),
        )
        batches = pa.RecordBatchReader.from_stream(reader)
        if self.columns is None:
            yield from batches
        else:
            names = self.columns.names
            for batch in batches:
                yield pa.RecordBatch.from_arrays(batch.select(names).columns, schema=self.columns)
