"""The openai backend against a real `mlx_lm.server` serving the tiny model on 127.0.0.1.

This is the path users take with a served model: no `model=` must reach the model the server
has loaded (never the hub), and a name the server cannot load must be exit 2 with the server's
own message, not a model that scored 0/20.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tiny_model import build_tiny_model
from typer.testing import CliRunner

from punie_eval.backends import make_backend
from punie_eval.cli import app
from punie_eval.harness import run_suite
from punie_eval.suite import Suite


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(model: Path, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlx_lm",
            "server",
            "--model",
            str(model),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("mlx_lm.server did not start within 90 s")
        yield url + "/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("served-qwen3"))


@pytest.fixture(scope="module")
def server(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cache = tmp_path_factory.mktemp("hf-cache")  # an empty cache: /v1/models lists --model only
    yield from _serve(model, {"HF_HUB_CACHE": str(cache), "HF_HOME": str(cache)})


def test_without_model_the_served_model_answers(suite: Suite, model: Path, server: str) -> None:
    backend = make_backend(f"openai:{server},max_tokens=8")
    report, transcripts = run_suite(
        suite, backend, only=["single-protocol", "single-lint"], turn_limit=1
    )
    assert report.error is None, report.error
    assert report.model["served_model_id"] == str(model.resolve())
    assert all(q.outcome != "backend_error" for q in report.queries)
    assert all(o["finish_reason"] in ("length", "stop") for t in transcripts for o in t["outputs"])


def test_a_name_the_server_cannot_load_is_exit_2_with_its_message(
    suite: Suite, server: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--backend",
            f"openai:{server},model=qwen3-coder",
            "--suite",
            str(suite.root),
            "--out",
            str(tmp_path),
            "--only",
            "single-protocol",
        ],
    )
    assert result.exit_code == 2
    assert "HTTP 404" in result.output
    report = (tmp_path / "report.json").read_text()
    assert '"error": "the backend is unavailable: HTTP 404' in report
