"""learn-check: the slice, the tool-choice rule, and real runs that pass and that must fail.

The failing runs break what learn-check exists to catch: a chat template that drops the tool
call from assistant turns, and a prompt mask that trains the prompt instead of the answer.
Each trains, fuses and quantizes for real; only the data or the mask differs from the passing run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from _learn_data import make_example, write_learn_dataset
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from punie_tools import wire
from punie_train.cli import app
from punie_train.learn_check import (
    LEARN_CHECK_FILE,
    chat_prompt,
    expected_choice,
    first_turn,
    learn_check_spec,
    reply_choice,
    run_learn_check,
    select_slice,
    tools_called,
)
from punie_train.smoke import CHAT_TEMPLATE, SmokeModelSpec, make_smoke_model

runner = CliRunner()

REPORT_KEYS = {
    "examples",
    "tool_choice_accuracy",
    "initial_loss",
    "final_loss",
    "model_stage",
    "seconds",
}


# --------------------------------------------------------------------------- the choice rule


def test_tools_called_reads_calls_by_name_only() -> None:
    code = 'r = ruff_check("src")\nt = typecheck("src")\nprint(r.error_count, len("x"))'
    assert tools_called(code) == {"ruff_check", "typecheck"}
    assert tools_called("x = read_file\nprint(x)") == frozenset()  # a reference is not a call
    assert tools_called("print(") is None


def test_expected_choice_of_code_and_direct_turns() -> None:
    code = wire.assistant_code_message('print(read_file("a.py"))\npytest_run("tests")', "c0")
    assert expected_choice(code) == "pytest_run+read_file"
    assert expected_choice(wire.assistant_text_message("It is fine.")) == "direct"
    as_string = {
        "role": "assistant",
        "tool_calls": [{"function": {"name": "execute_code", "arguments": '{"code": "x = 1"}'}}],
    }
    assert expected_choice(as_string) == ""


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        (wire.render_qwen3_coder('r = typecheck("src")\nprint(r.error_count)'), "typecheck"),
        (wire.render_hermes('print(read_file("a.py"))'), "read_file"),
        ("The file has two functions.", "direct"),
        (wire.render_qwen3_coder("print("), "malformed"),
        ("<tool_call>\n<function=execute_code>\n<parameter=code>\nx", "malformed"),
        ("", "malformed"),
    ],
)
def test_reply_choice_uses_the_wire_parser(text: str, choice: str) -> None:
    assert reply_choice(text)[0] == choice


def test_first_turn_cuts_after_the_first_assistant_turn() -> None:
    example = make_example(0)
    long = {**example, "messages": [*example["messages"], {"role": "tool", "content": "x"}]}
    cut = first_turn(long)
    assert cut is not None and cut["messages"] == example["messages"]
    assert first_turn({"messages": [{"role": "user", "content": "hi"}]}) is None


# --------------------------------------------------------------------------- the slice


def _meta_examples(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "messages": [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": "a"},
            ],
            "meta": {"group": g, "category": c},
        }
        for i, (g, c) in enumerate(pairs)
    ]


@given(
    st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("xyz")), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=30),
)
def test_slice_is_fixed_sized_and_covers_every_group(pairs: list[tuple[str, str]], n: int) -> None:
    examples = _meta_examples(pairs)
    chosen = select_slice(examples, n)
    assert chosen == select_slice(examples, n)  # fixed
    assert chosen == sorted(set(chosen))
    assert len(chosen) == min(n, len(examples))
    groups = {g for g, _ in pairs}
    if n >= len(groups):
        assert {pairs[i][0] for i in chosen} == groups
    categories = {(g, c) for g, c in pairs}
    if n >= len(categories):  # enough room: every (group, category) too
        assert {pairs[i] for i in chosen} == categories


def test_slice_skips_examples_without_an_assistant_turn() -> None:
    examples = _meta_examples([("a", "x"), ("b", "x")])
    examples[0]["messages"] = [{"role": "user", "content": "no reply"}]
    assert select_slice(examples, 2) == [1]


# --------------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def learn_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_learn_dataset(tmp_path_factory.mktemp("learn") / "data")


def _fit_spec() -> SmokeModelSpec:
    """learn-check's model, with its tokenizer trained on the rendered conversations.

    Measured on this small synthetic slice (~170 tokens per example): with the default tokenizer
    (trained on the message texts) 150 steps reach loss 0.054 and 10/16, 300 steps 0.010 and
    14/16; with the rendered-conversation tokenizer 150 steps pass (16/16). On the full phase-24
    build it is the other way round (default: 16/16, loss 0.023; rendered: 10/16, loss 0.157),
    so the pipeline keeps the default and these tests, which test the check's mechanics (fit,
    fuse, quantize, score; a broken template and mask must fail), use this one.
    """
    spec = learn_check_spec()
    spec.rendered_corpus = True
    return spec


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory, learn_data: Path) -> Path:
    root = tmp_path_factory.mktemp("lc")
    model = make_smoke_model(root / "model", learn_data, spec=_fit_spec())
    out = root / "ok"
    result = runner.invoke(
        app, ["learn-check", "--data", str(learn_data), "--out", str(out), "--model", str(model)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_learn_check_fits_a_slice_through_fuse_and_5_bit(passing: Path) -> None:
    report = json.loads((passing / LEARN_CHECK_FILE).read_text())
    assert set(report) >= REPORT_KEYS
    assert report["model_stage"] == "quantized" and report["quantize_bits"] == 5
    assert report["examples"] == 16
    assert set(report["groups"]) == {"base", "pytest_run", "ruff_check", "typecheck", "workflow"}
    assert report["tool_choice_accuracy"] >= 0.9
    assert report["final_loss"] <= 0.25 * report["initial_loss"]
    assert report["passed"] is True
    quantized = json.loads((passing / "run" / "quantized" / "config.json").read_text())
    assert quantized["quantization"]["bits"] == 5
    # The slice on disk is the data's examples cut after their first assistant turn.
    lines = (passing / "data" / "train.jsonl").read_text().splitlines()
    assert len(lines) == 16
    for line, scored in zip(lines, report["per_example"], strict=True):
        example = json.loads(line)
        assert example["messages"][-1]["role"] == "assistant"
        assert expected_choice(example["messages"][-1]) == scored["expected"]


@pytest.mark.slow
def test_learn_check_prompt_is_the_training_prefix(passing: Path) -> None:
    """The generation prompt is exactly the tokens the mask left untrained."""
    import mlx_lm

    tokenizer = mlx_lm.load(str(passing / "run" / "quantized"))[1]
    example = json.loads((passing / "data" / "train.jsonl").read_text().splitlines()[0])
    prompt = chat_prompt(tokenizer, example["messages"][:-1], example["tools"])
    full = tokenizer.apply_chat_template(example["messages"], tools=example["tools"])
    prompt_ids = tokenizer.encode(prompt)
    assert list(full[: len(prompt_ids)]) == list(prompt_ids) and len(full) > len(prompt_ids)


def _broken_template_model(data: Path, directory: Path) -> Path:
    """The learn-check model whose template renders an assistant's tool call as nothing."""
    model = make_smoke_model(directory, data, spec=_fit_spec())
    broken = CHAT_TEMPLATE.replace(
        'message.role == "assistant" and message.tool_calls is defined',
        'message.role == "assistant" and false',
    )
    assert broken != CHAT_TEMPLATE
    config_path = model / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["chat_template"] = broken
    config_path.write_text(json.dumps(config))
    return model


