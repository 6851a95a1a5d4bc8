"""How long an example is for the model that trains on it, in tokens.

Training counts the tokens of the whole rendered conversation: the system prompt (about 3.7 KB)
and the tool schema are in every example, so a bound in bytes (a byte-level BPE never uses more
tokens than bytes) would already spend ~4,400 of 2,048 tokens before the request. Datagen
therefore measures with a tokenizer:

- `--tokenizer FILE` (a Hugging Face `tokenizer.json`, e.g. the real model's): exact counts of
  the conversation rendered the way the Qwen3-Coder chat template renders it;
- otherwise a *reference* byte-level BPE trained exactly like punie-train's smoke tokenizer:
  same vocab size, special and added tokens, and the same corpus (the messages' text of train
  and valid, then the chat template). On the written dataset it gives the smoke tokenizer's
  counts (checked equal on a 1,387-example build); the build measures again after dropping
  over-long examples, since the tokenizer learns from what is written. For the real model,
  pass its tokenizer.json. punie-train's learn-check counts with the tokenizer it trains.

Examples over the limit are not written; the manifest counts them (`lengths.too_long`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_datagen.memo import Memo
from punie_tools import wire

__all__ = ["MARGIN", "MAX_SEQ_LENGTH", "TokenCounter", "render_chatml"]

# punie-train's phase24 profile trains at 3072 tokens (smoke: 4096); at 2048 a fifth of the
# fix, TDD and refactor workflows would not fit.
MAX_SEQ_LENGTH = 3072
MARGIN = (
    1.0  # the reference is the smoke tokenizer itself: same text, same trainer (measured equal)
)
VOCAB_SIZE = 2048  # punie-train's smoke tokenizer
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
HEAD_END = "<|im_end|>"  # a special token: the pieces on either side are encoded apart
ADDED_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]
# The chat template punie-train's smoke model is built with (punie_train.smoke.CHAT_TEMPLATE; data
# flows one way, so it is copied here, and punie-train can assert the two are equal). Its text is
# part of the smoke tokenizer's training corpus, so it is part of the reference corpus too.
SMOKE_CHAT_TEMPLATE = '{%- if messages[0].role == "system" %}\n    {%- set system_message = messages[0].content %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n{%- if tools is not defined or tools is none %}{%- set tools = [] %}{%- endif %}\n{%- if system_message is defined %}\n    {{- "<|im_start|>system\\n" + system_message }}\n{%- elif tools | length > 0 %}\n    {{- "<|im_start|>system\\nYou are a helpful coding assistant." }}\n{%- endif %}\n{%- if tools | length > 0 %}\n    {{- "\\n\\n# Tools\\n\\nYou have access to the following functions:\\n\\n<tools>" }}\n    {%- for tool in tools %}\n        {%- if tool.function is defined %}{%- set tool = tool.function %}{%- endif %}\n        {{- "\\n<function>\\n<name>" ~ tool.name ~ "</name>" }}\n        {%- if tool.description is defined %}\n            {{- "\\n<description>" ~ (tool.description | trim) ~ "</description>" }}\n        {%- endif %}\n        {{- "\\n<parameters>" }}\n        {%- if tool.parameters is defined and tool.parameters.properties is defined %}\n            {%- for name, fields in tool.parameters.properties | items %}\n                {{- "\\n<parameter>\\n<name>" ~ name ~ "</name>" }}\n                {%- if fields.type is defined %}\n                    {{- "\\n<type>" ~ (fields.type | string) ~ "</type>" }}\n                {%- endif %}\n                {%- if fields.description is defined %}\n                    {{- "\\n<description>" ~ (fields.description | trim) ~ "</description>" }}\n                {%- endif %}\n                {{- "\\n</parameter>" }}\n            {%- endfor %}\n        {%- endif %}\n        {{- "\\n</parameters>\\n</function>" }}\n    {%- endfor %}\n    {{- "\\n</tools>\\n\\nIf you choose to call a function ONLY reply in the following format "\n        "with NO suffix:\\n\\n<tool_call>\\n<function=example_function_name>\\n"\n        "<parameter=example_parameter_1>\\nvalue_1\\n</parameter>\\n</function>\\n</tool_call>" }}\n{%- endif %}\n{%- if system_message is defined or tools | length > 0 %}\n    {{- "<|im_end|>\\n" }}\n{%- endif %}\n{%- for message in loop_messages %}\n    {%- if message.role == "assistant" and message.tool_calls is defined\n          and message.tool_calls is not none and message.tool_calls | length > 0 %}\n        {{- "<|im_start|>assistant" }}\n        {%- if message.content is string and message.content | trim | length > 0 %}\n            {{- "\\n" + message.content | trim + "\\n" }}\n        {%- endif %}\n        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n            {{- "\\n<tool_call>\\n<function=" + tool_call.name + ">\\n" }}\n            {%- if tool_call.arguments is mapping %}\n                {%- for arg_name, arg_value in tool_call.arguments | items %}\n                    {{- "<parameter=" + arg_name + ">\\n" }}\n                    {%- if arg_value is mapping\n                          or (arg_value is sequence and arg_value is not string) %}\n                        {{- arg_value | tojson }}\n                    {%- else %}\n                        {{- arg_value | string }}\n                    {%- endif %}\n                    {{- "\\n</parameter>\\n" }}\n                {%- endfor %}\n            {%- elif tool_call.arguments is defined %}\n                {{- "<parameter=code>\\n" + tool_call.arguments | string + "\\n</parameter>\\n" }}\n            {%- endif %}\n            {{- "</function>\\n</tool_call>" }}\n        {%- endfor %}\n        {{- "<|im_end|>\\n" }}\n    {%- elif message.role == "tool" %}\n        {%- if loop.first or loop.previtem.role != "tool" %}\n            {{- "<|im_start|>user\\n" }}\n        {%- endif %}\n        {{- "<tool_response>\\n" + (message.content | string) + "\\n</tool_response>\\n" }}\n        {%- if loop.last or loop.nextitem.role != "tool" %}\n            {{- "<|im_end|>\\n" }}\n        {%- endif %}\n    {%- else %}\n        {{- "<|im_start|>" + message.role + "\\n" + (message.content | string) + "<|im_end|>\\n" }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- "<|im_start|>assistant\\n" }}\n{%- endif %}'

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
    identity: str = ""  # what makes its counts: a digest of the tokenizer (file or corpus)

    @classmethod
    def from_file(cls, path: Path, max_seq_length: int = MAX_SEQ_LENGTH) -> TokenCounter:
        from tokenizers import Tokenizer

        identity = "file:" + hashlib.sha256(path.read_bytes()).hexdigest()
        return cls(Tokenizer.from_file(str(path)), True, max_seq_length, max_seq_length, identity)

    @classmethod
    def reference(
        cls,
        examples: Sequence[wire.Example],
        max_seq_length: int = MAX_SEQ_LENGTH,
        sample: int = 20_000,
        cache_dir: Path | None = None,
    ) -> TokenCounter:
        """A byte-level BPE trained exactly like the smoke model's, on the same text: every
        example's messages (an even sample beyond `sample` examples) and the chat template."""
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

        step = max(1, len(examples) // sample)
        corpus = [t for e in examples[::step] for t in _texts(e)]
        corpus.append(SMOKE_CHAT_TEMPLATE)
        limit = int(max_seq_length * MARGIN)
        key = hashlib.sha256("\0".join(corpus).encode()).hexdigest()
        cached = cache_dir / "tokenizers" / f"{key}.json" if cache_dir is not None else None
        identity = f"reference:{VOCAB_SIZE}:{key}"
        if cached is not None and cached.is_file():  # the same text trains the same tokenizer
            try:
                return cls(Tokenizer.from_file(str(cached)), False, limit, max_seq_length, identity)
            except (
                Exception
            ):  # a damaged cached tokenizer (any error of the library) is trained again
                pass
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
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tokenizer.save(str(tmp))
            os.replace(tmp, cached)
        return cls(tokenizer, False, limit, max_seq_length, identity)

    def count(self, example: wire.Example) -> int:
        return len(self.tokenizer.encode(render_chatml(example.messages, example.tools)).ids)

    def counts(self, examples: Sequence[wire.Example], memo: Memo | None = None) -> list[int]:
        """Token counts in order; with `memo`, each under a digest of the rendered text and
        the tokenizer's identity (and the tokenizers library's version), encoded only once."""
        texts = [render_chatml(e.messages, e.tools) for e in examples]
        if memo is None or not self.identity:
            return self._lengths(texts)
        lib = _tokenizers_version()
        keys = [memo.key(self.identity, lib, text) for text in texts]
        found = [memo.get(k) for k in keys]
        missing = [i for i, n in enumerate(found) if n is None]
        for i, n in zip(missing, self._lengths([texts[i] for i in missing]), strict=True):
            found[i] = n
            memo.put(keys[i], n)
        return [int(n) for n in found if n is not None]

    def _lengths(self, texts: list[str]) -> list[int]:
        """Token counts of rendered conversations.

        The reference tokenizer encodes the pieces between its special tokens independently
        (a special token is cut out before pre-tokenization) and its post-processor adds no
        token, so a conversation's count is its head's (the system prompt and the tool schema,
        up to the first `<|im_end|>`, the same in every example) plus the rest's: the head is
        encoded once, not once per example (about 2/3 of every example's tokens). The first
        text is also encoded whole as a check, and any difference falls back to whole texts;
        a given tokenizer (`--tokenizer`) always encodes whole texts.
        """
        if not texts:
            return []
        whole = [len(enc.ids) for enc in self.tokenizer.encode_batch(texts[:1])]
        if self.exact:
            return whole + [len(enc.ids) for enc in self.tokenizer.encode_batch(texts[1:])]
        cuts = [t.find(HEAD_END) + len(HEAD_END) if HEAD_END in t else 0 for t in texts]
        heads = [t[:c] for t, c in zip(texts, cuts, strict=True)]
        unique = sorted(set(heads))
        head_counts = {
            h: len(enc.ids)
            for h, enc in zip(unique, self.tokenizer.encode_batch(unique), strict=True)
        }
        tails = self.tokenizer.encode_batch([t[c:] for t, c in zip(texts, cuts, strict=True)])
        counts = [head_counts[h] + len(enc.ids) for h, enc in zip(heads, tails, strict=True)]
        if counts[0] != whole[0]:
            return [len(enc.ids) for enc in self.tokenizer.encode_batch(texts)]
        return counts


def _tokenizers_version() -> str:
    from importlib.metadata import version

    return version("tokenizers")
