"""The mlx backend with a real (tiny, random) Qwen3 model built offline: its garbage is scored."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_model import build_tiny_model

from punie_eval.backends import make_backend
from punie_eval.harness import run_suite
from punie_eval.heldout import run_heldout
from punie_eval.suite import Suite


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen3"))


def test_tiny_model_runs_the_whole_suite_and_is_scored(suite: Suite, tiny_model: Path) -> None:
    backend = make_backend(f"mlx:{tiny_model},max_tokens=12")
    report, transcripts = run_suite(suite, backend, turn_limit=2)
    assert len(report.queries) == 20
    assert report.overall.passed == 0  # random weights: nothing passes by behaviour
    assert {q.outcome for q in report.queries} <= {"malformed", "answer", "turn_limit"}
    assert not report.passed
    assert all(q.completion_tokens and q.completion_tokens > 0 for q in report.queries)
    assert report.tokens_per_s and report.tokens_per_s > 0
    assert all(o["text"] is not None for t in transcripts for o in t["outputs"])


def test_tiny_model_prompt_renders_structured_tool_calls(tiny_model: Path) -> None:
    from punie_eval.backends.mlx import MlxBackend
    from punie_tools import wire

    backend = MlxBackend(str(tiny_model), max_tokens=4)
    messages = [
        {"role": "user", "content": "Lint src/"},
        wire.assistant_code_message('print(ruff_check("src"))', "call_0"),
        wire.tool_message("0 violations", "call_0"),
    ]
    prompt = backend.prompt(messages, wire.TOOLS)
    assert "<function=execute_code>" in prompt and 'ruff_check("src")' in prompt
    assert prompt.rstrip().endswith("<|im_start|>assistant")


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no model at"):
        make_backend(f"mlx:{tmp_path / 'nope'}")


def test_tiny_model_on_heldout(tmp_path: Path, tiny_model: Path) -> None:
    from heldout_data import write_heldout_file

    data = write_heldout_file(tmp_path / "test.jsonl")
    report = run_heldout(data, make_backend(f"mlx:{tiny_model},max_tokens=8"))
    assert report.total == 3
    assert 0.0 <= report.tool_choice_accuracy <= 1.0
