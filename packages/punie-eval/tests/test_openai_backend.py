"""The openai backend over real HTTP: a local server replays the oracle in OpenAI response shape,
lists its models on GET /v1/models, and can be told to misbehave."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from punie_eval.backends import BackendUnavailable, make_backend
from punie_eval.backends.openai import OpenAIBackend, read_choice, to_openai_messages
from punie_eval.harness import run_suite
from punie_eval.suite import Suite

IDS = ["single-lint", "single-protocol", "multi-fix-failing-test", "domain-svcs-registration"]


class Server:
    """What the fake server serves and how it misbehaves (set by each test)."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.models: list[str] | None = ["/models/qwen3-coder-5bit"]
        self.empty_models_body = False
        self.error: tuple[int, dict[str, Any]] | None = None
        self.finish_reason = "stop"
        self.split_calls = False
        self.url = ""


@pytest.fixture(scope="module")
def server(suite: Suite) -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if state.empty_models_body:  # mlx_lm.server without a Hugging Face cache does this
                self.send_response(200)
                self.end_headers()
            elif self.path.startswith("/v1/models") and state.models is not None:
                self._send(200, {"object": "list", "data": [{"id": m} for m in state.models]})
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.seen.append(body)
            if state.error is not None:
                self._send(*state.error)
                return
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
                codes = [ref.code]
                if state.split_calls:
                    codes = ["print('first call')", ref.code]
                message = {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": f"c{turn}_{n}",
                            "type": "function",
                            "function": {
                                "name": "execute_code",
                                "arguments": json.dumps({"code": code}),
                            },
                        }
                        for n, code in enumerate(codes)
                    ],
                }
            else:
                message = {"role": "assistant", "content": ref.answer}
            self._send(
                200,
                {
                    "model": body.get("model", "default_model"),
                    "choices": [{"message": message, "finish_reason": state.finish_reason}],
                    "usage": {"completion_tokens": 7, "prompt_tokens": 100},
                },
            )

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _reset(server: Server) -> None:
    server.seen.clear()
    server.models = ["/models/qwen3-coder-5bit"]
    server.error = None
    server.finish_reason = "stop"
    server.split_calls = False
    server.empty_models_body = False


def test_without_model_the_served_model_is_used(suite: Suite, server: Server) -> None:
    backend = make_backend(f"openai:{server.url}", temperature=0.0, seed=3)
    report, transcripts = run_suite(suite, backend, only=IDS)
    assert {q.id: q.why for q in report.queries if not q.passed} == {}
    assert server.seen[0]["model"] == "/models/qwen3-coder-5bit"
    assert server.seen[0]["seed"] == 3 and server.seen[0]["temperature"] == 0.0
    assert server.seen[0]["tools"][0]["function"]["name"] == "execute_code"
    assert report.model["served_model_id"] == "/models/qwen3-coder-5bit"
    assert report.model["endpoint"] == server.url
    assert all(q.tokens_per_s and q.tokens_per_s > 0 for q in report.queries)
    # structured tool calls are recorded as code, so the transcript replays without the server
    assert any(o["code"] for t in transcripts for o in t["outputs"])


def test_a_named_model_is_sent_as_is(suite: Suite, server: Server) -> None:
    backend = make_backend(f"openai:{server.url},model=oracle-7b")
    run_suite(suite, backend, only=["single-protocol"])
    assert server.seen[0]["model"] == "oracle-7b"


def test_several_served_models_need_a_name(server: Server) -> None:
    server.models = ["qwen2.5-coder:7b", "llama3:8b"]
    with pytest.raises(BackendUnavailable, match=r"serves 2 models .*model=NAME"):
        make_backend(f"openai:{server.url}")
    server.models = ["qwen2.5-coder:7b", "/abs/path/model"]  # mlx_lm.server lists its --model path
    backend = make_backend(f"openai:{server.url}")
    assert isinstance(backend, OpenAIBackend) and backend.model == "/abs/path/model"


def test_an_unreadable_model_list_sends_no_model_name(suite: Suite, server: Server) -> None:
    server.empty_models_body = True
    report, _ = run_suite(suite, make_backend(f"openai:{server.url}"), only=["single-protocol"])
    assert "model" not in server.seen[0]  # the server answers with the model it has loaded
    assert report.error is None and report.queries[0].passed
    server.empty_models_body = False
    server.models = None  # no /v1/models at all (404): the same
    make_backend(f"openai:{server.url}")


def test_a_4xx_on_the_first_request_is_an_infrastructure_error(
    suite: Suite, server: Server
) -> None:
    server.error = (404, {"error": {"message": "Model 'default' not found in the hub"}})
    backend = make_backend(f"openai:{server.url}")
    report, _ = run_suite(suite, backend, only=IDS)
    assert report.error and "HTTP 404" in report.error
    assert "Model 'default' not found in the hub" in report.error  # the server's own words
    assert len(report.queries) == 1 and not report.passed


def test_an_unreachable_server_is_refused_up_front() -> None:
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        make_backend("openai:http://127.0.0.1:9/v1")


def test_length_is_recorded_as_truncated(suite: Suite, server: Server) -> None:
    server.finish_reason = "length"
    report, _ = run_suite(suite, make_backend(f"openai:{server.url}"), only=["single-protocol"])
    query = report.queries[0]
    assert query.truncated and not query.passed
    assert "cut at the token limit" in query.why


def test_several_structured_calls_run_in_order(suite: Suite, server: Server) -> None:
    server.split_calls = True
    report, _ = run_suite(suite, make_backend(f"openai:{server.url}"), only=["single-lint"])
    query = report.queries[0]
    assert query.passed, query.why
    assert query.turn_summaries[0].calls == 2
    second = server.seen[1]["messages"]
    assert [m["role"] for m in second[2:]] == ["assistant", "tool", "tool"]
    assert second[3]["content"] == "first call"


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
