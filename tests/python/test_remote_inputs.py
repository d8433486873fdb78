"""Inputs in object storage and at URLs: `s3://bucket/prefix/`, `s3://bucket/key`, glob
patterns under a prefix and `http(s)://` URLs, for `ingest`, `export` and the views, against
moto's S3 server on 127.0.0.1 (scripts/s3-local.sh) and a loopback HTTP server. The oracle
is Python's json module over the same files (test_ingest's `expected`), and the server's own
request log says what a re-run downloaded."""

import collections
import concurrent.futures
import http.server
import json
import os
import pathlib
import signal
import threading

import pyarrow.parquet as pq
import pytest

import oracle
from conftest import peak_rss, run_harx
from test_ingest import duck_counts, expected, mixed  # noqa: F401  (fixture)
from test_ingest_s3 import s3  # noqa: F401  (fixture)

PAT = r"cases/(?P<tenant>[^/]+)/"
SECRET = "SECRETMARKER-7f3a91"


def upload_tree(client, bucket, root: pathlib.Path, prefix: str):
    """Uploads every file under `root` to `prefix/<relative path>`; returns the keys."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    keys = [f"{prefix}/{p.relative_to(root).as_posix()}" for p in files]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda fk: client.upload_file(str(fk[0]), bucket, fk[1]), zip(files, keys)))
    return keys


def log_mark():
    log = os.environ.get("HARX_S3_LOG")
    if not log or not os.path.exists(log):
        return None
    return os.path.getsize(log)


def requests_since(mark, bucket):
    """Request lines of the S3 server's log since `mark` that name `bucket`."""
    log = os.environ.get("HARX_S3_LOG")
    with open(log, "rb") as f:
        f.seek(mark)
        lines = f.read().decode("utf-8", "replace").splitlines()
    return [line for line in lines if f" /{bucket}" in line and "HTTP/1.1\"" in line]


def test_ingest_of_a_prefix_equals_the_oracle_and_a_rerun_downloads_nothing(s3, mixed, tmp_path):
    client, bucket, env = s3
    root, docs = mixed
    upload_tree(client, bucket, root, "cases")
    ds = tmp_path / "ds"
    p = run_harx("ingest", f"s3://{bucket}/cases/", "--dataset", ds, "--tenant-from", PAT,
                 env=env)
    assert duck_counts(ds) == expected(docs)
    # the file names are the objects' URLs
    import duckdb
    paths = {r[0] for r in duckdb.sql(
        f"SELECT DISTINCT path FROM read_parquet('{ds}/files/**/*.parquet')").fetchall()}
    assert f"s3://{bucket}/cases/acme/charles_4.6.3.har" in paths, paths
    assert "non-HAR" in p.stderr  # README.txt and the PNG are not read
    mark = log_mark()
    p = run_harx("ingest", f"s3://{bucket}/cases/", "--dataset", ds, "--tenant-from", PAT,
                 env=env)
    assert "0 input(s) ingested" in p.stderr and "already in the dataset" in p.stderr, p.stderr
    assert duck_counts(ds) == expected(docs)
    if mark is not None:
        seen = requests_since(mark, bucket)
        assert any("list-type" in r for r in seen), "the log shows the re-run's listing"
        gets = [r for r in seen if '"GET ' in r and "list-type" not in r]
        assert gets == [], gets


def test_ingest_from_s3_and_from_disk_give_the_same_dataset(s3, mixed, tmp_path):
    client, bucket, env = s3
    root, _ = mixed
    upload_tree(client, bucket, root, "in/cases")
    remote, local = tmp_path / "remote", tmp_path / "local"
    run_harx("ingest", f"s3://{bucket}/in/cases", "--dataset", remote, "--tenant-from", PAT,
             env=env)
    run_harx("ingest", root, "--dataset", local, "--tenant-from", PAT)
    import duckdb

    def rows(ds):
        return sorted(duckdb.sql(
            f"SELECT tenant, CAST(date AS VARCHAR), started_at, url, status, wait_ms, total_ms "
            f"FROM read_parquet('{ds}/entries/**/*.parquet', hive_partitioning = true)"
        ).fetchall(), key=repr)

    assert rows(remote) == rows(local)


