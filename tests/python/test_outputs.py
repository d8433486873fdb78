"""Outputs never replace an input or each other, whatever the command and however the
path is spelt (the same name, a symbolic link, a hard link, `./`), and an interrupted run
leaves no temporary file behind."""

import os
import signal
import subprocess
import time

import pytest

from conftest import harx_bin, run_harx


@pytest.fixture()
def capture(tmp_path, corpus):
    src = corpus / "real/firefox111_mitmproxy-org-2023.har"
    p = tmp_path / "case.har"
    p.write_bytes(src.read_bytes())
    os.symlink(p, tmp_path / "link.har")
    os.link(p, tmp_path / "hard.har")
    return p


COMMANDS = [
    ["sanitize", "{in}", "-o", "{same}"],
    ["sanitize", "{in}", "-o", "{tmp}/ok.har", "--report", "{same}"],
    ["report", "{in}", "-o", "{same}"],
    ["export", "{in}", "-o", "{same}", "--format", "ndjson"],
    ["export", "{in}", "-o", "{same}"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c[:1] + c[2:]))
@pytest.mark.parametrize("spelling", ["case.har", "link.har", "hard.har", "./case.har"])
def test_no_output_replaces_its_input(capture, tmp_path, cmd, spelling):
    before = capture.read_bytes()
    same = os.path.join(str(tmp_path), spelling)
    args = [a.format(**{"in": capture, "same": same, "tmp": tmp_path}) for a in cmd]
    p = run_harx(*args, check=False)
    assert p.returncode not in (0, 3), p.stderr
    assert "would replace an input" in p.stderr, p.stderr
    assert capture.read_bytes() == before
    assert not list(tmp_path.glob(".*harx-tmp")), "temporary file left"


def test_two_outputs_of_one_run_are_different_files(capture, tmp_path):
    out = tmp_path / "out.har"
    p = run_harx("sanitize", capture, "-o", out, "--report", tmp_path / "." / "out.har", check=False)
    assert p.returncode not in (0, 3)
    assert "two outputs" in p.stderr
    assert not out.exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_export_leaves_nothing_behind(tmp_path, sig):
    big = tmp_path / "big.har"
    run_harx("gen", "-o", big, "--size-mb", "60", "--bodies", "base64")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "big.parquet"
    proc = subprocess.Popen([str(harx_bin()), "export", str(big), "-o", str(out), "--bodies",
                             "--threads", "1"], stderr=subprocess.PIPE, text=True)
    # wait until the temporary output exists, then interrupt
    deadline = time.time() + 20
    while time.time() < deadline and not list(out_dir.glob(".*harx-tmp")):
        time.sleep(0.01)
    assert list(out_dir.glob(".*harx-tmp")), "the export never started its output"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0, err
    assert list(out_dir.iterdir()) == [], list(out_dir.iterdir())
