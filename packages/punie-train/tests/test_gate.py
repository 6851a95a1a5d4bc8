"""The gate: real templates and tokenizers, real rendering, the wire parsers reading turns back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _models import (
    HERMES_TEMPLATE,
    UNREADABLE_CALLS_TEMPLATE,
    copy_model,
    drop_added_tokens,
    set_eos,
    set_template,
    token_id,
)
from typer.testing import CliRunner

from punie_train.cli import app
from punie_train.gate import run_gate

runner = CliRunner()


def _gate(model: Path, data: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["gate", "--model", str(model), "--data", str(data), *extra])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("model", ["smoke_model_dir", "standin_dir"])
def test_passes_on_the_smoke_model_and_the_moe_standin(
    model: str, dataset_dir: Path, request: pytest.FixtureRequest
) -> None:
    model_dir: Path = request.getfixturevalue(model)
    report = run_gate(model_dir, dataset_dir, max_seq_length=2048)
    assert report.passed, report.reason
    probe = report.probe
    assert probe.end_of_turn.text == "<|im_end|>" and probe.end_of_turn.single_token
    assert (probe.tool_call_open.text, probe.tool_call_close.text) == (
        "<tool_call>",
        "</tool_call>",
    )
    assert probe.tool_response_open.text == "<tool_response>"
    assert probe.tool_response_close.text == "</tool_response>"
    # 40 examples (train, valid, test), each a tool call and an answer, all read back.
    assert (report.examples, report.assistant_turns, report.tool_call_turns) == (40, 80, 40)
    assert report.lengths is not None and report.lengths.count == 48  # train turns
    assert 0 < report.lengths.p50 <= report.lengths.max < 2048
    eot = probe.end_of_turn.ids[0]
    assert eot in report.eos.config and eot in report.eos.union


def test_cli_json_and_table(smoke_model_dir: Path, dataset_dir: Path) -> None:
    code, out, _ = _gate(smoke_model_dir, dataset_dir, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["passed"] is True and report["reason"] == "passed"
    assert {d["role"] for d in report["delimiters"]} == {
        "tool_call_open",
        "tool_call_close",
        "tool_response_open",
        "tool_response_close",
        "end_of_turn",
    }
    code, out, _ = _gate(smoke_model_dir, dataset_dir, "--max-seq-length", "100")
    assert code == 0  # too-long examples are reported, not failed (lora decides)
    assert "rendered turns parse back" in out
    assert "exceed 100 tokens" in out


def test_fails_on_a_config_naming_another_eos_token(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    model = copy_model(smoke_model_dir, tmp_path / "other-eos")
    set_eos(model, "<|endoftext|>")
    code, _, err = _gate(model, dataset_dir)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: gate failed: end-of-sequence ids include end-of-turn: ")
    assert f"config.json eos_token_id [{token_id(model, '<|endoftext|>')}]" in lines[-1]
    assert "'<|im_end|>'" in lines[-1]


def test_fails_when_the_template_renders_calls_the_parser_cannot_read(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    model = copy_model(smoke_model_dir, tmp_path / "unreadable")
    set_template(model, UNREADABLE_CALLS_TEMPLATE)
    code, _, err = _gate(model, dataset_dir)
    assert code == 1
    line = err.strip().splitlines()[-1]
    assert line.startswith("error: gate failed: rendered turns parse back: 40 turn(s); ")
    assert "first train.jsonl:1 (assistant turn 1): the rendered tool call does not parse back" in (
        line
    )


def test_fails_when_the_tokenizer_has_no_tool_call_tokens(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    model = copy_model(smoke_model_dir, tmp_path / "no-tool-tokens")
    drop_added_tokens(model, {"<tool_call>", "</tool_call>"})
    report = run_gate(model, dataset_dir, max_seq_length=2048)
    assert not report.passed
    assert report.reason.startswith("tool-call delimiters are tokens: tool_call_open '<tool_call>'")
    assert "the tokenizer has no token for the template's tool-call format" in report.reason
    assert len(report.probe.tool_call_open.ids) > 1


def test_hermes_json_calls_read_back_and_a_split_tool_response_is_a_warning(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    """Qwen2.5's format: JSON calls parse back; `<tool_response>` in pieces is reported."""
    model = copy_model(smoke_model_dir, tmp_path / "hermes")
    set_template(model, HERMES_TEMPLATE)
    drop_added_tokens(model, {"<tool_response>", "</tool_response>"})
    report = run_gate(model, dataset_dir, max_seq_length=2048)
    assert report.passed, report.reason
    assert report.tool_call_turns == 40 and not report.parse_failures
    warning = next(c for c in report.checks if c.name == "tool-response delimiters are tokens")
    assert not warning.ok and warning.severity == "warn"
    assert "'<tool_response>' is" in warning.detail and "pieces" in warning.detail


def test_usage_errors_exit_2(tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path) -> None:
    code, _, err = _gate(tmp_path / "nope", dataset_dir)
    assert code == 2 and "Model not found" in err
    code, _, err = _gate(smoke_model_dir, tmp_path / "no-data")
    assert code == 2 and "data directory not found" in err


def test_lora_runs_the_gate_first_and_skip_gate_bypasses_it(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    model = copy_model(smoke_model_dir, tmp_path / "other-eos")
    set_eos(model, "<|endoftext|>")
    run = tmp_path / "run"
    args = ["lora", "--model", str(model), "--data", str(dataset_dir), "--run", str(run)]
    result = runner.invoke(app, [*args, "--iters", "1"])
    assert result.exit_code == 2
    assert "gate failed: end-of-sequence ids include end-of-turn" in result.stderr
    assert json.loads((run / "gate.json").read_text())["passed"] is False
    assert not (run / "adapters").exists()  # nothing trained

    result = runner.invoke(app, [*args, "--iters", "1", "--skip-gate"])
    assert result.exit_code == 0, result.output
    assert (run / "adapters" / "adapters.safetensors").is_file()
