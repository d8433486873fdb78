"""The Spark data source (`harx.spark.HarDataSource`, Spark's Python Data Source API) in
local mode (pyspark from PyPI, Java from Debian): 200 generated and corpus files in three
tenants, on disk and in moto's S3, against the json oracle (counts per tenant and per
file, the sum of wait_ms), then written with Spark's own partitioned writer and read
back."""

import collections
import os
import shutil
import sys

import pytest

import oracle
from conftest import corpus_dir, run_harx
from test_ingest_s3 import s3  # noqa: F401  (fixture)

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - CI installs it (scripts/setup-test-deps.sh)
    if os.environ.get("HARX_SPARK_REQUIRED"):
        raise
    pytest.skip("SKIPPED: pyspark is not installed", allow_module_level=True)

try:
    import harx  # noqa: F401
except ImportError:  # pragma: no cover
    if os.environ.get("HARX_PY_REQUIRED"):
        raise
    pytest.skip("SKIPPED: the harx Python package is not installed", allow_module_level=True)

PAT = r"cases/(?P<tenant>[^/]+)/"
TENANTS = ["acme", "globex", "initech"]
CORPUS = ["chrome_with-bom.har", "firefox111_mitmproxy-org-2023.har", "charles_4.6.3.har",
          "webpagetest-chrome70_wikipedia-2018.har", "safari_mitmproxy-org-2023.har",
          "chrome-har_304-503-multipage.har", "edge_mitmproxy-org-2023.har",
          "zap_seq-simple-2024.har", "fiddler5_navmenu-2020.har",
          "chrome_all-status-codes-and-methods-2022.har"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """cases/<tenant>/…: 190 generated HARs and 10 corpus files; the oracle's view of each."""
    root = tmp_path_factory.mktemp("spark") / "cases"
    files = {}
    real = corpus_dir() / "real"
    for i in range(200):
        tenant = TENANTS[i % 3]
        d = root / tenant
        d.mkdir(parents=True, exist_ok=True)
        if i < len(CORPUS) and (real / CORPUS[i]).exists():
            p = d / CORPUS[i]
            shutil.copy(real / CORPUS[i], p)
        else:
            p = d / f"gen-{i:03}.har"
            run_harx("gen", "-o", p, "--entries", 5 + i % 17, "--seed", i, "--bodies", "none")
        files[p] = tenant
    return root, files


def oracle_view(files, name):
    per_tenant, per_file, wait = collections.Counter(), collections.Counter(), 0.0
    for p, tenant in files.items():
        rows = oracle.rows(p)
        per_tenant[tenant] += len(rows)
        per_file[name(p)] += len(rows)
        wait += sum(r["wait_ms"] or 0.0 for r in rows)
    return dict(per_tenant), dict(per_file), round(wait, 3)


def spark_view(df):
    from pyspark.sql import functions as F
    per_tenant = {r["tenant"]: r["n"] for r in df.groupBy("tenant").agg(F.count("*").alias("n")).collect()}
    per_file = {r["source_file"]: r["n"]
                for r in df.groupBy("source_file").agg(F.count("*").alias("n")).collect()}
    wait = df.agg(F.sum(F.coalesce("wait_ms", F.lit(0.0))).alias("w")).collect()[0]["w"]
    return per_tenant, per_file, round(wait, 3)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    from harx.spark import HarDataSource
    saved = dict(os.environ)
    endpoint = os.environ.get("HARX_S3_ENDPOINT")
    if endpoint:
        # the Python workers inherit these
        os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="test",
                          AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("harx-test")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "1g")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
         .getOrCreate())
    s.dataSource.register(HarDataSource)
    yield s
    s.stop()
    os.environ.clear()
    os.environ.update(saved)


def test_a_directory_of_three_tenants_equals_the_oracle(spark, archive, tmp_path):
    root, files = archive
    df = (spark.read.format("har").option("tenantFrom", PAT).option("partitionBytes", 300_000)
          .load(str(root)))
    assert df.rdd.getNumPartitions() > 1, "files are grouped into several partitions by size"
    want = oracle_view(files, str)
    assert spark_view(df) == want
    assert "tenant" in df.columns and "wait_ms" in df.columns and "started_at" in df.columns
    # Spark's own writer, partitioned, read back equal
    out = tmp_path / "table"
    df.write.partitionBy("tenant").parquet(str(out))
    back = spark.read.parquet(str(out))
    assert spark_view(back) == want
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [f"tenant={t}" for t in TENANTS]


