"""Build a tiny random Qwen3-architecture model with mlx-lm, offline, for the mlx backend test.

punie-eval must not import punie-train, so this small builder lives with the tests: random
weights, a byte-level BPE tokenizer trained with `tokenizers`, and a Qwen3-Coder-like chat
template that renders structured tool calls.
"""

from __future__ import annotations

import json
from pathlib import Path

CHAT_TEMPLATE = """
{%- for m in messages -%}
<|im_start|>{{ m.role }}
{% if m.content %}{{ m.content }}{% endif %}
{%- if m.tool_calls %}{% for c in m.tool_calls %}
<tool_call>
<function={{ c.function.name }}>
{%- for k, v in c.function.arguments.items() %}
<parameter={{ k }}>
{{ v }}
</parameter>
{%- endfor %}
</function>
</tool_call>{% endfor %}{% endif %}<|im_end|>
{% endfor -%}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif -%}
""".strip()

CORPUS = [
    "result = typecheck('src/punie/agent')\nprint(result.error_count)",
    "print(read_file('src/punie/agent/factory.py'))",
    "A Protocol describes an interface structurally.",
    "<tool_call>\n<function=execute_code>\n<parameter=code>\nprint(1)\n</parameter>\n</function>\n</tool_call>",
    "ruff is written in Rust and is fast.",
]


def build_tiny_model(directory: Path) -> Path:
    """Write config.json, model.safetensors and a tokenizer to `directory`; return it."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.models import qwen3
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    directory.mkdir(parents=True, exist_ok=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(CORPUS * 4, trainer=trainer)
    tokenizer.save(str(directory / "tokenizer.json"))
    (directory / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "eos_token": "<|im_end|>",
                "pad_token": "<|endoftext|>",
                "bos_token": None,
                "chat_template": CHAT_TEMPLATE,
                "model_max_length": 4096,
            }
        )
    )
    config = {
        "model_type": "qwen3",
        "hidden_size": 32,
        "num_hidden_layers": 1,
        "intermediate_size": 64,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "head_dim": 16,
        "rms_norm_eps": 1e-6,
        "vocab_size": tokenizer.get_vocab_size(),
        "max_position_embeddings": 4096,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "eos_token_id": tokenizer.token_to_id("<|im_end|>"),
    }
    mx.random.seed(0)
    model = qwen3.Model(qwen3.ModelArgs.from_dict(config))
    weights = dict(tree_flatten(model.parameters()))
    mx.save_safetensors(str(directory / "model.safetensors"), weights)
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def build_adapters(model_dir: Path, directory: Path, iterations: tuple[int, ...] = (2, 4)) -> Path:
    """LoRA checkpoints for the tiny model as mlx-lm's trainer saves them: one
    `NNNNNNN_adapters.safetensors` per iteration, the final `adapters.safetensors` (a copy of
    the last) and `adapter_config.json`. Each checkpoint's LoRA weights are random and differ."""
    import shutil

    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm import load
    from mlx_lm.tuner.utils import linear_to_lora_layers

    directory.mkdir(parents=True, exist_ok=True)
    model, _ = load(str(model_dir))
    model.freeze()
    lora = {"rank": 2, "scale": 20.0, "dropout": 0.0}
    linear_to_lora_layers(model, 1, lora)
    config = {
        "fine_tune_type": "lora",
        "num_layers": 1,
        "lora_parameters": lora,
        "iters": iterations[-1],
    }
    (directory / "adapter_config.json").write_text(json.dumps(config))
    names = [name for name, _ in tree_flatten(model.trainable_parameters())]
    for number, iteration in enumerate(iterations):
        mx.random.seed(100 + number)
        weights = {
            name: mx.random.normal(shape, scale=0.5)
            for name, shape in ((n, p.shape) for n, p in tree_flatten(model.trainable_parameters()))
        }
        assert set(weights) == set(names)
        mx.save_safetensors(str(directory / f"{iteration:07d}_adapters.safetensors"), weights)
    shutil.copyfile(
        directory / f"{iterations[-1]:07d}_adapters.safetensors", directory / "adapters.safetensors"
    )
    return directory
