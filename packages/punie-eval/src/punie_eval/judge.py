"""An optional judge model for direct answers: any OpenAI-compatible endpoint (`--judge URL`).

The judge sees the question, the rubric's facts (what a correct answer states and which claims
are wrong), a reference answer and the candidate answer, and replies with a JSON verdict. Its
verdict decides direct answers when it gives one; the rubric's verdict is recorded beside it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from punie_eval.backends.openai import OpenAIBackend
from punie_eval.suite import Query

__all__ = ["JUDGE_PROMPT", "Judge"]

JUDGE_PROMPT = """You grade answers to questions about Python tooling. Judge meaning, not wording:
an answer passes when it states every required fact (in any words) and makes none of the wrong
claims. Reply with one JSON object and nothing else: {"verdict": "pass" or "fail", "reason": "..."}"""


class Judge:
    """Asks an OpenAI-compatible model for a pass/fail verdict on one answer."""

    def __init__(self, spec: str, *, timeout: float = 120.0) -> None:
        url, _, rest = spec.partition(",")
        model = rest.partition("model=")[2] or None if rest else None
        self.backend = OpenAIBackend(url, model=model, max_tokens=256, timeout=timeout)
        self.name = f"judge:{self.backend.name}"

    def judge(self, query: Query, answer: str) -> dict[str, Any]:
        """{"verdict": "pass"|"fail"|None, "reason": str, "raw": str}"""
        rubric = query.rubric
        required = [item.name for item in rubric.require] if rubric else []
        wrong = [item.name for item in rubric.wrong] if rubric else []
        reference = next((t.answer for t in reversed(query.oracle) if t.answer), "")
        prompt = (
            f"Question: {query.request}\n\nA correct answer states: {'; '.join(required)}.\n"
            f"Wrong claims: {'; '.join(wrong) or 'none listed'}.\n\n"
            f"Reference answer: {reference}\n\nCandidate answer: {answer}\n"
        )
        messages = [
            {"role": "system", "content": JUDGE_PROMPT},
            {"role": "user", "content": prompt},
        ]
        try:
            reply = self.backend.complete(messages, [])
        except (httpx.HTTPError, RuntimeError, ValueError) as exc:
            return {"verdict": None, "reason": f"the judge failed: {exc}", "raw": ""}
        text = reply.text or ""
        match = re.search(r"\{.*\}", text, re.DOTALL)
        try:
            payload = json.loads(match.group(0)) if match else {}
        except json.JSONDecodeError:
            payload = {}
        verdict = str(payload.get("verdict", "")).lower()
        return {
            "verdict": verdict if verdict in ("pass", "fail") else None,
            "reason": str(
                payload.get("reason", "") or ("unreadable verdict" if not payload else "")
            ),
            "raw": text[:2000],
        }