@pytest.mark.slow
def test_a_template_that_drops_tool_calls_fails_learn_check(
    tmp_path: Path, learn_data: Path
) -> None:
    model = _broken_template_model(learn_data, tmp_path / "model")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["learn-check", "--data", str(learn_data), "--out", str(out), "--model", str(model)],
    )
    assert result.exit_code == 1, result.output
    report = json.loads((out / LEARN_CHECK_FILE).read_text())
    assert report["passed"] is False and report["tool_choice_accuracy"] < 0.9
    # Only the direct answers survive: every tool-call example is answered wrongly.
    wrong = [e for e in report["per_example"] if not e["correct"]]
    assert wrong and all(e["expected"] != "direct" for e in wrong)
    # learn-check skips the gate on purpose (it judges behaviour); the gate, which the
    # pipeline's train stage runs first, refuses this template too.
    gate = runner.invoke(app, ["gate", "--model", str(model), "--data", str(learn_data)])
    assert gate.exit_code == 1, gate.output


@pytest.mark.slow
def test_a_mask_that_trains_the_prompt_fails_learn_check(
    tmp_path: Path, learn_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlx_lm.tuner.datasets import ChatDataset

    process = ChatDataset.process

    def prompt_only(self: Any, d: dict[str, Any]) -> tuple[list[int], int]:
        tokens, offset = process(self, d)
        return tokens[:offset], 1  # trains the prompt, never the answer

    monkeypatch.setattr(ChatDataset, "process", prompt_only)
    report = run_learn_check(learn_data, tmp_path / "out")
    assert report.passed is False
    assert report.tool_choice_accuracy < 0.9


def test_cli_refuses_an_out_dir_it_did_not_write(tmp_path: Path, learn_data: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["learn-check", "--data", str(learn_data), "--out", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.output and (out / "notes.txt").read_text() == "mine"


def test_cli_rejects_too_small_a_slice(tmp_path: Path, learn_data: Path) -> None:
    result = runner.invoke(
        app,
        ["learn-check", "--data", str(learn_data), "--out", str(tmp_path / "o"), "--examples", "8"],
    )
    assert result.exit_code == 2


def test_cli_reports_too_few_examples(tmp_path: Path) -> None:
    data = write_learn_dataset(tmp_path / "small", n_train=10, n_valid=2)
    result = runner.invoke(app, ["learn-check", "--data", str(data), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "needs 16" in result.output
    assert not (tmp_path / "o").exists()


def test_broken_template_helper_really_changes_rendering(tmp_path: Path, learn_data: Path) -> None:
    """The template break above is real: the tool call vanishes from the rendered turn."""
    import mlx_lm

    model = _broken_template_model(learn_data, tmp_path / "model")
    tokenizer = mlx_lm.load(str(model))[1]
    example = make_example(0)
    text = tokenizer.apply_chat_template(
        example["messages"], tools=example["tools"], tokenize=False
    )
    assert "<tool_call>" not in text.split("<|im_start|>assistant")[-1]
    shutil.rmtree(model)
