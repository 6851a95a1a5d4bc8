"""The real Monty sandbox on real fixture workspaces, with the real ty, ruff and pytest."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sandbox_fixtures import materialise

from punie_tools import pytest_run, ruff_check, typecheck
from punie_tools.backends import LocalBackend
from punie_tools.models import ExecutionRecord
from punie_tools.sandbox import Sandbox, SandboxLimits, run_code
from punie_tools.wire import format_tool_output


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A private, writable copy of the `shop` workspace."""
    return materialise("shop", tmp_path / "shop")


def test_fix_loop_sees_error_count_drop(fresh_project: Callable[[str], Path]) -> None:
    ws = fresh_project("ty_project")
    code = (
        'before = typecheck("broken.py")\n'
        'print("before", before.error_count, [e.line for e in before.errors])\n'
        'src = read_file("broken.py")\n'
        "fixed = src.replace('count: int = \"three\"', 'count: int = 3')\n"
        'print(write_file("broken.py", fixed))\n'
        'after = typecheck("broken.py")\n'
        'print("after", after.error_count)\n'
        "print(after.error_count < before.error_count)\n"
    )
    record = run_code(code, ws)
    assert record.error is None, record.error
    lines = record.stdout.splitlines()
    before = int(lines[0].split()[1])
    after = int(lines[2].split()[1])
    assert after == before - 1
    assert lines[-1] == "True"
    assert "count: int = 3" in (ws / "broken.py").read_text()
    assert [c.name for c in record.calls] == ["typecheck", "read_file", "write_file", "typecheck"]
    assert record.calls[0].arguments == {"path": "broken.py"}
    assert record.calls[0].result["error_count"] == before
    assert record.calls[1].result == record.calls[2].arguments["content"].replace(
        "count: int = 3", 'count: int = "three"'
    )
    assert all(c.duration > 0 for c in record.calls)
    assert all(c.error is None for c in record.calls)


def test_field_typo_is_rejected_before_running(shop: Path) -> None:
    code = 'write_file("ran.txt", "yes")\nr = typecheck(".")\nprint(r.errors[0].lin)\n'
    record = run_code(code, shop)
    assert record.error is not None
    assert record.error.kind == "type"
    assert record.error.line == 3
    assert "has no attribute `lin`" in record.error.message
    assert record.calls == []
    assert not (shop / "ran.txt").exists()


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("typecheck(3)", "Expected `str`"),
        ('r = ruff_check(".")\nprint(r.violation)', "no attribute `violation`"),
        ('read_file("a", "b")', "read_file"),
        ('t = pytest_run("tests")\nprint(t.duration)', "no attribute `duration`"),
        ('run_command("ls", "-la")', "run_command"),
    ],
)
def test_wrong_calls_are_type_errors(shop: Path, code: str, needle: str) -> None:
    record = run_code(code, shop)
    assert record.error is not None and record.error.kind == "type", record.error
    assert needle in record.error.message
    assert record.calls == []


def test_typed_results_match_the_runners(shop: Path) -> None:
    code = (
        'r = ruff_check(".")\n'
        "for v in r.violations:\n"
        "    print(v.file, v.line, v.code, v.fixable)\n"
        'ty = typecheck("shop")\n'
        "print(ty.errors[0].file, ty.errors[0].line, ty.errors[0].code)\n"
        't = pytest_run("tests")\n'
        "print(t.passed, t.failed, len(t.failures), t.failures[0].test_id)\n"
    )
    record = run_code(code, shop)
    assert record.error is None, record.error
    lint = ruff_check(".", cwd=shop)
    types = typecheck("shop", cwd=shop)
    tests = pytest_run("tests", cwd=shop)
    expected = [f"{v.file} {v.line} {v.code} {v.fixable}" for v in lint.violations]
    expected.append(f"{types.errors[0].file} {types.errors[0].line} {types.errors[0].code}")
    expected.append(
        f"{tests.passed} {tests.failed} {len(tests.failures)} {tests.failures[0].test_id}"
    )
    assert record.stdout.splitlines() == expected
    assert record.calls[0].result == lint.model_dump(mode="json")
    assert record.calls[1].result == types.model_dump(mode="json")
    dumped = record.calls[2].result
    assert dumped["failures"] == tests.model_dump(mode="json")["failures"]
    assert "duration" in dumped  # the record keeps the full result


