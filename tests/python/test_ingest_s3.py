"""`harx ingest --dataset s3://…` against moto's S3 server on 127.0.0.1 (started by
scripts/s3-local.sh, which scripts/test.sh runs): the dataset read back object by object,
re-runs, the lock, and recovery from a run killed mid-commit."""

import os
import pathlib
import signal
import uuid

import boto3
import pytest

from conftest import run_harx
from test_ingest import duck_counts, expected, mixed  # noqa: F401  (fixture)

PAT = r"cases/(?P<tenant>[^/]+)/"


@pytest.fixture()
def s3():
    endpoint = os.environ.get("HARX_S3_ENDPOINT")
    if not endpoint:
        pytest.skip("SKIPPED: no S3 server (run scripts/s3-local.sh start, or scripts/test.sh)")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    bucket = "harx-" + uuid.uuid4().hex[:12]
    client.create_bucket(Bucket=bucket)
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
    env.pop("HARX_FAILPOINT", None)
    return client, bucket, env


def keys(client, bucket, prefix):
    out = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return sorted(out)


def download(client, bucket, prefix, dest: pathlib.Path):
    for k in keys(client, bucket, prefix):
        p = dest / k[len(prefix):].lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(bucket, k, str(p))
    return dest


def test_s3_dataset_reads_back_and_reruns_add_nothing(s3, mixed, tmp_path):
    client, bucket, env = s3
    root, docs = mixed
    url = f"s3://{bucket}/lake"
    p = run_harx("ingest", root, "--dataset", url, "--tenant-from", PAT, env=env)
    assert "-> " + url in p.stderr
    ks = keys(client, bucket, "lake/")
    assert any(k.startswith("lake/entries/tenant=acme/date=") for k in ks)
    assert any(k.startswith("lake/_harx_manifest/") and k.endswith(".json") for k in ks)
    assert not any(k.endswith("lock") for k in ks), "the lock is released"
    assert not any(".harx-tmp" in k or "pending" in k for k in ks)
    local = download(client, bucket, "lake", tmp_path / "copy")
    want = expected(docs)
    assert duck_counts(local) == want
    run_harx("ingest", root, "--dataset", url, "--tenant-from", PAT, env=env)
    entries = [k for k in keys(client, bucket, "lake/entries/")]
    assert entries == [k for k in ks if k.startswith("lake/entries/")]


def test_s3_lock_refuses_a_second_run_until_broken(s3, mixed):
    client, bucket, env = s3
    root, _ = mixed
    client.put_object(Bucket=bucket, Key="lake/_harx_manifest/lock",
                      Body=b'{"pid":1,"host":"elsewhere"}')
    p = run_harx("ingest", root, "--dataset", f"s3://{bucket}/lake", check=False, env=env)
    assert p.returncode == 1
    assert "holds this dataset's lock" in p.stderr and "elsewhere" in p.stderr
    assert not keys(client, bucket, "lake/entries/")
    run_harx("ingest", root, "--dataset", f"s3://{bucket}/lake", "--break-lock", env=env)
    assert keys(client, bucket, "lake/entries/")


@pytest.mark.parametrize("point", ["after-pending", "after-first-publish", "before-commit"])
def test_s3_killed_mid_commit_is_undone_and_redone(s3, mixed, tmp_path, point):
    client, bucket, env = s3
    root, docs = mixed
    url = f"s3://{bucket}/lake"
    p = run_harx("ingest", root, "--dataset", url, "--tenant-from", PAT, check=False,
                 env=dict(env, HARX_FAILPOINT=point))
    assert p.returncode == -signal.SIGABRT, p.stderr
    p = run_harx("ingest", root, "--dataset", url, "--tenant-from", PAT, "--break-lock", env=env)
    assert "recovered from an interrupted run" in p.stderr
    local = download(client, bucket, "lake", tmp_path / "copy")
    assert duck_counts(local) == expected(docs)
