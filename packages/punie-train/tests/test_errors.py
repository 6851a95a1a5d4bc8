"""Bad data and missing models give typed errors and clear CLI messages (exit 2), offline."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from _dataset import make_example
from conftest import tiny_profile
from typer.testing import CliRunner

from punie_train._jsonl import read_examples
from punie_train.cli import app
from punie_train.errors import DatasetError, ModelNotFoundError
from punie_train.gate import GateFailed
from punie_train.lora import train_lora

runner = CliRunner()


def _copy_data(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as info:
        read_examples(tmp_path / "train.jsonl")
    assert info.value.path == tmp_path / "train.jsonl"
    assert "file not found" in str(info.value)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"meta": {}}), "missing or empty 'messages'"),
        (json.dumps({"messages": [{"role": "wizard", "content": "x"}]}), "no valid 'role'"),
        (json.dumps([1, 2]), "expected a JSON object"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(make_example(0)) + "\n\n" + line + "\n")
    with pytest.raises(DatasetError) as info:
        read_examples(path)
    assert info.value.line == 3
    assert reason in info.value.reason
    assert str(info.value).startswith(f"{path}:3: ")


def test_cli_bad_data_exits_2_with_file_and_line(tmp_path: Path, dataset_dir: Path) -> None:
    data = _copy_data(dataset_dir, tmp_path / "data")
    with (data / "valid.jsonl").open("a") as handle:
        handle.write('{"messages": oops}\n')
    result = runner.invoke(app, ["lora", "--data", str(data), "--run", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "valid.jsonl:9" in result.output
    assert "invalid JSON" in result.output
    assert not (tmp_path / "r").exists()


def test_cli_missing_data_dir(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lora", "--data", str(tmp_path / "nope"), "--run", "r"])
    assert result.exit_code == 2
    assert "train.jsonl" in result.output and "file not found" in result.output


def test_template_failure_is_a_dataset_error(
    tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path
) -> None:
    data = _copy_data(dataset_dir, tmp_path / "data")
    bad = make_example(0)
    bad["messages"][2]["tool_calls"][0]["function"] = {"arguments": {"code": "x"}}  # no name
    with (data / "train.jsonl").open("a") as handle:
        handle.write(json.dumps(bad) + "\n")
    # The gate catches it first, naming the file and line, before any model is loaded...
    with pytest.raises(GateFailed) as gate:
        train_lora(tiny_profile(), data, tmp_path / "run", model=smoke_model_dir, verify=False)
    assert "every example renders" in str(gate.value)
    assert "train.jsonl:25 (assistant turn 1)" in str(gate.value)
    assert not (tmp_path / "run" / "adapters").exists()
    # ...and without the gate, rendering the dataset for training still does.
    with pytest.raises(DatasetError) as info:
        train_lora(
            tiny_profile(), data, tmp_path / "run", model=smoke_model_dir, verify=False, gate=False
        )
    assert info.value.path == data / "train.jsonl"
    assert info.value.line == 25
    assert "chat template failed" in info.value.reason


def test_missing_model_is_clear_and_never_downloads(
    tmp_path: Path, dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hf_home = tmp_path / "hf"
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.chdir(tmp_path)
    start = time.monotonic()
    result = runner.invoke(
        app, ["lora", "--profile", "phase24", "--data", str(dataset_dir), "--run", "runs/p24"]
    )
    assert result.exit_code == 2
    assert "--model PATH" in result.output
    assert "never downloads" in result.output
    result = runner.invoke(
        app,
        [
            *("lora", "--profile", "phase24", "--data", str(dataset_dir), "--run", "runs/p24"),
            *("--model", "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"),
        ],
    )
    assert result.exit_code == 2
    assert "'mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit' is not a local directory" in (
        result.output.replace("\n", "")
    )
    assert time.monotonic() - start < 10
    assert not hf_home.exists(), "something tried to use the Hugging Face cache"


def test_model_dir_without_config_is_not_a_model(tmp_path: Path, dataset_dir: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError) as info:
        train_lora(tiny_profile(), dataset_dir, tmp_path / "run", model=tmp_path / "empty")
    assert info.value.model == str(tmp_path / "empty")


def test_fuse_without_training_is_clear(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fuse", "--run", str(tmp_path / "never")])
    assert result.exit_code == 2
    assert "not a trained run" in result.output


def test_smoke_profile_builds_its_model_when_missing(
    tmp_path: Path, dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    summary = train_lora(tiny_profile(iters=2), dataset_dir, Path("runs/s"), verify=False)
    assert (tmp_path / "data/models/smoke/config.json").is_file()
    assert summary.model == "data/models/smoke"
    assert summary.iterations == 2
