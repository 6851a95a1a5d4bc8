"""The optional judge model (`--judge URL`) over real HTTP: its verdict decides direct answers,
the rubric's is recorded beside it, and a judge that gives no verdict leaves it to the rubric."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner

from punie_eval.backends.oracle import OracleBackend
from punie_eval.cli import app
from punie_eval.harness import run_suite
from punie_eval.judge import Judge
from punie_eval.suite import Suite


class JudgeServer:
    def __init__(self) -> None:
        self.reply = '{"verdict": "fail", "reason": "misses the point"}'
        self.prompts: list[str] = []
        self.url = ""


@pytest.fixture(scope="module")
def judge_server() -> Iterator[JudgeServer]:
    state = JudgeServer()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send({"data": [{"id": "judge-model"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.prompts.append(body["messages"][-1]["content"])
            message = {"role": "assistant", "content": state.reply}
            self._send({"choices": [{"message": message, "finish_reason": "stop"}]})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield state
    httpd.shutdown()
    httpd.server_close()


def test_the_judge_decides_and_the_rubric_is_recorded(
    suite: Suite, judge_server: JudgeServer
) -> None:
    judge_server.reply = 'Verdict: {"verdict": "fail", "reason": "misses the point"}'
    judge = Judge(judge_server.url)
    report, _ = run_suite(suite, OracleBackend(suite), only=["single-protocol"], judge=judge)
    query = report.queries[0]
    assert not query.passed and "the judge failed the answer: misses the point" in query.why
    assert query.judge and query.judge["rubric_passed"] is True
    assert report.judge == judge.name
    prompt = judge_server.prompts[-1]
    assert "What is a Protocol in Python?" in prompt and "Candidate answer:" in prompt
    assert "protocols are checked structurally" in prompt  # the rubric's facts


def test_a_judge_without_a_verdict_leaves_it_to_the_rubric(
    suite: Suite, judge_server: JudgeServer
) -> None:
    judge_server.reply = "I am not sure."
    report, _ = run_suite(
        suite, OracleBackend(suite), only=["single-protocol"], judge=Judge(judge_server.url)
    )
    query = report.queries[0]
    assert query.passed and query.judge and query.judge["verdict"] is None


def test_cli_judge_option(suite: Suite, judge_server: JudgeServer, tmp_path) -> None:
    judge_server.reply = '{"verdict": "pass", "reason": "right"}'
    result = CliRunner().invoke(
        app,
        [
            "run", "--backend", "oracle", "--suite", str(suite.root), "--out", str(tmp_path),
            "--only", "domain-tdom-svcs", "--judge", judge_server.url,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Judge: pass (right)" in (tmp_path / "report.md").read_text()
    down = CliRunner().invoke(
        app,
        ["run", "--backend", "oracle", "--suite", str(suite.root), "--out", str(tmp_path / "d"),
         "--only", "domain-tdom-svcs", "--judge", "http://127.0.0.1:9/v1"],
    )  # fmt: skip
    assert down.exit_code == 2 and "cannot reach" in down.output
