"""The mlx backend with a real (tiny, random) Qwen3 model built offline: its garbage is scored;
checkpoints of a real LoRA adapter are ranked by held-out behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_model import build_adapters, build_tiny_model

from punie_eval.backends import make_backend
from punie_eval.harness import run_suite
from punie_eval.heldout import run_heldout
from punie_eval.suite import Suite


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen3"))


@pytest.fixture(scope="module")
def adapters(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_adapters(tiny_model, tmp_path_factory.mktemp("run") / "adapters")


def test_tiny_model_runs_the_whole_suite_and_is_scored(suite: Suite, tiny_model: Path) -> None:
    backend = make_backend(f"mlx:{tiny_model},max_tokens=12", seed=1)
    report, transcripts = run_suite(suite, backend, turn_limit=2, seed=1, max_tokens=12)
    assert len(report.queries) == 20
    assert report.overall.passed == 0  # random weights: nothing passes by behaviour
    assert {q.outcome for q in report.queries} <= {"malformed", "answer", "turn_limit"}
    assert not report.passed and report.error is None
    assert all(q.completion_tokens and q.completion_tokens > 0 for q in report.queries)
    assert report.tokens_per_s and report.tokens_per_s > 0
    assert all(o["text"] is not None for t in transcripts for o in t["outputs"])
    # the token cap cuts the random model's replies: recorded per turn
    assert any(o["finish_reason"] == "length" for t in transcripts for o in t["outputs"])
    model = report.model
    assert model["backend"] == "mlx" and model["path"] == str(tiny_model.resolve())
    assert len(model["config_sha256"]) == 64 and len(model["weights_sha256"]) == 64


def test_greedy_runs_repeat_exactly(suite: Suite, tiny_model: Path) -> None:
    backend = make_backend(f"mlx:{tiny_model},max_tokens=10")
    report, transcripts = run_suite(suite, backend, only=["single-protocol"], repeat=2)
    assert report.queries[0].consistent is True
    texts = [[o["text"] for o in t["outputs"]] for t in transcripts]
    assert texts[0] == texts[1] and texts[0]


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
    assert 0.0 <= report.score <= 1.0 and len(report.baselines) == 3


def test_checkpoints_are_scored_and_the_best_is_named(
    tmp_path: Path, tiny_model: Path, adapters: Path
) -> None:
    from heldout_data import write_heldout_file
    from typer.testing import CliRunner

    from punie_eval.cli import app

    data = write_heldout_file(tmp_path / "test.jsonl")
    out = tmp_path / "eval" / "checkpoints"
    result = CliRunner().invoke(
        app,
        [
            "heldout",
            "--backend",
            f"mlx:{tiny_model}",
            "--checkpoints",
            str(adapters),
            "--data",
            str(data),
            "--out",
            str(out),
            "--max-tokens",
            "6",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "checkpoints.json").read_text())
    assert summary["base_model"] == str(tiny_model) and summary["examples"] == 3
    files = [c["file"] for c in summary["checkpoints"]]
    assert files == [
        "0000002_adapters.safetensors",
        "0000004_adapters.safetensors",
        "adapters.safetensors",
    ]
    assert [c["iteration"] for c in summary["checkpoints"]] == [2, 4, 4]
    for row in summary["checkpoints"]:
        assert set(row) == {"file", "iteration", "score", "tool_choice", "format_valid", "seconds"}
        assert 0.0 <= row["score"] <= 1.0 and row["seconds"] > 0
    best = summary["best"]
    top = max(c["score"] for c in summary["checkpoints"])
    assert best["score"] == top
    assert best["iteration"] == max(
        c["iteration"] for c in summary["checkpoints"] if c["score"] == top
    )
    assert (out / "0000002_adapters" / "report.json").is_file()


def test_swapping_an_adapter_equals_loading_it(
    tiny_model: Path, adapters: Path, tmp_path: Path
) -> None:
    import shutil

    from punie_eval.backends.mlx import MlxBackend

    messages = [{"role": "user", "content": "Lint src/"}]
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    shutil.copyfile(adapters / "adapter_config.json", fresh_dir / "adapter_config.json")
    shutil.copyfile(adapters / "0000004_adapters.safetensors", fresh_dir / "adapters.safetensors")
    fresh = MlxBackend(str(tiny_model), adapter=str(fresh_dir), max_tokens=12)
    first_dir = tmp_path / "first"
    first_dir.mkdir()
    shutil.copyfile(adapters / "adapter_config.json", first_dir / "adapter_config.json")
    shutil.copyfile(adapters / "0000002_adapters.safetensors", first_dir / "adapters.safetensors")
    swapped = MlxBackend(str(tiny_model), adapter=str(first_dir), max_tokens=12)
    before = swapped.complete(messages, []).text
    swapped.swap_adapter(adapters / "0000004_adapters.safetensors")
    assert swapped.complete(messages, []).text == fresh.complete(messages, []).text
    assert before != fresh.complete(messages, []).text
