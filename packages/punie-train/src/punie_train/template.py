"""What a model's own chat template does with punie's conversations, found by rendering probes.

The gate (before training) and the post-fuse/quantize checks ask the same questions of a model
directory: which text ends an assistant turn, which delimiters wrap a tool call and a tool
response, how each tokenizes, and which end-of-sequence ids the model's configs name. Nothing is
assumed about the model family: a probe conversation with sentinel strings is rendered with the
template, and the delimiters are read off the text around the sentinels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from punie_tools.wire import EXECUTE_CODE_TOOL
from punie_train.errors import TrainError

_CODE = "punie_probe_code()"
_OUTPUT = "punie-probe-output"
_ANSWER = "punie-probe-answer"
_USER = "punie-probe-request"
_TAG = re.compile(r"<[^<>\s]+>")


class TemplateError(TrainError):
    """The model directory has no usable chat template or tokenizer."""


@dataclass(frozen=True)
class Delimiter:
    """One delimiter the template writes and how the model's tokenizer splits it."""

    role: str  # end_of_turn | tool_call_open | tool_call_close | tool_response_open | ...
    text: str | None  # None: the template writes no such delimiter
    ids: tuple[int, ...] = ()
    pieces: tuple[str, ...] = ()

    @property
    def single_token(self) -> bool:
        """True when the delimiter is exactly one token."""
        return len(self.ids) == 1

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "role": self.role,
            "text": self.text,
            "ids": list(self.ids),
            "pieces": list(self.pieces),
            "single_token": self.single_token,
        }


@dataclass
class TemplateProbe:
    """The delimiters found by rendering the probe conversation."""

    end_of_turn: Delimiter
    tool_call_open: Delimiter
    tool_call_close: Delimiter
    tool_response_open: Delimiter
    tool_response_close: Delimiter
    renders_tool_calls: bool
    problems: list[str] = field(default_factory=list)

    def delimiters(self) -> list[Delimiter]:
        """All five, in report order."""
        return [
            self.tool_call_open,
            self.tool_call_close,
            self.tool_response_open,
            self.tool_response_close,
            self.end_of_turn,
        ]


def render(tokenizer: Any, messages: list[dict[str, Any]], **kwargs: Any) -> str:
    """Render ``messages`` with the tokenizer's chat template as text."""
    text = tokenizer.apply_chat_template(messages, tokenize=False, **kwargs)
    if not isinstance(text, str):  # some wrappers return a list when tokenize is ignored
        raise TemplateError("the chat template did not render text")
    return text


def encode(tokenizer: Any, text: str) -> list[int]:
    """Token ids of ``text`` alone (no BOS or other special tokens added)."""
    return list(tokenizer.encode(text, add_special_tokens=False))


def _delimiter(tokenizer: Any, role: str, text: str | None) -> Delimiter:
    if not text:
        return Delimiter(role, None)
    ids = encode(tokenizer, text)
    pieces = tuple(str(p) for p in tokenizer.convert_ids_to_tokens(ids))
    return Delimiter(role, text, tuple(ids), pieces)


def _first_tag(text: str, skip: set[str]) -> str | None:
    return next((t for t in _TAG.findall(text) if t not in skip), None)


def _last_tag(text: str, skip: set[str]) -> str | None:
    return next((t for t in reversed(_TAG.findall(text)) if t not in skip), None)