def test_results_can_be_compared_filtered_and_printed(shop: Path) -> None:
    code = (
        'r = ruff_check(".")\n'
        'codes = sorted({v.code for v in r.violations if v.severity == "error"})\n'
        "print(codes, r.success, r.tool_error is None)\n"
        "print(r.violations[0])\n"
    )
    record = run_code(code, shop)
    assert record.error is None, record.error
    first, second = record.stdout.splitlines()
    assert first == "['F401'] False True"
    assert second.startswith("RuffViolation(file='shop/cart.py', line=1,")


def test_runtime_error_keeps_output_and_line(shop: Path) -> None:
    record = run_code('print("start")\nx = {}\nprint(x["missing"])\n', shop)
    assert record.stdout == "start\n"
    assert record.error is not None
    assert record.error.kind == "runtime"
    assert record.error.line == 3
    assert record.error.message.startswith("KeyError:") and "missing" in record.error.message


def test_tool_error_is_recorded_and_catchable(shop: Path) -> None:
    uncaught = run_code('read_file("nope.txt")', shop)
    assert uncaught.error is not None and uncaught.error.kind == "runtime"
    assert "FileNotFoundError" in uncaught.error.message
    assert uncaught.calls[0].error is not None
    assert "no such file" in uncaught.calls[0].error
    caught = run_code(
        'try:\n    read_file("nope.txt")\nexcept Exception as e:\n    print("missing:", e)\n', shop
    )
    assert caught.error is None
    assert caught.stdout == "missing: no such file in the workspace: 'nope.txt'\n"


def test_syntax_error(shop: Path) -> None:
    record = run_code("def f(:\n    pass\n", shop)
    assert record.error is not None and record.error.kind == "syntax"
    assert record.error.line == 1
    assert record.calls == []


def test_run_command_output_and_exit_status(shop: Path) -> None:
    record = run_code(
        'print(run_command("ls", ["shop"]))\n'
        'print(run_command("grep", ["-n", "beta", "notes.txt"]))\n'
        'print(run_command("grep", ["zeta", "notes.txt"]))\n',
        shop,
    )
    assert record.error is None, record.error
    assert record.stdout == "__init__.py\ncart.py\n\n2:beta\n\n[exit status 1]\n"


def test_output_is_deterministic_across_reruns(tmp_path: Path) -> None:
    code = (
        'r = ruff_check(".")\nprint(r)\n'
        't = pytest_run("tests")\nprint(t)\n'
        'print(typecheck("shop"))\n'
        'print(write_file("shop/new.py", "x = 1\\n"))\n'
        "y = [][0]\n"
    )
    texts = []
    for i in range(2):
        ws = materialise("shop", tmp_path / f"run{i}")
        record = run_code(code, ws)
        texts.append(format_tool_output(record))
    assert texts[0] == texts[1]
    assert "Error (runtime, line 7): IndexError" in texts[0]
    assert str(tmp_path) not in texts[0]


def test_backend_without_workspace_argument(shop: Path) -> None:
    record = run_code('print(read_file("notes.txt").split()[1])', None, LocalBackend(shop))
    assert record.stdout == "beta\n"


@pytest.mark.parametrize(
    ("code", "limits", "kind", "needle"),
    [
        ("while True:\n    pass\n", SandboxLimits(timeout=0.5), "timeout", "0.5 s time limit"),
        ("x = 'a' * (10 ** 9)\n", SandboxLimits(max_memory=20_000_000), "memory", "20000000-byte"),
        ("def f(n):\n    return f(n + 1)\nf(0)\n", SandboxLimits(), "recursion", "recursion"),
        ("while True:\n    print('x' * 1000)\n", SandboxLimits(max_output=50_000, timeout=1), "output",
         "printed output exceeded the limit of 50000 bytes"),
        ("for i in range(100):\n    read_file('notes.txt')\n", SandboxLimits(max_calls=5),
         "runtime", "tool call limit reached: at most 5 calls"),
    ],
)  # fmt: skip
def test_limits(shop: Path, code: str, limits: SandboxLimits, kind: str, needle: str) -> None:
    record = run_code(code, shop, limits=limits)
    assert record.error is not None
    assert record.error.kind == kind, record.error
    assert needle in record.error.message
    assert len(record.calls) <= limits.max_calls


