"""Mining the fixture repository with the real sandbox and the real tools."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from punie_mine.cli import app
from punie_mine.grounding import check_messages
from punie_mine.miner import mine, parse_targets, write_jsonl
from punie_mine.sources import resolve_source
from punie_mine.verify import verify_file

FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"
TARGETS = {"code": 6, "testing": 3, "concepts": 5, "tools": 4}


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("src")
    shutil.copytree(FIXTURE, root / "minirepo")
    resolved = resolve_source(str(root / "minirepo"), root / "cache")
    examples, report = mine(resolved, "minirepo", TARGETS, cache=root / "cache")
    out = root / "minirepo.jsonl"
    write_jsonl(out, examples)
    return root / "minirepo", examples, report, out


def _kind(examples, kind: str):
    return [e for e in examples if e.meta.workspace["kind"] == kind]


def _tool_texts(example) -> list[str]:
    return [m["content"] for m in example.messages if m["role"] == "tool"]


def test_counts_per_category_meet_the_targets(mined) -> None:
    _, examples, report, _ = mined
    assert dict(report.counts) == TARGETS
    assert len(examples) == sum(TARGETS.values())
    assert {e.meta.category for e in examples} == set(TARGETS)
    assert report.environment == "none declared"  # the fixture declares no dependencies


def test_requests_are_unique(mined) -> None:
    _, examples, _, _ = mined
    requests = [e.meta.request for e in examples]
    assert len(set(requests)) == len(requests)


def test_where_class_answers_from_the_real_grep_output(mined) -> None:
    _, examples, _, _ = mined
    [where] = [e for e in _kind(examples, "where-class") if "`Node`" in e.meta.request]
    [tool] = _tool_texts(where)
    assert "src/minirepo/nodes.py:7:class Node:" in tool  # the real grep output
    assert "`src/minirepo/nodes.py` at line 7" in where.messages[-1]["content"]


def test_reads_start_at_a_line_an_earlier_output_revealed(mined) -> None:
    """Find before you read: the grep prints the line, the second call reads from it."""
    _, examples, _, _ = mined
    [how] = _kind(examples, "how-function")
    calls = [m for m in how.messages if m.get("tool_calls")]
    found, read = _tool_texts(how)
    assert "render.py:13:def from_template" in found
    assert "start = 13" in calls[1]["tool_calls"][0]["function"]["arguments"]["code"]
    assert read.splitlines()[0].startswith("13 def from_template")
    answer = how.messages[-1]["content"]
    assert "lines 13–21" in answer and "Convert a template string" in answer


def test_no_mined_example_is_clairvoyant(mined) -> None:
    _, examples, _, _ = mined
    with_tools = [e for e in examples if any(m.get("tool_calls") for m in e.messages)]
    assert len(with_tools) >= 10
    for example in with_tools:
        assert check_messages(example.messages) == [], example.meta.request


def test_concepts_restate_whole_sections_with_their_code(mined) -> None:
    _, examples, _, _ = mined
    direct = _kind(examples, "doc-direct")
    rendering = next(e for e in direct if "rendering" in e.meta.request.lower())
    answer = rendering.messages[-1]["content"]
    assert "escapes every interpolated value" in answer
    assert "```python\nfrom minirepo.render import render" in answer  # the code example, whole
    assert not any(m.get("tool_calls") for m in rendering.messages)
    for example in [*direct, *_kind(examples, "doc-read")]:
        text = example.messages[-1]["content"]
        assert "what is meant by" not in example.meta.request.lower()
        assert not text.split("\n\n(Source")[0].rstrip().endswith(":")


def test_tool_examples_hold_real_tool_results(mined) -> None:
    _, examples, _, _ = mined
    tools = [e for e in examples if e.meta.category == "tools"]
    assert tools
    for example in tools:
        assert example.messages[2]["tool_calls"][0]["function"]["name"] == "execute_code"
        assert example.messages[3]["content"].startswith("errors:")


def test_testing_examples_read_the_real_tests(mined) -> None:
    _, examples, _, _ = mined
    [listing] = _kind(examples, "list-tests")
    answer = listing.messages[-1]["content"]
    assert "`tests/test_render.py` has 4 tests" in answer
    assert "tests: 4" in _tool_texts(listing)[0]  # the count the answer states was printed
    assert "`test_nested_elements` (line 27)" in answer
    assert "`sample`" in answer and "`tag`" in answer  # the fixture and the parameter


def test_provenance_verifies_and_tampering_is_caught(mined, tmp_path: Path) -> None:
    root, examples, _, out = mined
    report = verify_file(out, None, tmp_path / "cache")
    assert report.ok, report.problems
    assert report.clairvoyant == 0
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


def test_verify_catches_a_clairvoyant_read(mined, tmp_path: Path) -> None:
    """An example whose first call reads lines nothing revealed fails verify."""
    _, examples, _, _ = mined
    [how] = _kind(examples, "how-function")
    bad = json.loads(how.model_dump_json())
    bad["messages"] = [m for m in bad["messages"] if m["role"] in {"system", "user"}] + bad[
        "messages"
    ][4:]  # drop the grep: the read of `start = 13` now comes first
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(bad) + "\n")
    report = verify_file(path, None, tmp_path / "cache")
    assert report.clairvoyant == 1
    assert any("uses 13" in p for p in report.problems)
    result = CliRunner().invoke(app, ["verify", str(path)])
    assert result.exit_code == 1


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
    assert "Traceback" not in result.output


def test_cli_all_skips_sources_that_cannot_be_found(minirepo: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sources.mini]\npath = "{minirepo}"\ntargets = "code=2,concepts=1"\n\n'
        f'[sources.ghost]\npath = "{tmp_path / "ghost"}"\ntargets = "code=1"\n'
    )
    out = tmp_path / "mined"
    result = CliRunner().invoke(
        app, ["all", "--sources", str(sources), "--out", str(out), "--cache", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert "skipping ghost" in result.output
    lines = (out / "mini.jsonl").read_text().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])["meta"]["source"] == "mined:mini"
    assert not (out / "ghost.jsonl").exists()
    table = json.loads((out / "sources.json").read_text())["sources"]
    assert [(r["name"], r.get("origin")) for r in table] == [("mini", "path"), ("ghost", None)]
