#!/usr/bin/env python3
"""One Spark job over a directory of HARs, timed by bench_spark.py: one row per entry with
the timing phases and both header lists, written as Parquet.

    spark_job.py harx|harx-all|json|session[:read] DIR OUT

`harx`: the harx data source, the columns picked by a schema given to the reader (so only
they leave the Python workers); `harx-all`: every column read, then selected. `json`: Spark's own JSON reader as a data engineer writes
it at its best: `multiLine` (a HAR is one document), an explicit schema (no inference
pass), `explode(log.entries)`, the same columns. At the end the JVM is stopped and waited
for, so this process's rusage of its children covers the JVM and Spark's Python workers;
it prints that CPU time. `session`: the session started, one trivial job, stopped: the
fixed cost every job pays. A `:read` suffix writes to Spark's `noop` sink instead of
Parquet (every row still produced): the reading alone.
"""
import os
import resource
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (ArrayType, DoubleType, LongType, StringType, StructField,
                               StructType)

PHASES = ["blocked", "dns", "connect", "ssl", "send", "wait", "receive"]


def har_schema():
    header = ArrayType(StructType([StructField("name", StringType()),
                                   StructField("value", StringType())]))
    entry = StructType([
        StructField("startedDateTime", StringType()),
        StructField("time", DoubleType()),
        StructField("request", StructType([StructField("method", StringType()),
                                           StructField("url", StringType()),
                                           StructField("headers", header)])),
        StructField("response", StructType([StructField("status", LongType()),
                                            StructField("headers", header)])),
        StructField("timings", StructType([StructField(p, DoubleType()) for p in PHASES])),
    ])
    return StructType([StructField("log", StructType([
        StructField("entries", ArrayType(entry))]))])


def main():
    how, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
    how, _, stage = how.partition(":")
    spark = (SparkSession.builder.master("local[2]").appName(f"bench-{how}")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "4g")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    cols = ["source_file", "started_at", "method", "url", "status", "time_ms"] + \
        [f"{p}_ms" for p in PHASES] + ["request_headers", "response_headers"]
    if how == "session":
        rows = spark.range(1).count()
        return finish(spark, rows)
    if how.startswith("harx"):
        import pyarrow as pa
        from pyspark.sql.pandas.types import from_arrow_schema

        import harx
        from harx.spark import HarDataSource
        spark.dataSource.register(HarDataSource)
        reader = spark.read.format("har").option("sanitize", "false")
        if how == "harx":
            full = from_arrow_schema(pa.schema(harx.schema(tenant=True)))
            reader = reader.schema(StructType([full[c] for c in cols]))
        df = reader.load(src).select(*cols)
    else:
        raw = (spark.read.option("multiLine", True).schema(har_schema())
               .json(src).withColumn("source_file", F.input_file_name()))
        e = raw.select("source_file", F.explode("log.entries").alias("e"))
        df = e.select("source_file",
                      F.to_timestamp("e.startedDateTime").alias("started_at"),
                      F.col("e.request.method").alias("method"),
                      F.col("e.request.url").alias("url"),
                      F.col("e.response.status").cast("int").alias("status"),
                      F.col("e.time").alias("time_ms"),
                      *[F.col(f"e.timings.{p}").alias(f"{p}_ms") for p in PHASES],
                      F.col("e.request.headers").alias("request_headers"),
                      F.col("e.response.headers").alias("response_headers"))
    if stage == "read":
        df.write.format("noop").mode("overwrite").save()
        return finish(spark, 0)
    df.write.mode("overwrite").option("compression", "zstd").parquet(out)
    finish(spark, spark.read.parquet(out).count())


def finish(spark, rows):
    proc = spark.sparkContext._gateway.proc
    spark.stop()
    proc.stdin.close()
    proc.wait()
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(rows, f"{cpu:.2f}", f"{max(me.ru_maxrss, kids.ru_maxrss) / 1024:.0f}")


if __name__ == "__main__":
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    main()
