"""Replay recorded transcripts (a run's `transcripts.jsonl`) as if a model produced them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punie_eval.backends._common import assistant_turns, first_user_text
from punie_eval.backends.base import Completion


class ReplayBackend:
    """Looks up the request's recorded outputs and returns them turn by turn."""

    name = "replay"

    def __init__(self, path: str | Path, *, suite: Any = None) -> None:
        self.path = Path(path)
        self.name = f"replay:{self.path}"
        self._by_request: dict[str, list[dict[str, Any]]] = {}
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._by_request[str(entry["request"]).strip()] = list(entry["outputs"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}:{number}: not a transcript line ({exc})") from exc

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """The recorded output for this request and turn."""
        request = first_user_text(messages).strip()
        outputs = self._by_request.get(request)
        if outputs is None:
            raise LookupError(f"{self.path} holds no transcript for {request[:60]!r}")
        index = assistant_turns(messages)
        if index >= len(outputs):
            raise LookupError(f"{self.path}: transcript for {request[:60]!r} ends at turn {index}")
        return Completion.model_validate(outputs[index])
