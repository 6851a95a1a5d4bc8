"""Mining the fixture repository with the real sandbox and the real tools."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from punie_mine.cli import app
from punie_mine.miner import mine, parse_targets, write_jsonl
from punie_mine.sources import resolve_source
from punie_mine.verify import verify_file

FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"
TARGETS = {"code": 6, "testing": 3, "concepts": 5, "tools": 4}


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("src")
    import shutil

    shutil.copytree(FIXTURE, root / "minirepo")
    resolved = resolve_source(str(root / "minirepo"), root / "cache")
    examples, report = mine(resolved, "minirepo", TARGETS)
    out = root / "minirepo.jsonl"
    write_jsonl(out, examples)
    return root / "minirepo", examples, report, out


def test_counts_per_category_meet_the_targets(mined) -> None:
    _, examples, report, _ = mined
    assert dict(report.counts) == TARGETS
    assert len(examples) == sum(TARGETS.values())
    assert {e.meta.category for e in examples} == set(TARGETS)


def test_requests_are_unique(mined) -> None:
    _, examples, _, _ = mined
    requests = [e.meta.request for e in examples]
    assert len(set(requests)) == len(requests)


def test_answers_name_real_symbols_files_and_lines(mined) -> None:
    _, examples, _, _ = mined
    by_request = {e.meta.request: e for e in examples}
    where = by_request["Where is the class `Node` defined in minirepo?"]
    answer = where.messages[-1]["content"]
    assert "`src/minirepo/nodes.py` at line 7" in answer
    assert "Base class of everything the renderer can turn into HTML." in answer
    tool = next(m for m in where.messages if m["role"] == "tool")["content"]
    assert "src/minirepo/nodes.py:7:class Node:" in tool  # the real grep output
    subclasses = by_request["What classes subclass `Node` in minirepo?"].messages[-1]["content"]
    assert "`Text` (src/minirepo/nodes.py:15)" in subclasses
    assert "`Element` (src/minirepo/nodes.py:25)" in subclasses


def test_tool_examples_hold_real_tool_results(mined) -> None:
    _, examples, _, _ = mined
    tools = [e for e in examples if e.meta.category == "tools"]
    assert tools
    for example in tools:
        assert example.messages[2]["tool_calls"][0]["function"]["name"] == "execute_code"
        tool_text = example.messages[3]["content"]
        assert tool_text.startswith("errors:")


def test_testing_examples_read_the_real_tests(mined) -> None:
    _, examples, _, _ = mined
    listing = next(
        e for e in examples if e.meta.request == "Show me examples of the render tests in minirepo."
    )
    answer = listing.messages[-1]["content"]
    assert "`tests/test_render.py` has 4 tests" in answer
    assert "`test_nested_elements` (line 27)" in answer
    assert "`sample`" in answer and "`tag`" in answer  # the fixture and the parameter


def test_provenance_verifies_and_tampering_is_caught(mined, tmp_path: Path) -> None:
    root, examples, _, out = mined
    report = verify_file(out, None, tmp_path / "cache")
    assert report.ok, report.problems
    assert report.spans >= len([e for e in examples if e.meta.provenance])
    nodes = root / "src" / "minirepo" / "nodes.py"
    original = nodes.read_text()
    try:
        nodes.write_text(original.replace("class Node:", "class Node:  # edited"))
        tampered = verify_file(out, None, tmp_path / "cache")
        assert not tampered.ok
        assert any("nodes.py:7-7: text changed" in p for p in tampered.problems)
    finally:
        nodes.write_text(original)


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="bad target"):
        parse_targets("code=ten")
    assert parse_targets("code=1,tools=2") == {"code": 1, "tools": 2}


def test_cli_missing_source_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["mine", str(tmp_path / "absent"), "--name", "x", "--out", str(tmp_path / "x.jsonl")]
    )
    assert result.exit_code == 2
    assert "no such directory" in result.output


def test_cli_all_skips_sources_that_cannot_be_found(minirepo: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sources.mini]\npath = "{minirepo}"\ntargets = "code=2,concepts=1"\n\n'
        f'[sources.ghost]\npath = "{tmp_path / "ghost"}"\ntargets = "code=1"\n'
    )
    out = tmp_path / "mined"
    result = CliRunner().invoke(app, ["all", "--sources", str(sources), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipping ghost" in result.output
    lines = (out / "mini.jsonl").read_text().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])["meta"]["source"] == "mined:mini"
    assert not (out / "ghost.jsonl").exists()
