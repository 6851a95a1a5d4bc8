"""Build tiny, random-init models offline, so the whole train path runs on a CPU.

Two architectures: the smoke model (mlx-lm's dense ``qwen3``) and a stand-in for
Qwen3-Coder-30B-A3B (``qwen3_moe``: 10 layers, 8 experts, 2 active, a bfloat16 base that
mlx-lm's own quantization turns into a 4-bit model like the published one). Both get a
byte-level BPE tokenizer trained with ``tokenizers`` on the training data and a ChatML template,
written here from Qwen3-Coder's format, that renders tool calls the way Qwen3-Coder does.
``mlx_lm.load(DIR)`` loads the result.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from punie_train._jsonl import read_examples

#: Qwen3-Coder-style ChatML template: structured tool calls as XML-ish parameter blocks, tool
#: results as ``<tool_response>`` blocks inside a user turn, and a ``tools`` section in the system
#: turn. Arguments may be a dict (iterated) or a JSON string (rendered as one ``code`` value).
CHAT_TEMPLATE = r"""
{%- if messages[0].role == "system" %}
    {%- set system_message = messages[0].content %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if tools is not defined or tools is none %}{%- set tools = [] %}{%- endif %}
{%- if system_message is defined %}
    {{- "<|im_start|>system\n" + system_message }}
{%- elif tools | length > 0 %}
    {{- "<|im_start|>system\nYou are a helpful coding assistant." }}
{%- endif %}
{%- if tools | length > 0 %}
    {{- "\n\n# Tools\n\nYou have access to the following functions:\n\n<tools>" }}
    {%- for tool in tools %}
        {%- if tool.function is defined %}{%- set tool = tool.function %}{%- endif %}
        {{- "\n<function>\n<name>" ~ tool.name ~ "</name>" }}
        {%- if tool.description is defined %}
            {{- "\n<description>" ~ (tool.description | trim) ~ "</description>" }}
        {%- endif %}
        {{- "\n<parameters>" }}
        {%- if tool.parameters is defined and tool.parameters.properties is defined %}
            {%- for name, fields in tool.parameters.properties | items %}
                {{- "\n<parameter>\n<name>" ~ name ~ "</name>" }}
                {%- if fields.type is defined %}
                    {{- "\n<type>" ~ (fields.type | string) ~ "</type>" }}
                {%- endif %}
                {%- if fields.description is defined %}
                    {{- "\n<description>" ~ (fields.description | trim) ~ "</description>" }}
                {%- endif %}
                {{- "\n</parameter>" }}
            {%- endfor %}
        {%- endif %}
        {{- "\n</parameters>\n</function>" }}
    {%- endfor %}
    {{- "\n</tools>\n\nIf you choose to call a function ONLY reply in the following format "
        "with NO suffix:\n\n<tool_call>\n<function=example_function_name>\n"
        "<parameter=example_parameter_1>\nvalue_1\n</parameter>\n</function>\n</tool_call>" }}
{%- endif %}
{%- if system_message is defined or tools | length > 0 %}
    {{- "<|im_end|>\n" }}
{%- endif %}
{%- for message in loop_messages %}
    {%- if message.role == "assistant" and message.tool_calls is defined
          and message.tool_calls is not none and message.tool_calls | length > 0 %}
        {{- "<|im_start|>assistant" }}
        {%- if message.content is string and message.content | trim | length > 0 %}
            {{- "\n" + message.content | trim + "\n" }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- "\n<tool_call>\n<function=" + tool_call.name + ">\n" }}
            {%- if tool_call.arguments is mapping %}
                {%- for arg_name, arg_value in tool_call.arguments | items %}
                    {{- "<parameter=" + arg_name + ">\n" }}
                    {%- if arg_value is mapping
                          or (arg_value is sequence and arg_value is not string) %}
                        {{- arg_value | tojson }}
                    {%- else %}
                        {{- arg_value | string }}
                    {%- endif %}
                    {{- "\n</parameter>\n" }}
                {%- endfor %}
            {%- elif tool_call.arguments is defined %}
                {{- "<parameter=code>\n" + tool_call.arguments | string + "\n</parameter>\n" }}
            {%- endif %}
            {{- "</function>\n</tool_call>" }}
        {%- endfor %}
        {{- "<|im_end|>\n" }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or loop.previtem.role != "tool" %}
            {{- "<|im_start|>user\n" }}
        {%- endif %}
        {{- "<tool_response>\n" + (message.content | string) + "\n</tool_response>\n" }}
        {%- if loop.last or loop.nextitem.role != "tool" %}
            {{- "<|im_end|>\n" }}
        {%- endif %}
    {%- else %}
        {{- "<|im_start|>" + message.role + "\n" + (message.content | string) + "<|im_end|>\n" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- "<|im_start|>assistant\n" }}
{%- endif %}
""".strip()

#: Special tokens (never split, skipped on decode) and added tokens (never split, kept).
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ADDED_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]


class SmokeModelSpec:
    """Sizes of the smoke model: small enough for seconds per iteration on 2 CPU cores."""

    arch: str = "qwen3"
    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    head_dim: int = 16
    intermediate_size: int = 192
    vocab_size: int = 2048
    # Byte-level BPE pieces never cross a line end, but may join the words of a line (a text
    # repeated in every example, like the system prompt, becomes a few tokens): see learn-check.
    whole_line_tokens: bool = False
    # Train the tokenizer on the conversations as the template renders them (not only the
    # message texts): see tests/test_learn_check.py for where that is used and why.
    rendered_corpus: bool = False
    max_position_embeddings: int = 4096
    dtype: str = "float32"


class MoeStandInSpec(SmokeModelSpec):
    """The tiny Qwen3-MoE stand-in for Qwen3-Coder-30B-A3B: same architecture and layout.

    10 layers (the ``phase24`` profile trains the last 8), 8 experts with 2 active per token,
    a bfloat16 base and untied embeddings, as in the real model. Every width is a multiple of 64,
    so mlx-lm's group-size-64 quantization covers the same layers it covers on the real model.
    """

    arch: str = "qwen3_moe"
    num_hidden_layers: int = 10
    intermediate_size: int = 128  # dense MLP width (unused: every layer is sparse, as in 30B-A3B)
    moe_intermediate_size: int = 64
    num_experts: int = 8
    num_experts_per_tok: int = 2
    dtype: str = "bfloat16"


ARCHS: dict[str, type[SmokeModelSpec]] = {"qwen3": SmokeModelSpec, "qwen3_moe": MoeStandInSpec}


def _builtin_corpus() -> Iterator[str]:
    """Yield true text shipped with this package (profiles, sources), for data-less builds."""
    pkg = resources.files("punie_train")
    for entry in sorted(pkg.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".py", ".toml")):
            yield entry.read_text(encoding="utf-8")
    yield CHAT_TEMPLATE


def _render_message_text(example: dict[str, Any]) -> Iterator[str]:
    """Yield the text of every message and tool call argument of one example."""
    for message in example.get("messages", []):
        content = message.get("content")
        if isinstance(content, str) and content:
            yield content
        for call in message.get("tool_calls") or []:
            arguments = call.get("function", {}).get("arguments", {})
            if isinstance(arguments, dict):
                yield from (v for v in arguments.values() if isinstance(v, str))
            elif isinstance(arguments, str):
                yield arguments
    for tool in example.get("tools", []):
        yield json.dumps(tool)


def _data_corpus(data_dir: Path, *, rendered: bool = False) -> Iterator[str]:
    """Yield the training text of ``train.jsonl`` (and ``valid.jsonl`` when present).

    ``rendered`` yields each example as the chat template renders it (tool definitions and
    special tokens included) instead of its message texts.
    """
    for name in ("train.jsonl", "valid.jsonl"):
        path = data_dir / name
        if name == "valid.jsonl" and not path.exists():
            continue
        for example in read_examples(path):
            if rendered:
                yield _render_conversation(example)
            else:
                yield from _render_message_text(example)
    yield CHAT_TEMPLATE


def _render_conversation(example: dict[str, Any]) -> str:
    """One example as the smoke chat template renders it (transformers' own Jinja renderer)."""
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [example.get("messages", [])],
        tools=example.get("tools") or None,
        chat_template=CHAT_TEMPLATE,
    )
    return rendered[0]


