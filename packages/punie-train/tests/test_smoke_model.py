"""make-smoke-model: a real Qwen3 model mlx-lm loads, generates with, and renders tool calls."""

from __future__ import annotations

import json
from pathlib import Path

import mlx_lm
from _dataset import EXECUTE_CODE_TOOL, make_example

from punie_train.smoke import make_smoke_model


def test_config_is_qwen3_with_tokenizer_vocab(smoke_model_dir: Path) -> None:
    config = json.loads((smoke_model_dir / "config.json").read_text())
    tokenizer = json.loads((smoke_model_dir / "tokenizer.json").read_text())
    assert config["model_type"] == "qwen3"
    assert config["num_hidden_layers"] >= 2
    assert tokenizer["model"]["type"] == "BPE"
    added = {t["content"] for t in tokenizer["added_tokens"]}
    assert {"<|im_start|>", "<|im_end|>", "<tool_call>", "<tool_response>"} <= added
    assert config["vocab_size"] == len(tokenizer["model"]["vocab"]) + len(
        added - set(tokenizer["model"]["vocab"])
    )


def test_loads_and_generates(smoke_model_dir: Path) -> None:
    model, tokenizer = mlx_lm.load(str(smoke_model_dir))[:2]
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], add_generation_prompt=True
    )
    tokens = [r.token for r in mlx_lm.stream_generate(model, tokenizer, ids, max_tokens=5)]
    assert 1 <= len(tokens) <= 5
    assert all(0 <= t < model.args.vocab_size for t in tokens)


def test_chat_template_renders_qwen3_coder_tool_call(smoke_model_dir: Path) -> None:
    _, tokenizer = mlx_lm.load(str(smoke_model_dir))[:2]
    example = make_example(0)
    text = tokenizer.apply_chat_template(
        example["messages"], tools=example["tools"], tokenize=False
    )
    assert text.startswith("<|im_start|>system\nYou are Punie")
    assert "<name>execute_code</name>" in text
    assert (
        "<|im_start|>assistant\n<tool_call>\n<function=execute_code>\n<parameter=code>\n"
        'print(len("hello world"))\n</parameter>\n</function>\n</tool_call><|im_end|>\n'
    ) in text
    assert "<|im_start|>user\n<tool_response>\n11\n</tool_response>\n<|im_end|>\n" in text
    assert text.endswith("<|im_start|>assistant\nThe result is 11.<|im_end|>\n")
    # Tokenizing the text gives the same ids as the template (special tokens stay whole).
    ids = tokenizer.apply_chat_template(example["messages"], tools=example["tools"])
    assert tokenizer.decode(ids) == text
    assert ids.count(tokenizer.convert_tokens_to_ids("<|im_start|>")) == 5
    # mlx-lm recognises the template as a tool-calling one.
    assert tokenizer.has_tool_calling
    assert tokenizer.tool_call_start == "<tool_call>"


def test_generation_prompt_is_a_prefix_for_masking(smoke_model_dir: Path) -> None:
    _, tokenizer = mlx_lm.load(str(smoke_model_dir))[:2]
    messages = make_example(1)["messages"]
    full = tokenizer.apply_chat_template(messages, tools=[EXECUTE_CODE_TOOL])
    prompt = tokenizer.apply_chat_template(
        messages[:-1], tools=[EXECUTE_CODE_TOOL], add_generation_prompt=True
    )
    assert full[: len(prompt)] == prompt
    assert len(full) > len(prompt)


def test_deterministic_for_a_seed(tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path) -> None:
    again = make_smoke_model(tmp_path / "again", dataset_dir, seed=0)
    other = make_smoke_model(tmp_path / "other", dataset_dir, seed=1)
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (again / name).read_bytes() == (smoke_model_dir / name).read_bytes(), name
    assert (other / "model.safetensors").read_bytes() != (again / "model.safetensors").read_bytes()


def test_builtin_corpus_without_data(tmp_path: Path) -> None:
    out = make_smoke_model(tmp_path / "m")
    model, tokenizer = mlx_lm.load(str(out))[:2]
    text = mlx_lm.generate(model, tokenizer, "lora", max_tokens=3)
    assert isinstance(text, str)
    assert not list(tmp_path.glob(".m.*")), "temporary build directory left behind"
