"""Any OpenAI-compatible chat-completions server (mlx_lm.server, LM Studio, Ollama, vLLM).

Without `model=`, the backend asks the server which models it serves (`GET /v1/models`) and
uses the one it serves (mlx_lm.server lists its `--model` path; several served models need
`model=NAME`). HTTP errors carry the server's own error text. A connection error or a 4xx is
`BackendUnavailable`: on a run's first request that makes the run an infrastructure error.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from punie_eval.backends.base import (
    BackendSpecError,
    BackendUnavailable,
    BackendUnreachable,
    Completion,
)

__all__ = ["OpenAIBackend", "check_url", "read_choice", "to_openai_messages"]


def check_url(url: str) -> str:
    """`url` when it is an http(s) URL with a host, else BackendSpecError saying so."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise BackendSpecError(f"{url!r} is not a URL ({exc})") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BackendSpecError(f"{url!r} is not an http(s) URL (e.g. http://127.0.0.1:8080/v1)")
    return url


def _failure(exc: httpx.HTTPError, url: str) -> BackendUnavailable:
    """A request that got no answer: unreachable when no connection could be made or the server
    dropped it (it crashed or went away); a read timeout is only a slow reply."""
    unreachable = isinstance(exc, httpx.TransportError) and (
        isinstance(exc, httpx.ConnectTimeout) or not isinstance(exc, httpx.TimeoutException)
    )
    kind = BackendUnreachable if unreachable else BackendUnavailable
    hint = " (is the server running?)" if unreachable else ""
    return kind(f"cannot reach {url}: {exc}{hint}")


def to_openai_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI's API wants tool-call arguments as a JSON string; the wire format keeps a dict."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        if message.get("tool_calls"):
            calls = []
            for call in message["tool_calls"]:
                function = dict(call.get("function") or {})
                if not isinstance(function.get("arguments"), str):
                    function["arguments"] = json.dumps(function.get("arguments") or {})
                calls.append({**call, "function": function})
            message = {**message, "tool_calls": calls}
        converted.append(message)
    return converted


def _code_of(call: dict[str, Any]) -> str:
    """The code of one structured call, or raise ValueError saying why it cannot be used."""
    function = call.get("function") or {}
    if function.get("name") != "execute_code":
        raise ValueError(f"unknown tool {function.get('name')!r}")
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ValueError(f"tool-call arguments are not JSON: {exc}") from None
    if not isinstance(arguments, dict) or not isinstance(arguments.get("code"), str):
        raise ValueError("execute_code called without a string `code`")
    return arguments["code"]


def read_choice(message: dict[str, Any], finish_reason: str | None = None) -> Completion:
    """A Completion from a response message: every structured tool call, else the content text."""
    text = message.get("content") or ""
    if not isinstance(text, str):
        text = json.dumps(text)
    codes: list[str] = []
    for call in message.get("tool_calls") or []:
        try:
            codes.append(_code_of(call))
        except ValueError as exc:
            return Completion(text=text, tool_call_error=str(exc), finish_reason=finish_reason)
    return Completion(
        text=text,
        code=codes[0] if codes else None,
        codes=codes,
        finish_reason=finish_reason,
    )


def _error_text(response: httpx.Response) -> str:
    body = response.text.strip()
    try:
        payload = response.json()
    except (json.JSONDecodeError, ValueError):
        payload = None
    if isinstance(payload, dict):
        error = payload.get("error", payload.get("detail", payload))
        if isinstance(error, dict):
            error = error.get("message") or error
        body = error if isinstance(error, str) else json.dumps(error)
    return (body or response.reason_phrase)[:500]


class OpenAIBackend:
    """POSTs the conversation to `URL/chat/completions` with the execute_code tool offered."""

    def __init__(
        self,
        url: str,
        *,
        model: str | None = None,
        max_tokens: int = 1024,
        timeout: float = 300.0,
        temperature: float = 0.0,
        seed: int | None = 0,
    ) -> None:
        base = check_url(url).rstrip("/")
        if base.endswith("/chat/completions"):
            base = base[: -len("/chat/completions")]
        self.base = base
        self.endpoint = base + "/chat/completions"
        self.requested_model = model
        self.model: str | None = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self.served_models: list[str] | None = None
        self.response_model: str | None = None
        self.name = f"openai:{url}" + (f",model={model}" if model else "")
        self._client = httpx.Client(timeout=timeout)

    def discover(self) -> str | None:
        """Ask the server what it serves (GET /models); pick the model when none was named.

        Raises BackendUnavailable when the server cannot be reached, serves nothing, or serves
        several models and none was named.
        """
        try:
            response = self._client.get(self.base + "/models")
        except httpx.HTTPError as exc:
            raise _failure(exc, f"{self.base}/models") from exc
        if response.status_code == 404 or response.status_code == 405:
            return self.model  # a server without the endpoint: send no model name
        if response.status_code >= 400:
            raise BackendUnavailable(
                f"GET {self.base}/models: HTTP {response.status_code}: {_error_text(response)}"
            )
        try:
            data = response.json().get("data") or []
            served = [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]
        except (ValueError, AttributeError, KeyError):
            served = []  # e.g. mlx_lm.server without a Hugging Face cache sends an empty body
        self.served_models = served
        if self.model is not None:
            return self.model
        local = [m for m in served if m.startswith("/")]  # mlx_lm.server's --model path
        if len(served) == 1:
            self.model = served[0]
        elif len(local) == 1:
            self.model = local[0]
        elif not served:
            return None  # send no model name: the server answers with the model it has loaded
        else:
            listed = ", ".join(served[:10]) + (" ..." if len(served) > 10 else "")
            raise BackendUnavailable(
                f"{self.base} serves {len(served)} models ({listed}); choose one with model=NAME"
            )
        return self.model

    def identity(self) -> dict[str, Any]:
        """What report.json records as the model."""
        return {
            "backend": "openai",
            "endpoint": self.base,
            "served_model_id": self.model,
            "response_model": self.response_model,
            "served_models": self.served_models,
        }

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """One chat-completions request; errors carry the server's message."""
        body: dict[str, Any] = {
            "messages": to_openai_messages(messages),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if tools:
            body["tools"] = tools
        if self.model is not None:
            body["model"] = self.model
        if self.seed is not None:
            body["seed"] = self.seed
        start = time.perf_counter()
        try:
            response = self._client.post(self.endpoint, json=body)
        except httpx.HTTPError as exc:
            raise _failure(exc, self.endpoint) from exc
        seconds = time.perf_counter() - start
        if 400 <= response.status_code < 500:
            raise BackendUnavailable(
                f"HTTP {response.status_code} from {self.endpoint}: {_error_text(response)}"
            )
        if response.status_code >= 500:
            raise RuntimeError(
                f"HTTP {response.status_code} from {self.endpoint}: {_error_text(response)}"
            )
        try:
            payload = response.json()
            choice = payload["choices"][0]
            message = choice["message"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise RuntimeError(f"unexpected response from {self.endpoint}: {exc}") from exc
        self.response_model = payload.get("model", self.response_model)
        completion = read_choice(message, choice.get("finish_reason"))
        usage = payload.get("usage") or {}
        return completion.model_copy(
            update={
                "seconds": seconds,
                "prompt_tokens": usage.get("prompt_tokens"),
                "completion_tokens": usage.get("completion_tokens"),
            }
        )