def test_the_same_files_in_s3(spark, archive, s3):
    client, bucket, _ = s3
    root, files = archive
    for p in files:
        client.upload_file(str(p), bucket, "cases/" + p.relative_to(root).as_posix())
    df = spark.read.format("har").option("tenantFrom", PAT).load(f"s3://{bucket}/cases/")
    name = lambda p: f"s3://{bucket}/cases/{p.relative_to(root).as_posix()}"  # noqa: E731
    assert spark_view(df) == oracle_view(files, name)


def test_options_reach_the_engine(spark, archive):
    root, files = archive
    one = next(p for p in files if p.name == "charles_4.6.3.har")
    df = spark.read.format("har").option("sanitize", "false").option("tenant", "t1").load(str(one))
    rows = df.collect()
    assert len(rows) == len(oracle.rows(one)) and {r["tenant"] for r in rows} == {"t1"}
    with pytest.raises(Exception, match="tenant"):
        spark.read.format("har").option("tenantFrom", "no-group").load(str(one)).collect()



def test_a_given_schema_picks_columns(spark, archive):
    root, files = archive
    df = (spark.read.format("har").schema("source_file string, tenant string, wait_ms double")
          .option("tenantFrom", PAT).load(str(root)))
    assert df.columns == ["source_file", "tenant", "wait_ms"]
    assert spark_view(df) == oracle_view(files, str)
    with pytest.raises(Exception, match="no column 'nope'"):
        spark.read.format("har").schema("url string, nope int").load(str(root)).collect()
    with pytest.raises(Exception, match="wait_ms is double, not string"):
        spark.read.format("har").schema("wait_ms string").load(str(root)).collect()
    with pytest.raises(Exception, match="wait_ms can be null"):
        spark.read.format("har").schema("wait_ms double not null").load(str(root)).collect()


def test_picked_columns_carry_no_secret(spark, tmp_path):
    """Secrets planted where a picked column reads them (odd header spellings, a token in
    the query, a percent-encoded one, a JWT in a custom header) stay redacted."""
    import json

    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    jwt = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzcGFya3BsYW50ZWQifQ."
           "c3BhcmtTZWNyZXRTaWduYXR1cmVQbGFudGVk")
    secrets = ["SparkApiKey7731", "SparkSess99", "SparkTok5512", "SparkPw%21x9", jwt]
    entry = {
        "startedDateTime": "2026-12-03T10:00:00.000Z", "time": 5,
        "request": {"method": "GET", "httpVersion": "HTTP/1.1", "cookies": [],
                    "url": f"https://a.example/p?access_token={secrets[2]}&password={secrets[3]}",
                    "headers": [{"name": "x-ApI-kEy", "value": secrets[0]},
                                {"name": "COOKIE", "value": f"sid={secrets[1]}"},
                                {"name": "X-Custom-Context", "value": jwt}],
                    "queryString": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "cookies": [], "headers": [], "redirectURL": "", "headersSize": -1,
                     "bodySize": 0, "content": {"size": 0, "mimeType": "text/plain"}},
        "cache": {}, "timings": {"send": 1, "wait": 3, "receive": 1},
    }
    p = tmp_path / "planted.har"
    p.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                     "entries": [entry]}}))
    full = from_arrow_schema(pa.schema(harx.schema(tenant=True)))
    picked = StructType([full[c] for c in ("url", "request_headers", "tenant")])
    rows = spark.read.format("har").schema(picked).load(str(p)).collect()
    assert len(rows) == 1 and rows[0]["url"].startswith("https://a.example/p?")
    text = repr([r.asDict(recursive=True) for r in rows])
    for s in secrets + ["SparkPw!x9"]:
        assert s not in text, f"{s} reached the DataFrame: {text}"
    # the columns picked do carry them when the user opts out
    raw = spark.read.format("har").schema(picked).option("sanitize", "false").load(str(p)).collect()
    raw_text = repr([r.asDict(recursive=True) for r in raw])
    assert all(s in raw_text for s in (secrets[0], secrets[1], secrets[2], jwt)), raw_text
