"""Pure scoring rules: AST call extraction, path matching, facts, sequences."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from punie_eval.scoring import (
    CallInfo,
    calls_in_code,
    find_suppressions,
    match_pattern,
    normalize_path,
)
from punie_eval.suite import CallPattern


def test_calls_in_code_maps_positional_and_keyword_arguments() -> None:
    code = (
        "r = ruff_check(path='src')\n"
        "write_file('a.py', content)\n"
        "for f in ['x']:\n    typecheck(f)\n"
        "run_command('grep', ['-rn', 'register'])\n"
        "print(len(read_file('b.py')))\n"
    )
    calls = calls_in_code(code)
    assert [(c.name, c.arguments) for c in calls] == [
        ("ruff_check", {"path": "src"}),
        ("write_file", {"path": "a.py", "content": None}),
        ("typecheck", {"path": None}),
        ("run_command", {"command": "grep", "args": ["-rn", "register"]}),
        ("read_file", {"path": "b.py"}),
    ]


@given(st.text(max_size=200))
def test_calls_in_code_never_raises(code: str) -> None:
    assert isinstance(calls_in_code(code), list)


def test_path_matching_modes() -> None:
    exact = CallPattern(tool="typecheck", path="src/punie/agent", path_match="exact")
    covers = CallPattern(tool="typecheck", path="src/punie/agent/config.py", path_match="covers")
    glob = CallPattern(tool="read_file", path="components/[!_]*.py", path_match="glob")

    def call(name: str, path: str) -> CallInfo:
        return CallInfo(name=name, arguments={"path": path})

    assert match_pattern(exact, call("typecheck", "./src/punie/agent/"), 0, -1)
    assert not match_pattern(exact, call("typecheck", "src/punie"), 0, -1)
    assert not match_pattern(exact, call("ruff_check", "src/punie/agent"), 0, -1)
    for ok in (".", "src", "src/punie/agent", "src/punie/agent/config.py"):
        assert match_pattern(covers, call("typecheck", ok), 0, -1), ok
    for bad in ("tests", "src/punie/agent/factory.py", "src/pun"):
        assert not match_pattern(covers, call("typecheck", bad), 0, -1), bad
    assert match_pattern(glob, call("read_file", "components/greeting.py"), 0, -1)
    assert not match_pattern(glob, call("read_file", "components/__init__.py"), 0, -1)


def test_after_last_write_and_errors() -> None:
    verify = CallPattern(tool="typecheck", path="a.py", path_match="exact", after_last_write=True)
    call = CallInfo(name="typecheck", arguments={"path": "a.py"})
    assert match_pattern(verify, call, 5, 3)
    assert not match_pattern(verify, call, 2, 3)
    failed = CallInfo(name="typecheck", arguments={"path": "a.py"}, error="boom")
    assert not match_pattern(verify, failed, 5, 3)


def test_command_patterns() -> None:
    grep = CallPattern(tool="run_command", command=["grep", "rg"], args_contain=["register"])
    assert match_pattern(
        grep,
        CallInfo(
            name="run_command", arguments={"command": "grep", "args": ["-rn", "register_", "."]}
        ),
        0,
        -1,
    )
    assert not match_pattern(
        grep, CallInfo(name="run_command", arguments={"command": "ls", "args": ["register"]}), 0, -1
    )
    assert not match_pattern(
        grep,
        CallInfo(name="run_command", arguments={"command": "grep", "args": ["-rn", "Settings"]}),
        0,
        -1,
    )


def test_suppressions_added_by_the_model_are_found() -> None:
    before = "import os  # noqa: F401\nx = 1\n"
    assert find_suppressions(before, before) == []
    after = (
        "import os  # noqa: F401\nimport sys  # noqa\nx: int = 'a'  # type: ignore[assignment]\n"
        "# ruff: noqa\nif x:  # pragma: no cover\n    pass\n"
        "@pytest.mark.skip\ndef test_a(): ...\n@pytest.mark.xfail(strict=False)\ndef test_b(): ...\n"
        "pytest.skip(allow_module_level=True)\n"
    )
    found = find_suppressions(before, after)
    assert len(found) == 7, found
    assert "# type: ignore" in found and "# ruff: noqa" in found and "pytest.mark.xfail" in found


def test_normalize_path() -> None:
    assert normalize_path("./src//punie/") == "src/punie"
    assert normalize_path("") == "."
    assert normalize_path(3) is None