def test_a_killed_ingest_of_s3_inputs_and_its_rerun_give_exact_counts(s3, mixed, tmp_path):
    client, bucket, env = s3
    root, docs = mixed
    upload_tree(client, bucket, root, "cases")
    ds = tmp_path / "ds"
    args = ("ingest", f"s3://{bucket}/cases/", "--dataset", ds, "--tenant-from", PAT,
            "--commit-every-mb", "1")
    p = run_harx(*args, check=False, env=dict(env, HARX_FAILPOINT="after-first-publish"))
    assert p.returncode == -signal.SIGABRT, p.stderr
    run_harx(*args, env=env)
    assert duck_counts(ds) == expected(docs)
    run_harx(*args, env=env)
    assert duck_counts(ds) == expected(docs)


def export_rows(path):
    t = pq.read_table(path, columns=["source_file", "started_at", "url", "wait_ms"])
    return t.to_pylist()


def test_export_and_views_read_prefixes_keys_and_globs(s3, corpus, tmp_path):
    client, bucket, env = s3
    real = corpus / "real"
    names = ["chrome_with-bom.har", "charles_4.6.3.har", "chrome-har_wikipedia-2018.har.gz",
             "mitmproxy-exporthar_compressed.zhar"]
    for n in names:
        client.upload_file(str(real / n), bucket, f"p/sub/{n}")
    client.upload_file(str(corpus / "saz" / "fiddler5.0.20202_updatecheck-2020.saz"), bucket,
                       "p/f.saz")
    client.put_object(Bucket=bucket, Key="p/_SUCCESS", Body=b"")
    client.put_object(Bucket=bucket, Key="p/.hidden.har", Body=b"{not json")
    out = tmp_path / "all.parquet"
    run_harx("export", f"s3://{bucket}/p/", "-o", out, env=env)
    got = collections.Counter(r["source_file"] for r in export_rows(out))
    local = tmp_path / "local.parquet"
    run_harx("export", *[real / n for n in names],
             corpus / "saz" / "fiddler5.0.20202_updatecheck-2020.saz", "-o", local)
    want = collections.Counter(r["source_file"] for r in export_rows(local))
    assert sorted(got.values()) == sorted(want.values())
    assert got[f"s3://{bucket}/p/sub/charles_4.6.3.har"] == len(oracle.rows(real / "charles_4.6.3.har"))
    # the same rows, whatever the source
    strip = lambda rs: sorted(((r["started_at"], r["url"], r["wait_ms"]) for r in rs), key=repr)  # noqa: E731
    assert strip(export_rows(out)) == strip(export_rows(local))
    # a glob under a prefix: `*` stays within one level
    g = tmp_path / "g.parquet"
    run_harx("export", f"s3://{bucket}/p/*/*.har", "-o", g, env=env)
    assert set(r["source_file"] for r in export_rows(g)) == {
        f"s3://{bucket}/p/sub/chrome_with-bom.har", f"s3://{bucket}/p/sub/charles_4.6.3.har"}
    p = run_harx("export", f"s3://{bucket}/p/*.har", "-o", g, check=False, env=env)
    assert p.returncode == 1 and "matches no object" in p.stderr
    # one key; the views
    s = run_harx("summary", "--format", "json", f"s3://{bucket}/p/sub/charles_4.6.3.har", env=env)
    assert json.loads(s.stdout)["entries"] == len(oracle.rows(real / "charles_4.6.3.har"))
    f = run_harx("find", "--status", "200", f"s3://{bucket}/p/sub/charles_4.6.3.har", env=env)
    assert f.stdout.strip()
    r = tmp_path / "r.html"
    run_harx("report", f"s3://{bucket}/p/sub/chrome_with-bom.har", "-o", r, env=env)
    assert r.stat().st_size > 0


def tiny_har(i):
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                               "entries": [{"startedDateTime": "2024-01-01T00:00:00Z",
                                            "time": i, "request": {"method": "GET",
                                            "url": f"https://h/{i}", "headers": []},
                                            "response": {"status": 200, "headers": []},
                                            "timings": {"wait": i}}]}}).encode()


def test_listing_follows_pagination(s3, tmp_path):
    client, bucket, env = s3
    n = 1_050  # more than one page of ListObjectsV2 (1,000 keys)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: client.put_object(Bucket=bucket, Key=f"many/{i:05}.har",
                                                  Body=tiny_har(i)), range(n)))
    out = tmp_path / "many.parquet"
    run_harx("export", f"s3://{bucket}/many/", "-o", out, env=env)
    rows = export_rows(out)
    assert len(rows) == n
    assert len({r["source_file"] for r in rows}) == n
    assert sum(r["wait_ms"] for r in rows) == sum(range(n))


