"""How the build spreads its specs over threads: in order, one workspace folder and one
long-lived confined session (pytest forked from a zygote) per thread, the first error raised,
and a tool result computed once when two threads need it at the same moment. That the
records equal a fresh run's is the shared build's verify of every example (test_build.py)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from punie_datagen import build as build_module
from punie_datagen.execute import CachingBackend, _ToolCache, backend, empty
from punie_tools import confine
from punie_tools.models import TypeCheckResult


def test_chunks_come_back_in_order_each_thread_in_one_workspace_and_zygote_session() -> None:
    seen: list[tuple[int, Path, bool]] = []
    lock = threading.Lock()

    def work(chunk: list, workspace: Path) -> list:
        current = confine.current_session()
        assert workspace.is_dir() and not any(workspace.iterdir())
        with lock:
            seen.append((threading.get_ident(), workspace, bool(
                current is not None and current.pytest_zygote)))  # fmt: skip
        time.sleep(0.01)
        return [f"done {item}" for item in chunk]

    chunks = [[f"s{i}a", f"s{i}b"] for i in range(12)]
    results = build_module._in_threads(work, chunks, workers=2)  # type: ignore[arg-type]
    assert results == [[f"done s{i}a", f"done s{i}b"] for i in range(12)]
    assert all(zygote for _, _, zygote in seen), "a thread ran outside its zygote session"
    by_thread: dict[int, set[Path]] = {}
    for ident, workspace, _ in seen:
        by_thread.setdefault(ident, set()).add(workspace)
    assert all(len(folders) == 1 for folders in by_thread.values()), by_thread
    assert not any(folder.exists() for folders in by_thread.values() for folder in folders)


def test_the_first_error_of_a_thread_is_raised_and_stops_the_others() -> None:
    ran: list[int] = []

    def work(chunk: list, workspace: Path) -> list:
        ran.append(chunk[0])
        if chunk[0] == 3:
            raise RuntimeError("chunk 3 broke")
        time.sleep(0.02)
        return chunk

    with pytest.raises(RuntimeError, match="chunk 3 broke"):
        build_module._in_threads(work, [[i] for i in range(40)], workers=2)  # type: ignore[arg-type]
    assert len(ran) < 40, "the other thread went on after the error"


def test_empty_removes_everything_but_follows_no_link(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "outside"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "sub" / "m.py").write_text("x = 1\n")
    (root / "top.py").write_text("y = 2\n")
    outside.mkdir()
    (outside / "keep.txt").write_text("keep\n")
    os.symlink(outside, root / "link")
    os.symlink(outside / "keep.txt", root / "file_link")
    inode = root.stat().st_ino
    empty(root)
    assert list(root.iterdir()) == []
    assert root.stat().st_ino == inode, (
        "the folder itself must stay (its sandboxes are bound to it)"
    )
    assert (outside / "keep.txt").read_text() == "keep\n"


def _both_at_once(
    root: Path, cache: _ToolCache, run: Callable[[str], TypeCheckResult]
) -> list[TypeCheckResult]:
    """Two threads ask for `typecheck("a.py")` in `root` at the same moment; their results."""
    (root / "a.py").write_text("x = 1\n")
    started = threading.Barrier(2)
    found: list[TypeCheckResult] = []

    def ask() -> None:
        tools = CachingBackend(backend(root), cache)
        started.wait()
        found.append(tools._typed("typecheck", "a.py", TypeCheckResult, run))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_two_threads_needing_one_tool_result_run_the_tool_once(tmp_path: Path) -> None:
    cache = _ToolCache(None, {"tool": "1"})
    runs: list[str] = []

    def slow_check(path: str) -> TypeCheckResult:
        runs.append(path)
        time.sleep(0.3)
        return TypeCheckResult(success=True, error_count=0, warning_count=0, errors=[])

    results = _both_at_once(tmp_path, cache, slow_check)
    assert runs == ["a.py"], "both threads ran the tool"
    assert len(results) == 2 and results[0] == results[1]
    assert cache.running == {}


def test_a_failed_run_is_not_remembered_and_the_waiting_thread_runs_its_own(tmp_path: Path) -> None:
    cache = _ToolCache(None, {"tool": "1"})
    runs: list[int] = []

    def flaky(path: str) -> TypeCheckResult:
        runs.append(1)
        time.sleep(0.2)
        if len(runs) == 1:
            return TypeCheckResult(
                success=False, error_count=0, warning_count=0, tool_error="ty timed out"
            )
        return TypeCheckResult(success=True, error_count=0, warning_count=0)

    found = _both_at_once(tmp_path, cache, flaky)
    assert len(runs) == 2
    assert sorted(r.tool_error or "" for r in found) == ["", "ty timed out"]
