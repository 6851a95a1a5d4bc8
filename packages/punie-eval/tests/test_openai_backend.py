"""The openai backend over real HTTP: a local server replays the oracle in OpenAI response shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from punie_eval.backends import make_backend
from punie_eval.backends.openai import read_choice, to_openai_messages
from punie_eval.harness import run_suite
from punie_eval.suite import Suite

IDS = ["single-lint", "single-protocol", "multi-fix-failing-test", "domain-svcs-registration"]


@pytest.fixture(scope="module")
def server(suite: Suite) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            messages = body["messages"]
            for m in messages:  # the server sees OpenAI's shape: arguments as a JSON string
                for call in m.get("tool_calls") or []:
                    call["function"]["arguments"] = json.loads(call["function"]["arguments"])
            request = next(m["content"] for m in messages if m["role"] == "user")
            query = suite.by_request(request)
            turn = sum(m["role"] == "assistant" for m in messages)
            ref = query.oracle[min(turn, len(query.oracle) - 1)] if query else None
            if ref is None:
                message: dict[str, Any] = {"role": "assistant", "content": "?"}
            elif ref.code is not None:
                arguments = json.dumps({"code": ref.code})
                message = {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": f"c{turn}",
                            "type": "function",
                            "function": {"name": "execute_code", "arguments": arguments},
                        }
                    ],
                }
            else:
                message = {"role": "assistant", "content": ref.answer}
            payload = json.dumps(
                {
                    "choices": [{"message": message}],
                    "usage": {"completion_tokens": 7, "prompt_tokens": 100},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    httpd.shutdown()
    httpd.server_close()


def test_openai_backend_passes_the_oracle_queries_over_http(
    suite: Suite, server: tuple[str, list[dict[str, Any]]]
) -> None:
    url, seen = server
    backend = make_backend(f"openai:{url},model=oracle-7b")
    report, transcripts = run_suite(suite, backend, only=IDS)
    assert {q.id: q.why for q in report.queries if not q.passed} == {}
    assert report.overall.passed == len(IDS)
    assert (
        seen
        and seen[0]["model"] == "oracle-7b"
        and seen[0]["tools"][0]["function"]["name"] == "execute_code"
    )
    assert all(q.tokens_per_s and q.tokens_per_s > 0 for q in report.queries)
    # structured tool calls are recorded as code, so the transcript replays without the server
    assert any(o["code"] for t in transcripts for o in t["outputs"])


def test_http_errors_are_recorded_not_raised(suite: Suite) -> None:
    backend = make_backend("openai:http://127.0.0.1:9/v1")
    report, _ = run_suite(suite, backend, only=["single-lint"])
    assert report.queries[0].outcome == "backend_error" and not report.passed


def test_read_choice_handles_text_and_bad_structured_calls() -> None:
    assert read_choice({"content": "plain answer"}).text == "plain answer"
    bad = read_choice(
        {
            "content": None,
            "tool_calls": [{"function": {"name": "execute_code", "arguments": "{not json"}}],
        }
    )
    assert bad.tool_call_error and "not JSON" in bad.tool_call_error
    other = read_choice({"tool_calls": [{"function": {"name": "shell", "arguments": "{}"}}]})
    assert other.tool_call_error and "shell" in other.tool_call_error
    converted = to_openai_messages(
        [
            {
                "role": "assistant",
                "tool_calls": [{"function": {"name": "execute_code", "arguments": {"code": "x"}}}],
            }
        ]
    )
    assert converted[0]["tool_calls"][0]["function"]["arguments"] == '{"code": "x"}'
