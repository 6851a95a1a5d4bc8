"""Any OpenAI-compatible chat-completions server (mlx_lm.server, LM Studio, Ollama, vLLM)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from punie_eval.backends.base import Completion


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


def read_choice(message: dict[str, Any]) -> Completion:
    """A Completion from a response message: structured tool_calls first, else the content text."""
    text = message.get("content") or ""
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        if function.get("name") != "execute_code":
            return Completion(text=text, tool_call_error=f"unknown tool {function.get('name')!r}")
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                return Completion(
                    text=text, tool_call_error=f"tool-call arguments are not JSON: {exc}"
                )
        if not isinstance(arguments, dict) or not isinstance(arguments.get("code"), str):
            return Completion(
                text=text, tool_call_error="execute_code called without a string `code`"
            )
        return Completion(text=text, code=arguments["code"])
    return Completion(text=text)


class OpenAIBackend:
    """POSTs the conversation to `URL/chat/completions` with the execute_code tool offered."""

    def __init__(
        self, url: str, *, model: str | None = None, max_tokens: int = 1024, timeout: float = 300.0
    ) -> None:
        base = url.rstrip("/")
        self.endpoint = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self.model = model or "default"
        self.max_tokens = max_tokens
        self.name = f"openai:{url}" + (f",model={model}" if model else "")
        self._client = httpx.Client(timeout=timeout)

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """One chat-completions request; HTTP errors raise (the loop records them)."""
        body = {
            "model": self.model,
            "messages": to_openai_messages(messages),
            "tools": tools,
            "temperature": 0.0,
            "max_tokens": self.max_tokens,
        }
        start = time.perf_counter()
        response = self._client.post(self.endpoint, json=body)
        seconds = time.perf_counter() - start
        response.raise_for_status()
        payload = response.json()
        completion = read_choice(payload["choices"][0]["message"])
        usage = payload.get("usage") or {}
        return completion.model_copy(
            update={
                "seconds": seconds,
                "prompt_tokens": usage.get("prompt_tokens"),
                "completion_tokens": usage.get("completion_tokens"),
            }
        )
