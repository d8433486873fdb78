"""The default build runs on x86-64 CPUs without AVX2 and gives the same outputs there.

The binary under test is run under QEMU's user-mode emulator with CPU models that lack
AVX2 (`Nehalem`: SSE4.2 and POPCNT; `qemu64`: the x86-64 baseline). A tiny AVX2 program
built with gcc is run under the same models first and must die with SIGILL: that proves
the emulated CPU really has no AVX2, so a harx that works there took its portable path.
"""

import pathlib
import platform
import shutil
import subprocess

import pyarrow.parquet as pq
import pytest

from conftest import harx_bin, run_harx

MODELS = ["Nehalem", "qemu64"]

AVX2_PROBE = r"""
#include <immintrin.h>
#include <stdio.h>
int main(int argc, char **argv) {
    __m256i a = _mm256_set1_epi8((char)argc);
    __m256i b = _mm256_add_epi8(a, a);
    printf("%d\n", _mm256_movemask_epi8(_mm256_cmpeq_epi8(a, b)));
    return 0;
}
"""


@pytest.fixture(scope="module")
def qemu():
    if platform.machine() != "x86_64":
        pytest.skip("SKIPPED: not an x86-64 machine")
    q = shutil.which("qemu-x86_64")
    if q is None:
        pytest.skip("SKIPPED: qemu-x86_64 not installed (apt-get install qemu-user)")
    return q


@pytest.fixture(scope="module")
def avx2_probe(tmp_path_factory, qemu):
    if shutil.which("gcc") is None:
        pytest.skip("SKIPPED: gcc not installed")
    d = tmp_path_factory.mktemp("probe")
    (d / "p.c").write_text(AVX2_PROBE)
    subprocess.run(["gcc", "-O1", "-mavx2", "-o", str(d / "p"), str(d / "p.c")], check=True)
    return d / "p"


def emulated(qemu, model, *args, timeout=600):
    return subprocess.run(
        [qemu, "-cpu", model, str(harx_bin()), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("model", MODELS)
def test_the_emulated_cpu_has_no_avx2(qemu, avx2_probe, model):
    native = subprocess.run([str(avx2_probe)], capture_output=True, text=True)
    assert native.returncode == 0, "the AVX2 probe must run natively (this machine has AVX2)"
    proc = subprocess.run([qemu, "-cpu", model, str(avx2_probe)], capture_output=True)
    assert proc.returncode < 0 or proc.returncode == 132, (
        f"an AVX2 instruction ran under -cpu {model}: the model has AVX2, the test proves nothing"
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, corpus):
    d = tmp_path_factory.mktemp("portable")
    gen = d / "gen.har"
    run_harx("gen", "--size-mb", "3", "--bodies", "base64", "-o", gen)
    chrome = corpus / "real" / "chrome_mitmproxy-org-2023.har"
    assert chrome.is_file(), f"{chrome} missing from the corpus"
    return [gen, chrome]


@pytest.mark.parametrize("model", MODELS)
def test_export_and_sanitize_without_avx2_match_the_native_run(
    qemu, avx2_probe, inputs, tmp_path, model
):
    for src in inputs:
        native = tmp_path / f"{src.stem}.native.parquet"
        slow = tmp_path / f"{src.stem}.{model}.parquet"
        run_harx("export", src, "-o", native)
        proc = emulated(qemu, model, "export", src, "-o", slow)
        assert proc.returncode == 0, f"-cpu {model}: exit {proc.returncode}\n{proc.stderr}"
        a, b = pq.read_table(native), pq.read_table(slow)
        assert a.num_rows > 0
        assert a.equals(b), f"{src.name}: export differs under -cpu {model}"

        san_native = tmp_path / f"{src.stem}.native.har"
        san_slow = tmp_path / f"{src.stem}.{model}.har"
        run_harx("sanitize", src, "-o", san_native)
        proc = emulated(qemu, model, "sanitize", src, "-o", san_slow)
        assert proc.returncode == 0, f"-cpu {model}: exit {proc.returncode}\n{proc.stderr}"
        assert pathlib.Path(san_native).read_bytes() == pathlib.Path(san_slow).read_bytes()

        proc = emulated(qemu, model, "validate", src)
        native_v = run_harx("validate", src, check=False)
        assert (proc.returncode, proc.stdout) == (native_v.returncode, native_v.stdout)
