"""Copies of a model directory with one thing changed, for the gate's and checks' failures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import mlx.core as mx

from punie_train.smoke import CHAT_TEMPLATE


def copy_model(src: Path, dst: Path) -> Path:
    """A full copy of a model directory."""
    shutil.copytree(src, dst)
    return dst


def token_id(model_dir: Path, token: str) -> int:
    """The id of an added (special) token in the model's tokenizer.json."""
    data = json.loads((model_dir / "tokenizer.json").read_text())
    return next(t["id"] for t in data["added_tokens"] if t["content"] == token)


def edit_json(path: Path, **changes: Any) -> None:
    """Set top-level keys of a JSON file."""
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2))


def set_eos(model_dir: Path, token: str, *, generation: list[str] | None = None) -> None:
    """Make config.json (and generation_config.json) name ``token``(s) as end of sequence."""
    edit_json(model_dir / "config.json", eos_token_id=token_id(model_dir, token))
    names = generation if generation is not None else [token]
    edit_json(
        model_dir / "generation_config.json",
        eos_token_id=[token_id(model_dir, t) for t in names],
    )


def set_template(model_dir: Path, template: str) -> None:
    """Replace the chat template in tokenizer_config.json."""
    edit_json(model_dir / "tokenizer_config.json", chat_template=template)


def drop_added_tokens(model_dir: Path, tokens: set[str]) -> None:
    """Remove added tokens from tokenizer.json, so BPE splits those strings into pieces."""
    path = model_dir / "tokenizer.json"
    data = json.loads(path.read_text())
    data["added_tokens"] = [t for t in data["added_tokens"] if t["content"] not in tokens]
    path.write_text(json.dumps(data))


def zero_final_norm(model_dir: Path) -> None:
    """Zero the final norm: every logit is 0, so greedy decoding always picks token id 0."""
    path = model_dir / "model.safetensors"
    weights = mx.load(str(path))
    assert isinstance(weights, dict)
    weights["model.norm.weight"] = mx.zeros_like(weights["model.norm.weight"])
    mx.save_safetensors(str(path), weights)


#: The template with tool calls written as `<tool_call>\nexecute_code\n...`: no
#: `<function=...>` tag, which neither wire parser reads.
UNREADABLE_CALLS_TEMPLATE = CHAT_TEMPLATE.replace(
    '"\\n<tool_call>\\n<function=" + tool_call.name + ">\\n"',
    '"\\n<tool_call>\\n" + tool_call.name + "\\n"',
)

#: A Qwen2.5-style ChatML template (written from the Hermes format): tool calls as JSON inside
#: <tool_call>, tool results in <tool_response> inside a user turn.
HERMES_TEMPLATE = r"""
{%- if tools is not defined or tools is none %}{%- set tools = [] %}{%- endif %}
{%- for message in messages %}
    {%- if message.role == "system" %}
        {{- "<|im_start|>system\n" + message.content }}
        {%- if tools | length > 0 %}
            {{- "\n\n# Tools\n\n<tools>" }}
            {%- for tool in tools %}{{- "\n" + (tool | tojson) }}{%- endfor %}
            {{- "\n</tools>" }}
        {%- endif %}
        {{- "<|im_end|>\n" }}
    {%- elif message.role == "assistant" and message.tool_calls %}
        {{- "<|im_start|>assistant" }}
        {%- if message.content %}{{- "\n" + message.content }}{%- endif %}
        {%- for call in message.tool_calls %}
            {{- "\n<tool_call>\n{\"name\": \"" + call.function.name + "\", \"arguments\": " }}
            {{- call.function.arguments | tojson }}
            {{- "}\n</tool_call>" }}
        {%- endfor %}
        {{- "<|im_end|>\n" }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or loop.previtem.role != "tool" %}{{- "<|im_start|>user" }}{%- endif %}
        {{- "\n<tool_response>\n" + message.content + "\n</tool_response>" }}
        {%- if loop.last or loop.nextitem.role != "tool" %}{{- "<|im_end|>\n" }}{%- endif %}
    {%- else %}
        {{- "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- "<|im_start|>assistant\n" }}{%- endif %}
""".strip()