def probe_template(tokenizer: Any) -> TemplateProbe:
    """Render a probe conversation and read the delimiters off the rendered text."""
    if not getattr(tokenizer, "chat_template", None):
        raise TemplateError("the tokenizer has no chat template (tokenizer_config.json)")
    user = {"role": "user", "content": _USER}
    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_0",
                "type": "function",
                "function": {"name": "execute_code", "arguments": {"code": _CODE}},
            }
        ],
    }
    tool = {"role": "tool", "tool_call_id": "call_0", "content": _OUTPUT}
    answer = {"role": "assistant", "content": _ANSWER}
    tools = [EXECUTE_CODE_TOOL]
    problems: list[str] = []

    # End of turn: whatever the template writes right after an assistant answer.
    plain = render(tokenizer, [user, answer])
    after = plain[plain.rindex(_ANSWER) + len(_ANSWER) :] if _ANSWER in plain else ""
    eot_text = after.split()[0] if after.split() else None
    if eot_text is None:
        problems.append("the template writes nothing after an assistant turn (no end-of-turn)")
    header = render(tokenizer, [user])
    header_tags = set(_TAG.findall(header[: header.find(_USER)] if _USER in header else header))
    skip = header_tags | ({eot_text} if eot_text else set())

    prompt = render(tokenizer, [user], tools=tools, add_generation_prompt=True)
    with_call = render(tokenizer, [user, call], tools=tools)
    completion = with_call[len(prompt) :] if with_call.startswith(prompt) else with_call
    renders_calls = _CODE in completion
    call_open = call_close = None
    if renders_calls:
        at = completion.index(_CODE)
        call_open = _first_tag(completion[:at], skip)
        rest = completion[at + len(_CODE) :]
        if eot_text and eot_text in rest:
            rest = rest[: rest.index(eot_text)]
        call_close = _last_tag(rest, skip)
    else:
        problems.append("the template does not render tool calls (the code is missing)")

    full = render(tokenizer, [user, call, tool, answer], tools=tools)
    resp_open = resp_close = None
    if _OUTPUT in full:
        at = full.index(_OUTPUT)
        before = full[:at]
        start = before.rfind(_CODE)
        before = before[start + len(_CODE) :] if start >= 0 else before
        if eot_text and eot_text in before:
            before = before[before.rindex(eot_text) + len(eot_text) :]
        resp_open = _last_tag(before, skip)
        rest = full[at + len(_OUTPUT) :]
        if _ANSWER in rest:
            rest = rest[: rest.index(_ANSWER)]
        if eot_text and eot_text in rest:
            rest = rest[: rest.index(eot_text)]
        resp_close = _first_tag(rest, skip)
    else:
        problems.append("the template does not render tool responses (the output is missing)")

    return TemplateProbe(
        end_of_turn=_delimiter(tokenizer, "end_of_turn", eot_text),
        tool_call_open=_delimiter(tokenizer, "tool_call_open", call_open),
        tool_call_close=_delimiter(tokenizer, "tool_call_close", call_close),
        tool_response_open=_delimiter(tokenizer, "tool_response_open", resp_open),
        tool_response_close=_delimiter(tokenizer, "tool_response_close", resp_close),
        renders_tool_calls=renders_calls,
        problems=problems,
    )


# --------------------------------------------------------------------------- end of sequence


def _ids(value: Any) -> list[int]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TemplateError(f"{path}: invalid JSON ({exc})") from exc
    return data if isinstance(data, dict) else {}


@dataclass
class EosSet:
    """The end-of-sequence ids a model directory names, file by file."""

    config: list[int]
    generation_config: list[int]
    tokenizer_eos: str | None
    tokenizer_eos_id: int | None

    @property
    def union(self) -> list[int]:
        """What mlx-lm and Hugging Face generation stop on: both files' ids."""
        return sorted(set(self.config) | set(self.generation_config))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "config": self.config,
            "generation_config": self.generation_config,
            "tokenizer_eos": self.tokenizer_eos,
            "tokenizer_eos_id": self.tokenizer_eos_id,
        }


def read_eos(model_dir: Path, tokenizer: Any) -> EosSet:
    """Read ``eos_token_id`` from config.json and generation_config.json, and the tokenizer's."""
    model_dir = Path(model_dir)
    config = _read_json(model_dir / "config.json")
    generation = _read_json(model_dir / "generation_config.json")
    tok_config = _read_json(model_dir / "tokenizer_config.json")
    eos = tok_config.get("eos_token")
    if isinstance(eos, dict):  # AddedToken serialised as a dict
        eos = eos.get("content")
    eos_text = eos if isinstance(eos, str) else None
    eos_id = None
    if eos_text:
        ids = encode(tokenizer, eos_text)
        eos_id = ids[0] if len(ids) == 1 else None
    return EosSet(
        config=_ids(config.get("eos_token_id")),
        generation_config=_ids(generation.get("eos_token_id")),
        tokenizer_eos=eos_text,
        tokenizer_eos_id=eos_id,
    )


def load_tokenizer(model_dir: Path) -> Any:
    """Load a model directory's tokenizer the way mlx-lm does (offline, no weights)."""
    from mlx_lm.utils import load_tokenizer as mlx_load_tokenizer

    from punie_train._verify import force_offline

    force_offline()
    model_dir = Path(model_dir)
    try:
        return mlx_load_tokenizer(model_dir)
    except Exception as exc:
        raise TemplateError(f"{model_dir}: cannot load the tokenizer: {exc}") from exc
