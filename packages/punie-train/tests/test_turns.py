"""Every assistant turn is trained: multi-turn examples are split per assistant turn."""

from __future__ import annotations

import pytest

from punie_train._jsonl import expand_assistant_turns
from punie_train.errors import ModelNotFoundError


def _example() -> dict:
    return {
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "lint it"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "c0",
                        "type": "function",
                        "function": {"name": "execute_code", "arguments": {"code": "print(1)"}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c0", "content": "1"},
            {"role": "assistant", "content": "It printed 1."},
        ],
        "tools": [{"type": "function"}],
    }


def test_one_example_per_assistant_turn_ending_with_that_turn() -> None:
    expanded = expand_assistant_turns(
        [
            _example(),
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"},
                ]
            },
        ]
    )
    assert [len(e["messages"]) for e in expanded] == [3, 5, 2]
    assert all(e["messages"][-1]["role"] == "assistant" for e in expanded)
    assert (
        expanded[0]["messages"][-1]["tool_calls"][0]["function"]["arguments"]["code"] == "print(1)"
    )
    assert expanded[0]["tools"] == [{"type": "function"}] and "tools" not in expanded[2]


def test_examples_without_assistant_turns_contribute_nothing() -> None:
    assert expand_assistant_turns([{"messages": [{"role": "user", "content": "hi"}]}]) == []


def test_smoke_profile_builds_its_model_at_an_explicit_path(tmp_path) -> None:
    import json

    from punie_train.lora import resolve_model
    from punie_train.profiles import load_profiles

    data = tmp_path / "data"
    data.mkdir()
    example = _example()
    for split in ("train", "valid"):
        (data / f"{split}.jsonl").write_text(
            "\n".join(json.dumps(example) for _ in range(4)) + "\n"
        )
    target = tmp_path / "models" / "smoke"
    smoke = load_profiles()["smoke"]
    # A typed path is never filled with a random model on its own (a typo is an error)...
    with pytest.raises(ModelNotFoundError):
        resolve_model(smoke, target, data)
    assert not target.exists()
    # ...only when asked to build there (`lora --build-model`).
    resolved = resolve_model(smoke, target, data, build=True)
    assert resolved == target and (target / "config.json").is_file()
