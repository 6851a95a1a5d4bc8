"""A small real build (every category and split, a spec or two each), then verify, the
no-clairvoyance check, tampering, atomicity, the suite guard and the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shared_build import LIMIT, SCALE, SUITE

from punie_datagen import build as build_module
from punie_datagen.build import BuildError, build
from punie_datagen.execute import materialize
from punie_datagen.verify import VerifyReport, code_blocks, load_examples, verify_examples
from punie_datagen.workspaces import workspace_files
from punie_tools import wire


def _ruff_only(out: Path) -> list[wire.Example]:
    """Examples whose code calls ruff and nothing slower (cheap to re-run from scratch)."""
    slow = ("pytest_run(", "typecheck(")
    return [
        e
        for e in load_examples(out)
        if code_blocks(e)
        and all("ruff_check(" in c or "read_file(" in c for c, _ in code_blocks(e))
        and not any(s in c for c, _ in code_blocks(e) for s in slow)
    ]


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_build_writes_three_splits_and_a_truthful_manifest(built: tuple[Path, Path, dict]) -> None:
    out, _, manifest = built
    assert sorted(p.name for p in out.iterdir()) == [
        ".punie-output.json",
        "manifest.json",
        "test.jsonl",
        "train.jsonl",
        "valid.jsonl",
    ]
    assert json.loads((out / "manifest.json").read_text()) == manifest
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    counted = {
        name: len((out / f"{name}.jsonl").read_text().splitlines())
        for name in ("train", "valid", "test")
    }
    assert counted == manifest["splits"] and sum(counted.values()) == manifest["total"]
    assert manifest["verify"]["mismatches"] == 0 and manifest["verify"]["problems"] == 0
    assert {"ruff_check", "pytest_run", "typecheck", "workflow", "base"} <= set(
        manifest["by_group_category"]
    )
    assert manifest["diversity"]["clairvoyant"] == 0 and manifest["suite_check"]["leaks"] == 0
    assert manifest["lengths"]["max"] <= manifest["lengths"]["limit"]
    assert all(set(splits) == {"train", "valid", "test"} for splits in manifest["by_category_split"].values()
               if sum(splits.values()) >= 3)  # fmt: skip


def test_examples_are_mlx_chat_records_in_one_wire_format(built: tuple[Path, Path, dict]) -> None:
    out, _, _ = built
    for line in (out / "train.jsonl").read_text().splitlines():
        record = json.loads(line)
        assert record["tools"] == wire.TOOLS
        roles = [m["role"] for m in record["messages"]]
        assert roles[:2] == ["system", "user"] and roles[-1] == "assistant"
        meta = record["meta"]
        if meta["category"] != "direct":
            assert (
                meta["project"]
                and meta["template"]
                and meta["strategy"]
                and meta["split"] == "train"
            )
        for message in record["messages"]:
            for call in message.get("tool_calls") or []:
                assert call["function"]["name"] == wire.EXECUTE_CODE_TOOL["function"]["name"]


def test_verify_passes_on_the_build_and_catches_a_tampered_tool_message(
    built: tuple[Path, Path, dict],
) -> None:
    out, _, manifest = built
    # The build re-ran every example from scratch (verify_sample above the count): all agreed.
    assert manifest["verify"]["checked"] == manifest["total"] > 0
    tampered = _ruff_only(out)[0].model_copy(deep=True)
    tool = next(m for m in tampered.messages if m["role"] == "tool")
    tool["content"] = (
        tool["content"].replace("0", "1", 1)
        if "0" in tool["content"]
        else tool["content"] + "\n1 failed"
    )
    report = verify_examples([tampered])
    assert not report.ok and len(report.mismatches) == 1


def test_verify_flags_unknown_tools_and_files_missing_from_the_workspace(
    built: tuple[Path, Path, dict],
) -> None:
    out, _, _ = built
    example = next(e for e in load_examples(out) if code_blocks(e)).model_copy(deep=True)
    call = next(m for m in example.messages if m.get("tool_calls"))["tool_calls"][0]
    call["function"]["arguments"]["code"] = (
        'print(read_file("src/nowhere.py"))\ndelete_everything()\n'
    )
    problems = " ".join(verify_examples([example]).problems)
    assert "delete_everything" in problems and "src/nowhere.py" in problems


def test_a_turn_that_uses_an_unrevealed_line_number_fails_the_static_check(
    built: tuple[Path, Path, dict],
) -> None:
    from punie_datagen.build import static_problems

    out, _, _ = built
    examples = [e for e in load_examples(out) if code_blocks(e) and e.meta.workspace]
    assert static_problems(examples) == []
    example = examples[0].model_copy(deep=True)
    call = next(m for m in example.messages if m.get("tool_calls"))["tool_calls"][0]
    call["function"]["arguments"]["code"] = "lines = [1]\nprint(lines[:4096])\n"
    assert any("4096" in p for p in static_problems([example]))


def test_verify_cli_exit_codes(built: tuple[Path, Path, dict], tmp_path: Path) -> None:
    out, _, _ = built
    cli = [sys.executable, "-m", "punie_datagen.cli"]
    ok = subprocess.run([*cli, "verify", str(out), "--sample", "2"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["mismatches"] == 0
    (tmp_path / "bad").mkdir()  # one tampered example (verify re-runs all of a dataset)
    record = json.loads(_ruff_only(out)[0].model_dump_json())
    tool = next(m for m in record["messages"] if m["role"] == "tool")
    tool["content"] = "tampered " + tool["content"]
    (tmp_path / "bad" / "train.jsonl").write_text(json.dumps(record) + "\n")
    bad = subprocess.run([*cli, "verify", str(tmp_path / "bad")], capture_output=True, text=True)
    assert bad.returncode == 1
    missing = subprocess.run(
        [*cli, "verify", str(tmp_path / "nothing")], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no such directory" in missing.stderr
    assert missing.stderr.startswith("error: ") and len(missing.stderr.strip().splitlines()) == 1


def test_stats_prints_tables_on_stdout_and_json_on_request(
    built: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    out, _, manifest = built
    cli = [sys.executable, "-m", "punie_datagen.cli"]
    table = subprocess.run([*cli, "stats", str(out)], capture_output=True, text=True)
    assert (
        table.returncode == 0
        and "distinct code shapes" in table.stdout
        and "clairvoyant" in table.stdout
    )
    as_json = subprocess.run([*cli, "stats", str(out), "--json"], capture_output=True, text=True)
    assert json.loads(as_json.stdout)["diversity"] == manifest["diversity"]
    missing = subprocess.run([*cli, "stats", str(tmp_path)], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")


def test_a_request_that_paraphrases_a_validation_query_fails_the_build(
    built: tuple[Path, Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from punie_datagen.generators import all_specs

    _, session_cache, _ = built
    cache = tmp_path / "cache"  # the sandbox caches, not the remembered generated examples
    shutil.copytree(session_cache, cache, ignore=shutil.ignore_patterns("derived"))
    specs = all_specs(0)
    specs[0].request = "Are the tests passing?"
    monkeypatch.setattr(build_module, "all_specs", lambda seed: specs)
    with pytest.raises(BuildError, match="paraphrase validation queries"):
        build(
            tmp_path / "out",
            scale=SCALE,
            cache_dir=cache,
            verify_sample=0,
            suite=SUITE,
            max_seq_length=LIMIT,
        )
    assert not (tmp_path / "out").exists()


def test_second_build_is_deterministic_and_needs_no_new_runs(
    built: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    out, cache, _ = built
    before = sorted(p.name for p in cache.rglob("*.json"))
    manifest = build(
        tmp_path / "again",
        scale=SCALE,
        cache_dir=cache,
        verify_sample=0,
        suite=SUITE,
        max_seq_length=LIMIT,
    ).manifest
    assert manifest["tool_cache"] == {"runs": 0, "hits": 0, "generation": "remembered"}
    assert sorted(p.name for p in cache.rglob("*.json")) == before
    for name in ("train.jsonl", "valid.jsonl", "test.jsonl"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()


def test_a_crash_while_writing_leaves_the_previous_dataset_whole(
    built: tuple[Path, Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache, _ = built
    target = tmp_path / "data"
    shutil.copytree(out, target)
    before = _snapshot(target)

    def crash(path: Path) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "_sha256", crash)
    with pytest.raises(OSError, match="disk full"):
        build(
            target, scale=SCALE, cache_dir=cache, verify_sample=0, suite=SUITE, max_seq_length=LIMIT
        )
    assert _snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no temp dirs left behind


def test_a_failed_verification_is_a_build_error_and_writes_nothing(
    built: tuple[Path, Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cache, _ = built
    monkeypatch.setattr(
        build_module, "verify_remembered", lambda *a, **k: VerifyReport(1, ["'x': turn 0 differs"])
    )
    with pytest.raises(BuildError, match="verification failed"):
        build(
            tmp_path / "out",
            scale=SCALE,
            cache_dir=cache,
            verify_sample=1,
            suite=SUITE,
            max_seq_length=LIMIT,
        )
    assert not (tmp_path / "out").exists()


def test_mined_examples_are_merged_and_bad_mined_files_are_named(
    built: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    out, cache, manifest = built
    mined_dir = tmp_path / "mined"
    mined_dir.mkdir()
    example = load_examples(out)[0].model_copy(deep=True)
    example.meta.group, example.meta.category, example.meta.source = "mined", "code", "mine:test"
    example.meta.request = "explain the mined module's public entry point in a few sentences"
    (mined_dir / "demo.jsonl").write_text(example.model_dump_json() + "\n")
    result = build(
        tmp_path / "merged",
        scale=SCALE,
        cache_dir=cache,
        verify_sample=0,
        mined=mined_dir,
        suite=SUITE,
        max_seq_length=LIMIT,
    )
    assert result.manifest["mined"] == 1 and result.manifest["total"] == manifest["total"] + 1
    (mined_dir / "broken.jsonl").write_text("{not json\n")
    with pytest.raises(BuildError, match=r"broken.jsonl:1"):
        build(
            tmp_path / "merged2",
            scale=SCALE,
            cache_dir=cache,
            verify_sample=0,
            mined=mined_dir,
            suite=SUITE,
            max_seq_length=LIMIT,
        )


def test_tool_results_match_the_raw_tools_on_the_same_workspace(
    built: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    """Each ruff/ty result the examples were built from equals what the raw CLI says there."""
    from punie_datagen.execute import run_steps

    out, _, _ = built
    checked = 0
    for example in _ruff_only(out)[:4]:
        files = workspace_files(example.meta.workspace)
        code, _ = code_blocks(example)[0]
        records = run_steps(files, [code])
        root = tmp_path / f"ws{checked}"
        materialize(files, root)
        for call in records[0]["calls"]:
            if call["name"] == "ruff_check":
                raw = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "json", call["arguments"].get("path", ".")],
                                     cwd=root, capture_output=True, text=True)  # fmt: skip
                expected = sorted((v["code"], v["location"]["row"]) for v in json.loads(raw.stdout))
                got = sorted((v["code"], v["line"]) for v in call["result"]["violations"])
                assert got == expected, example.meta.request
                checked += 1
    assert checked >= 1


def test_flags_and_glob_patterns_are_not_taken_for_missing_files() -> None:
    from punie_datagen.verify import _static_problems

    code = 'print(run_command("grep", ["-rn", "--include=*.py", "x", "."]))\nprint(run_command("find", [".", "-name", "*.py"]))\n'
    assert _static_problems(code, {"pkg/mod.py": ""}, set()) == []
    assert _static_problems('print(read_file("pkg/other.py"))\n', {"pkg/mod.py": ""}, set()) == [
        "mentions pkg/other.py, which is not in the workspace"
    ]


def test_a_difference_that_does_not_repeat_is_reported_as_flaky_not_as_a_mismatch(
    built: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    from punie_datagen import verify as verify_module

    out, _, _ = built
    example = _ruff_only(out)[0]
    real = verify_module.run_steps
    calls = []

    def first_run_differs(files: dict[str, str], steps: list[str]) -> list[dict]:
        records = real(files, steps)
        calls.append(1)
        if len(calls) == 1:
            records[0]["stdout"] = "timed out\n"
        return records

    monkeypatch.setattr(verify_module, "run_steps", first_run_differs)
    report = verify_examples([example])
    assert report.ok and len(calls) == 2
    assert len(report.flaky) == 1 and "timed out" in report.flaky[0]
