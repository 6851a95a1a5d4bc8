"""How long an example is for the model that trains on it, in tokens.

Training counts the tokens of the whole rendered conversation: the system prompt (about 3.7 KB)
and the tool schema are in every example, so a bound in bytes (a byte-level BPE never uses more
tokens than bytes) would already spend ~4,400 of 2,048 tokens before the request. Datagen
therefore measures with a tokenizer:

- `--tokenizer FILE` (a Hugging Face `tokenizer.json`, e.g. the real model's): exact counts of
  the conversation rendered the way the Qwen3-Coder chat template renders it;
- otherwise a *reference* byte-level BPE trained like punie-train's smoke tokenizer (same vocab
  size, special and added tokens, corpus made of the messages' text) on a fixed sample of the
  build's examples. It is an estimate, so the limit keeps a margin (`MARGIN`) below the
  profiles' `max_seq_length`; punie-train's learn-check counts exactly with the tokenizer it
  trains.

Examples over the limit are not written; the manifest counts them (`lengths.too_long`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_tools import wire

__all__ = ["MARGIN", "MAX_SEQ_LENGTH", "TokenCounter", "render_chatml"]

MAX_SEQ_LENGTH = 2048  # punie-train's profiles (smoke and phase24) train at this length
MARGIN = 0.97  # the reference tokenizer is an estimate (within ~1 % of the smoke one): 3 % headroom
VOCAB_SIZE = 2048  # punie-train's smoke tokenizer
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ADDED_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]
_FORMAT_NOTE = (
    "If you choose to call a function ONLY reply in the following format with NO suffix:\n\n"
    "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n"
    "</parameter>\n</function>\n</tool_call>"
)


def _tools_block(tools: Sequence[dict[str, Any]]) -> str:
    parts = ["\n\n# Tools\n\nYou have access to the following functions:\n\n<tools>"]
    for tool in tools:
        fn = tool.get("function", tool)
        parts.append(f"\n<function>\n<name>{fn['name']}</name>")
        if "description" in fn:
            parts.append(f"\n<description>{fn['description'].strip()}</description>")
        parts.append("\n<parameters>")
        for name, fields in fn.get("parameters", {}).get("properties", {}).items():
            parts.append(f"\n<parameter>\n<name>{name}</name>")
            if "type" in fields:
                parts.append(f"\n<type>{fields['type']}</type>")
            if "description" in fields:
                parts.append(f"\n<description>{fields['description'].strip()}</description>")
            parts.append("\n</parameter>")
        parts.append("\n</parameters>\n</function>")
    parts.append("\n</tools>\n\n" + _FORMAT_NOTE)
    return "".join(parts)


def render_chatml(messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> str:
    """The conversation as the Qwen3-Coder-style ChatML template renders it for training."""
    out = []
    rest = list(messages)
    if rest and rest[0]["role"] == "system":
        out.append("<|im_start|>system\n" + rest.pop(0)["content"])
        if tools:
            out.append(_tools_block(tools))
        out.append("<|im_end|>\n")
    for k, message in enumerate(rest):
        role = message["role"]
        calls = message.get("tool_calls") or []
        if role == "assistant" and calls:
            out.append("<|im_start|>assistant")
            content = (message.get("content") or "").strip()
            if content:
                out.append("\n" + content + "\n")
            for call in calls:
                fn = call["function"]
                out.append(f"\n<tool_call>\n<function={fn['name']}>\n")
                for name, value in fn["arguments"].items():
                    out.append(f"<parameter={name}>\n{value}\n</parameter>\n")
                out.append("</function>\n</tool_call>")
            out.append("<|im_end|>\n")
        elif role == "tool":
            if k == 0 or rest[k - 1]["role"] != "tool":
                out.append("<|im_start|>user\n")
            out.append(f"<tool_response>\n{message['content']}\n</tool_response>\n")
            if k == len(rest) - 1 or rest[k + 1]["role"] != "tool":
                out.append("<|im_end|>\n")
        else:
            out.append(f"<|im_start|>{role}\n{message['content']}<|im_end|>\n")
    return "".join(out)


def _texts(example: wire.Example) -> list[str]:
    texts = []
    for message in example.messages:
        if message.get("content"):
            texts.append(str(message["content"]))
        for call in message.get("tool_calls") or []:
            texts += [str(v) for v in call["function"]["arguments"].values()]
    texts += [json.dumps(t) for t in example.tools]
    return texts


@dataclass
class TokenCounter:
    """Counts rendered tokens with a given tokenizer, or with a reference one trained here."""

    tokenizer: Any
    exact: bool
    limit: int
    max_seq_length: int = MAX_SEQ_LENGTH

    @classmethod
    def from_file(cls, path: Path, max_seq_length: int = MAX_SEQ_LENGTH) -> TokenCounter:
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(path)), True, max_seq_length, max_seq_length)

    @classmethod
    def reference(
        cls,
        examples: Sequence[wire.Example],
        max_seq_length: int = MAX_SEQ_LENGTH,
        sample: int = 400,
    ) -> TokenCounter:
        """A byte-level BPE trained like the smoke model's on a fixed sample of `examples`."""
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

        step = max(1, len(examples) // sample)
        corpus = [t for e in examples[::step] for t in _texts(e)]
        corpus.append(render_chatml([{"role": "system", "content": ""}], wire.TOOLS))
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
        trainer = trainers.BpeTrainer(
            vocab_size=VOCAB_SIZE,
            special_tokens=SPECIAL_TOKENS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tokenizer.train_from_iterator(corpus, trainer=trainer)
        tokenizer.add_tokens(ADDED_TOKENS)
        return cls(tokenizer, False, int(max_seq_length * MARGIN), max_seq_length)

    def count(self, example: wire.Example) -> int:
        return len(self.tokenizer.encode(render_chatml(example.messages, example.tools)).ids)

    def counts(self, examples: Sequence[wire.Example]) -> list[int]:
        texts = [render_chatml(e.messages, e.tools) for e in examples]
        return [len(enc.ids) for enc in self.tokenizer.encode_batch(texts)]
