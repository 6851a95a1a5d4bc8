"""Held-out tool-choice accuracy and the replay backend (transcripts written by a run)."""

from __future__ import annotations

import json
from pathlib import Path

from heldout_data import write_heldout_file

from punie_eval.backends import make_backend
from punie_eval.heldout import expected_choice, run_heldout, write_heldout
from punie_tools import wire


def _transcript(entries: list[tuple[str, list[str]]], path: Path) -> Path:
    path.write_text(
        "".join(
            json.dumps({"request": r, "outputs": [{"text": t} for t in outs]}) + "\n"
            for r, outs in entries
        )
    )
    return path


def test_heldout_scores_choices_and_format(tmp_path: Path) -> None:
    data = write_heldout_file(tmp_path / "test.jsonl")
    replies = _transcript(
        [
            ("Lint the src folder", [wire.render_qwen3_coder('print(ruff_check("src/app.py"))')]),
            ("Run the tests", [wire.render_qwen3_coder('print(typecheck("tests"))')]),
            (
                "What does E501 mean?",
                ["<tool_call>\n<function=execute_code>\n<parameter=code>\nprint("],
            ),
        ],
        tmp_path / "replies.jsonl",
    )
    report = run_heldout(data, make_backend(f"replay:{replies}"))
    assert report.total == 3
    assert [(e.expected, e.predicted, e.correct) for e in report.examples] == [
        ("ruff_check", "ruff_check", True),
        ("pytest_run", "typecheck", False),
        ("direct", "malformed", False),
    ]
    assert report.tool_choice_accuracy == 1 / 3
    assert report.format_validity_rate == 2 / 3
    first = report.examples[0]
    assert first.expected_paths == ["ruff_check:src"]
    assert first.predicted_paths == ["ruff_check:src/app.py"]
    assert (first.arguments_ok, first.runs, first.runs_checked) == (False, True, "static")
    assert first.score == 2 / 3 and report.examples[2].score == 0.0
    assert report.score == (2 / 3 + 1 / 3) / 3
    names = [b.name for b in report.baselines]
    assert names == ["always answer directly", "always ruff_check", "majority per category"]
    assert [b.tool_choice for b in report.baselines] == [1 / 3, 1 / 3, 2 / 3]
    write_heldout(report, tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert (
        saved["schema"] == "punie-eval/heldout/v2"
        and saved["by_group"]["ruff_check"]["correct"] == 1
    )


def test_heldout_runs_the_code_on_the_examples_workspace(tmp_path: Path) -> None:
    from heldout_data import INVENTORY

    data = write_heldout_file(tmp_path / "test.jsonl", [INVENTORY, INVENTORY])
    replies = _transcript(
        [
            (
                "Lint the inventory package",
                [wire.render_qwen3_coder('print(ruff_check("inventory"))')],
            )
        ],
        tmp_path / "r.jsonl",
    )
    report = run_heldout(data, make_backend(f"replay:{replies}"), limit=1)
    example = report.examples[0]
    assert (example.correct, example.arguments_ok, example.runs) == (True, True, True)
    assert example.runs_checked == "full" and example.score == 1.0
    missing = _transcript(
        [("Lint the inventory package", [wire.render_qwen3_coder('print(read_file("nope.py"))')])],
        tmp_path / "m.jsonl",
    )
    failed = run_heldout(data, make_backend(f"replay:{missing}"), limit=1).examples[0]
    assert not failed.runs and failed.reason and "runtime" in failed.reason


def test_expected_choice_reads_the_first_assistant_turn() -> None:
    messages = [
        {"role": "user", "content": "x"},
        wire.assistant_code_message('a = typecheck("s")\nb = ruff_check("s")', "c"),
    ]
    prompt, choice = expected_choice(messages) or ([], "")
    assert prompt == messages[:1] and choice == "ruff_check+typecheck"
    assert expected_choice([{"role": "user", "content": "x"}]) is None


def test_limit_spreads_the_sample_over_the_file(tmp_path: Path) -> None:
    data = write_heldout_file(tmp_path / "test.jsonl")
    replies = _transcript(
        [
            ("Lint the src folder", [wire.render_qwen3_coder('print(ruff_check("src/app.py"))')]),
            ("What does E501 mean?", ["E501 means the line is too long."]),
        ],
        tmp_path / "replies.jsonl",
    )
    report = run_heldout(data, make_backend(f"replay:{replies}"), limit=2)
    # the first two lines are both code examples; a spread sample takes the first and the last
    assert [(e.index, e.expected, e.correct) for e in report.examples] == [
        (0, "ruff_check", True),
        (2, "direct", True),
    ]


class _FailsAfter:
    """Answers directly `answers` times, then raises `error` (a stand-in for a server that
    stops serving; the real HTTP case is in test_cli_contract.py)."""

    name = "fails-after"

    def __init__(self, answers: int, error: Exception) -> None:
        self.answers, self.error = answers, error

    def complete(self, messages, tools):
        from punie_eval.backends import Completion

        if self.answers <= 0:
            raise self.error
        self.answers -= 1
        return Completion(text="E501 means the line is too long.")


def test_heldout_raises_when_the_backend_cannot_serve(tmp_path: Path) -> None:
    import pytest

    from punie_eval.backends import BackendUnavailable, BackendUnreachable

    data = write_heldout_file(tmp_path / "test.jsonl")
    gone = BackendUnreachable("cannot reach http://127.0.0.1:9/v1/chat/completions")
    with pytest.raises(BackendUnreachable):  # gone mid-run: no score is honest
        run_heldout(data, _FailsAfter(1, gone))
    refused = BackendUnavailable("HTTP 404: no such model")
    with pytest.raises(BackendUnavailable):  # before any answer: nothing was measured
        run_heldout(data, _FailsAfter(0, refused))
    report = run_heldout(data, _FailsAfter(1, refused))  # one 4xx later: that example failed
    assert [e.predicted for e in report.examples] == ["direct", "error", "error"]