def test_bad_objects_are_named_and_the_others_read(s3, corpus, tmp_path):
    client, bucket, env = s3
    real = corpus / "real"
    client.upload_file(str(real / "charles_4.6.3.har"), bucket, "b/good.har")
    client.put_object(Bucket=bucket, Key="b/binary.har", Body=b"\x00\x01\x02" * 2000)
    out = tmp_path / "o.parquet"
    p = run_harx("export", f"s3://{bucket}/b/", f"s3://{bucket}/nope/", "-o", out,
                 check=False, env=env)
    assert p.returncode == 1, p.stderr
    assert f"s3://{bucket}/b/binary.har" in p.stderr and "does not start like a HAR" in p.stderr
    assert f"s3://{bucket}/nope/" in p.stderr and "no object under this prefix" in p.stderr
    assert len(export_rows(out)) == len(oracle.rows(real / "charles_4.6.3.har"))
    p = run_harx("summary", f"s3://no-such-bucket-{bucket}/x.har", check=False, env=env)
    assert p.returncode == 1 and "NoSuchBucket" in p.stderr
    assert "<?xml" not in p.stderr


def test_credentials_come_from_the_profile_and_never_reach_messages(s3, corpus, tmp_path):
    client, bucket, env = s3
    client.upload_file(str(corpus / "real" / "charles_4.6.3.har"), bucket, "c/x.har")
    creds = tmp_path / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = wrong\n[work]\n"
                     f"aws_access_key_id = AKIA{SECRET}\naws_secret_access_key = {SECRET}\n")
    config = tmp_path / "config"
    config.write_text(f"[profile work]\nregion = us-east-1\nendpoint_url = {env['AWS_ENDPOINT_URL']}\n")
    penv = {k: v for k, v in env.items() if not k.startswith("AWS_")}
    penv.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=str(config),
                AWS_PROFILE="work", AWS_EC2_METADATA_DISABLED="true")
    s = run_harx("summary", "--format", "json", f"s3://{bucket}/c/x.har", env=penv)
    assert json.loads(s.stdout)["entries"] > 0
    p = run_harx("summary", f"s3://{bucket}/c/missing.har", f"s3://no-such-{bucket}/k.har",
                 check=False, env=penv)
    assert p.returncode == 1
    assert SECRET not in p.stderr + p.stdout


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture()
def web(tmp_path, corpus):
    d = tmp_path / "www"
    d.mkdir()
    for n in ["charles_4.6.3.har", "chrome-har_wikipedia-2018.har.gz"]:
        (d / n).write_bytes((corpus / "real" / n).read_bytes())
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          lambda *a: Handler(*a, directory=str(d)))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_urls_of_single_hars_are_read_and_shown_without_credentials(web, corpus, tmp_path):
    real = corpus / "real"
    out = tmp_path / "w.parquet"
    url = f"{web}/charles_4.6.3.har?X-Amz-Signature={SECRET}"
    gz = f"http://user:{SECRET}@{web[len('http://'):]}/chrome-har_wikipedia-2018.har.gz"
    p = run_harx("export", url, gz, "-o", out)
    rows = export_rows(out)
    names = collections.Counter(r["source_file"] for r in rows)
    assert names == {f"{web}/charles_4.6.3.har?…": len(oracle.rows(real / "charles_4.6.3.har")),
                     f"{web}/chrome-har_wikipedia-2018.har.gz": 553}
    assert SECRET not in p.stderr
    p = run_harx("summary", f"{web}/missing.har?token={SECRET}", check=False)
    assert p.returncode == 1 and "missing.har" in p.stderr
    assert SECRET not in p.stderr


def test_a_large_object_is_read_in_bounded_memory(s3, tmp_path):
    client, bucket, env = s3
    big = tmp_path / "big.har"
    run_harx("gen", "--size-mb", "150", "--bodies", "base64", "-o", big)
    client.upload_file(str(big), bucket, "big/big.har")
    big_local_rows = pq.read_metadata(run_and_path(tmp_path / "l.parquet", big)).num_rows
    big.unlink()
    out = tmp_path / "big.parquet"
    code, peak_mib, err = peak_rss(["export", f"s3://{bucket}/big/big.har", "-o", out], env)
    assert code == 0, err
    assert pq.read_metadata(out).num_rows == big_local_rows
    # the 150 MB object is spooled to a mapped temporary file, not held in memory
    assert peak_mib < 140, f"peak RSS {peak_mib:.0f} MiB"


def run_and_path(out, src):
    run_harx("export", src, "-o", out)
    return out