def train_tokenizer(corpus: Iterator[str], vocab_size: int, *, whole_lines: bool = False) -> Any:
    """Train a byte-level BPE tokenizer (GPT-2/Qwen style) on ``corpus``.

    By default text is split into words first (GPT-2's pattern), as Qwen's tokenizer does. With
    ``whole_lines`` it is split only after each newline, so merges may span the words of a line.
    """
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        processors,
        trainers,
    )

    tokenizer = Tokenizer(models.BPE())
    if whole_lines:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(r"[^\n]*\n|[^\n]+"), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(corpus), trainer=trainer)
    tokenizer.add_tokens(ADDED_TOKENS)
    return tokenizer


def _model_config(spec: SmokeModelSpec, vocab_size: int, eos_id: int) -> dict[str, Any]:
    """Return a Hugging Face-style ``config.json`` (Qwen3 or Qwen3-MoE) for the smoke model."""
    config: dict[str, Any] = {
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "hidden_size": spec.hidden_size,
        "num_hidden_layers": spec.num_hidden_layers,
        "num_attention_heads": spec.num_attention_heads,
        "num_key_value_heads": spec.num_key_value_heads,
        "head_dim": spec.head_dim,
        "intermediate_size": spec.intermediate_size,
        "vocab_size": vocab_size,
        "max_position_embeddings": spec.max_position_embeddings,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": True,
        "hidden_act": "silu",
        "torch_dtype": spec.dtype,
        "eos_token_id": eos_id,
        "bos_token_id": None,
    }
    if isinstance(spec, MoeStandInSpec):
        config.update(
            architectures=["Qwen3MoeForCausalLM"],
            model_type="qwen3_moe",
            num_experts=spec.num_experts,
            num_experts_per_tok=spec.num_experts_per_tok,
            moe_intermediate_size=spec.moe_intermediate_size,
            decoder_sparse_step=1,
            mlp_only_layers=[],
            norm_topk_prob=True,
            tie_word_embeddings=False,
        )
    return config


