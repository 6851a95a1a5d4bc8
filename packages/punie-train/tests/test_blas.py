"""punie_train.blas: MLX computes with oneMKL when the cpu-blas extra is installed, and only then.

Each case runs a fresh interpreter (the choice must be made before mlx.core is first imported)
with ``MKL_VERBOSE=1``, which makes oneMKL print one line per call it serves: a matrix product in
MLX that reaches oneMKL prints ``SGEMM``; one that stays in MLX's bundled BLAS prints nothing.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
    reason="the cpu-blas extra (oneMKL from PyPI) installs only on Linux x86_64",
)

PROBE = """
import json, sys
import numpy as np
if sys.argv[1] == "mlx-first":
    import mlx.core
import punie_train
from punie_train.blas import blas_in_use
import mlx.core as mx
rng = np.random.default_rng(0)
a = rng.standard_normal((96, 200)).astype(np.float32)
b = rng.standard_normal((200, 72)).astype(np.float32)
product = mx.array(a) @ mx.array(b)
mx.eval(product)
error = float(np.abs(np.array(product) - a @ b).max())
choice = blas_in_use()
print("RESULT " + json.dumps({"name": choice.name, "path": choice.path, "reason": choice.reason,
                              "error": error}))
"""


def _probe(env_value: str | None, *, mlx_first: bool = False) -> tuple[dict[str, object], str]:
    env = {k: v for k, v in os.environ.items() if k != "PUNIE_BLAS"}
    env["MKL_VERBOSE"] = "1"
    if env_value is not None:
        env["PUNIE_BLAS"] = env_value
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "mlx-first" if mlx_first else "-"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT ")), proc.stdout + proc.stderr


def test_mlx_matrix_products_run_in_onemkl_and_agree_with_numpy() -> None:
    result, output = _probe(None)
    assert str(result["name"]).startswith("mkl "), result
    assert "libmkl_rt" in str(result["path"])
    assert "SGEMM(" in output  # oneMKL served MLX's product
    assert float(str(result["error"])) < 1e-3  # and got it right


def test_reference_keeps_mlx_bundled_blas() -> None:
    result, output = _probe("reference")
    assert result["name"] == "reference"
    assert "SGEMM(" not in output
    assert float(str(result["error"])) < 1e-3


def test_too_late_when_mlx_was_imported_first() -> None:
    result, output = _probe(None, mlx_first=True)
    assert result["name"] == "reference"
    assert "imported before" in str(result["reason"])
    assert "SGEMM(" not in output


def test_a_library_that_cannot_serve_is_refused_with_the_reason() -> None:
    result, output = _probe("/nonexistent/libblas.so")
    assert result["name"] == "reference"
    assert "could not load /nonexistent/libblas.so" in str(result["reason"])
    assert "PUNIE_BLAS: could not load" in output  # said on stderr, once
    libm = ctypes.util.find_library("m")
    assert libm is not None
    result, output = _probe(libm)
    assert result["name"] == "reference"
    assert "does not export cblas_sgemm" in str(result["reason"])
    assert "SGEMM(" not in output