def test_sandbox_instance_is_reusable_and_thread_safe(shop: Path) -> None:
    backend = LocalBackend(shop)
    results: dict[int, ExecutionRecord] = {}
    with Sandbox(SandboxLimits(timeout=5), max_processes=2) as sandbox:

        def work(i: int) -> None:
            results[i] = sandbox.run(f'print({i}, read_file("notes.txt").count("a"))', backend)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        again = sandbox.run("print('again')", backend)
    assert {i: r.stdout for i, r in results.items()} == {i: f"{i} 5\n" for i in range(4)}
    assert again.stdout == "again\n"


def test_type_check_can_be_switched_off(shop: Path) -> None:
    with Sandbox(type_check=False) as sandbox:
        record = sandbox.run('r = ruff_check(".")\nprint(r.violation)', LocalBackend(shop))
    assert record.error is not None and record.error.kind == "runtime"
    assert "AttributeError" in record.error.message
    assert [c.name for c in record.calls] == ["ruff_check"]


WARM_SCRIPTS = [
    'r = ruff_check("app.py")\nprint(r.error_count, [v.code for v in r.violations])\n',
    "x = read_file(3)\nprint(x)\n",  # a wrong argument: a type error
    "defined_here = 1\nprint(defined_here)\n",
    "print(defined_here)\n",  # the name of an earlier script: unresolved in this one
    "return 5\n",  # only a function may return
    'text = """a\n\nb"""\nprint(len(text), text.count("\\n"))\n',  # indentation must not matter
    "r = typecheck('app.py')\nprint(r.succes)\n",  # a misspelt field
    "def helper(n: int) -> int:\n    return n * 2\nprint(helper(21))\n",
    "print(1 +)\n",  # a syntax error
]


def test_a_warm_type_check_reports_exactly_what_a_fresh_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from punie_tools import sandbox as sandbox_module

    (tmp_path / "app.py").write_text("import os\n\nx: int = 1\n")
    backend = LocalBackend(tmp_path)
    verdicts: list[bool] = []
    passes = sandbox_module._WarmChecker.passes

    def spy(self: object, code: str) -> bool:
        verdicts.append(passes(self, code))  # type: ignore[arg-type]
        return verdicts[-1]

    monkeypatch.setattr(sandbox_module._WarmChecker, "passes", spy)

    def outcomes(sandbox: Sandbox) -> list[tuple[str, str | None, str | None, list[str]]]:
        with sandbox:
            records = [sandbox.run(code, backend) for code in WARM_SCRIPTS]
        return [
            (r.stdout, r.error and r.error.kind, r.error and r.error.message,
             [c.name for c in r.calls])
            for r in records
        ]  # fmt: skip

    fresh = outcomes(Sandbox())
    assert verdicts == [], "a sandbox without the option used the warm checker"
    warm = outcomes(Sandbox(warm_type_check=True))
    assert warm == fresh
    kinds = [kind for _, kind, _, _ in fresh]
    assert kinds == [None, "type", None, "type", "syntax", None, "type", None, "syntax"], kinds
    # The warm check passed exactly the scripts that run, so each of them skipped its fresh
    # check; the rest ran as without the option.
    assert verdicts == [kind is None for kind in kinds]


def test_warm_checker_sessions_are_replaced_after_their_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from punie_tools import sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module, "WARM_CHECK_FEEDS", 3)
    backend = LocalBackend(tmp_path)
    with Sandbox(warm_type_check=True) as sandbox:
        for n in range(7):
            record = sandbox.run(f"value = {n}\nprint(value * 2)\n", backend)
            assert record.error is None and record.stdout == f"{n * 2}\n"
        checker = sandbox._checker
        assert checker is not None
        assert [used for _, used in checker._idle] == [1], "7 checks: two sessions of 3, then 1"