def make_smoke_model(
    out_dir: Path,
    data_dir: Path | None = None,
    *,
    seed: int = 0,
    spec: SmokeModelSpec | None = None,
    arch: str | None = None,
    base_bits: int | None = None,
    group_size: int = 64,
    on_placed: Callable[..., None] | None = None,
) -> Path:
    """Write a tiny random-init model + tokenizer to ``out_dir`` (atomically) and return it.

    A new ``out_dir`` appears whole (built beside it, then renamed); into an existing one each
    file is renamed into place, replacing only files of the same name: nothing else there is
    deleted. ``on_placed(*names)`` is then called with the names written (the CLI records them
    in the directory's manifest).

    ``arch`` is ``qwen3`` (the smoke model, the default) or ``qwen3_moe`` (the stand-in for
    Qwen3-Coder-30B-A3B); ``spec`` overrides the sizes. With ``base_bits`` the weights are
    quantized by mlx-lm's own ``quantize_model`` (the model's own predicate: the MoE router stays
    8-bit), as ``mlx_lm.convert -q`` makes the published 4-bit models. The tokenizer is trained
    on ``data_dir``'s training text when given (else on this package's own text). The same
    inputs and seed give the same files.
    """
    import importlib

    import mlx.core as mx
    from mlx_lm.utils import quantize_model, save_model

    if spec is None:
        if arch is not None and arch not in ARCHS:
            raise ValueError(f"unknown arch {arch!r}; known: {', '.join(ARCHS)}")
        spec = ARCHS[arch or "qwen3"]()
    if base_bits is not None and base_bits not in (2, 3, 4, 5, 6, 8):
        raise ValueError(f"base_bits must be one of 2, 3, 4, 5, 6, 8; got {base_bits}")
    if data_dir is not None:
        corpus = _data_corpus(data_dir, rendered=spec.rendered_corpus)
    else:
        corpus = _builtin_corpus()
    tokenizer = train_tokenizer(corpus, spec.vocab_size, whole_lines=spec.whole_line_tokens)
    vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
    eos_id = tokenizer.token_to_id("<|im_end|>")
    config = _model_config(spec, vocab_size, eos_id)

    mx.random.seed(seed)
    module = importlib.import_module(f"mlx_lm.models.{spec.arch}")
    model = module.Model(module.ModelArgs.from_dict(config))
    model.set_dtype(getattr(mx, spec.dtype))
    mx.eval(model.parameters())
    if base_bits is not None:
        with contextlib.redirect_stdout(sys.stderr):  # mlx-lm prints bits per weight
            model, config = quantize_model(model, config, group_size, base_bits)
    generation_eos = [eos_id]
    if isinstance(spec, MoeStandInSpec):  # as Qwen3-Coder's generation_config.json lists them
        generation_eos.append(tokenizer.token_to_id("<|endoftext|>"))

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        save_model(tmp, model, donate_model=True)
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        tokenizer.save(str(tmp / "tokenizer.json"))
        tokenizer_config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": spec.max_position_embeddings,
            "bos_token": None,
            "eos_token": "<|im_end|>",
            "pad_token": "<|endoftext|>",
            "unk_token": None,
            "add_prefix_space": False,
            "clean_up_tokenization_spaces": False,
            "chat_template": CHAT_TEMPLATE,
        }
        (tmp / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n")
        (tmp / "special_tokens_map.json").write_text(
            json.dumps({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}, indent=2) + "\n"
        )
        (tmp / "generation_config.json").write_text(
            json.dumps({"eos_token_id": generation_eos}, indent=2) + "\n"
        )
        names = sorted(p.name for p in tmp.iterdir())
        if out_dir.is_dir():
            for name in names:  # each file replaces only its namesake; nothing else is touched
                os.replace(tmp / name, out_dir / name)
        else:
            os.chmod(tmp, _directory_mode())  # mkdtemp's 0700 → what mkdir gives a sibling
            os.replace(tmp, out_dir)
        if on_placed is not None:
            on_placed(*names)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out_dir


def _directory_mode() -> int:
    """0o777 less the umask: the mode `mkdir` gives a new directory."""
    current = os.umask(0o022)
    os.umask(current)
    return 0o777 & ~current


SMOKE_MODEL_FILES = frozenset(
    {
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "model.safetensors.index.json",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    }
)


def is_smoke_model_file(path: Path) -> bool:
    """Whether ``path`` is a file of a smoke model an earlier version wrote (no manifest yet):
    one of the names it writes, in a directory whose config is a smoke architecture and whose
    tokenizer config carries a chat template."""
    if path.name not in SMOKE_MODEL_FILES:
        return False
    try:
        config = json.loads((path.parent / "config.json").read_text(encoding="utf-8"))
        tokenizer = json.loads((path.parent / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(config, dict)
        and config.get("model_type") in {"qwen3", "qwen3_moe"}
        and isinstance(tokenizer, dict)
        and bool(tokenizer.get("chat_template"))
    )
