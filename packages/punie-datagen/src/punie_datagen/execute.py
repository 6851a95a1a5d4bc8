"""Run a spec's code turns in the real sandbox on a fresh copy of its workspace, with caches.

A turn's code may depend on what the earlier turns printed (a step is either code or a function
of the records so far), the way a model reads a tool's output before writing the next call.

Two content-addressed caches make rebuilds cheap without changing what is recorded:

- turns: the key of turn k hashes the workspace files, the code of turns 0..k and the versions
  of every tool, so a cached record is exactly what a fresh run of that conversation gives;
- tools: `typecheck`, `ruff_check` and `pytest_run` results keyed by the tool, its path
  argument, the versions and a digest of every file in the workspace at the moment of the call.
  The same tool on the same files gives the same result (`verify` re-runs everything without
  either cache and compares), so a cold build runs each distinct check once.

Every run, the build's and verify's, uses `backend(root)`: pytest loads no plugin but
pytest-json-report (`LocalBackend(pytest_plugin_autoload=False)`). The projects' tests use
none, and skipping the environment's other plugins (anyio, pytest-metadata) halves the CPU
time of each pytest run, the build's largest cost; a test in the package checks that every
project's tests report the same with and without them.

The build runs its specs with two more speed-ups that `verify` does not use, so that verify's
re-run of every example proves they change no record: `build_sandbox()` type-checks scripts
warm (`Sandbox(warm_type_check=True)`), and each build thread runs in one workspace folder of
its own inside one `confine.session(pytest_zygote=True)` (`build._in_threads`), where pytest
runs are forks of an interpreter that has pytest imported already. Two threads that need the
same tool result at once compute it once (`_ToolCache.claim`).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from punie_tools.backends import LocalBackend
from punie_tools.models import ExecutionRecord, RuffResult, TestResult, TypeCheckResult
from punie_tools.sandbox import Sandbox, run_code

__all__ = [
    "CachingBackend",
    "ExecutionCache",
    "Step",
    "StepError",
    "ToolUnavailable",
    "backend",
    "materialize",
    "run_spec",
    "run_steps",
    "tool_versions",
]

Step = str | Callable[[list[ExecutionRecord]], str]
_SKIP = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})


class StepError(ValueError):
    """A step could not write its code from what the earlier turns printed (the spec is dropped)."""


class ToolUnavailable(RuntimeError):
    """A typed tool could not run at all (`tool_error`): the build stops; nothing is cached."""


def _check_tools(record: ExecutionRecord) -> None:
    """A typed tool that reports `tool_error` stops the spec: ToolUnavailable when the tool
    could not run at all here (no sandbox, no interpreter: the build stops), else StepError
    (the code asked for something the workspace does not have: the spec is dropped)."""
    for call in record.calls:
        error = call.result.get("tool_error") if isinstance(call.result, dict) else None
        if error:
            if " was not run" in error or "interpreter" in error:
                raise ToolUnavailable(f"{call.name} could not run: {error}")
            raise StepError(f"{call.name} reported a tool error: {error}")


PYTEST_PLUGINS = "pytest-json-report only"
"""Which pytest plugins every run loads (part of the tool versions, so of every cache key)."""


def backend(root: Path) -> LocalBackend:
    """The backend of every datagen run in `root`: pytest without its plugin autoload."""
    return LocalBackend(root, pytest_plugin_autoload=False)


_BUILD_SANDBOX: Sandbox | None = None
_BUILD_SANDBOX_LOCK = threading.Lock()


def build_sandbox() -> Sandbox:
    """The build's sandbox: `Sandbox(warm_type_check=True)`, so a script that passes its type
    check skips the fresh check (about 40 ms of the 3,900 scripts' runs); `run_steps` (verify)
    runs without it and compares, so every record is proven the same as a fresh check's."""
    global _BUILD_SANDBOX
    with _BUILD_SANDBOX_LOCK:
        if _BUILD_SANDBOX is None:
            # os_session=False: each build thread's own long-lived `confine.session` serves
            # the runs' tool calls (see build._in_threads), not one session per run.
            _BUILD_SANDBOX = Sandbox(warm_type_check=True, os_session=False)
            atexit.register(_BUILD_SANDBOX.close)
        return _BUILD_SANDBOX


def tool_versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0], "pytest-plugins": PYTEST_PLUGINS}
    for name in ("punie-tools", "ruff", "ty", "pytest", "pydantic-monty"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def materialize(files: dict[str, str], root: Path) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            h.update(str(path.relative_to(root)).encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


_DONE = threading.Event()
_DONE.set()


class _ToolCache:
    """Typed tool results by (tool, path, versions, workspace digest): memory, then disk."""

    def __init__(self, directory: Path | None, versions: dict[str, str]) -> None:
        self.directory = directory
        self.versions = json.dumps(versions, sort_keys=True)
        self.memory: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.running: dict[str, threading.Event] = {}
        """Keys a thread is computing now: another thread that needs one waits for it."""
        self.hits = 0
        self.runs = 0

    def key(self, tool: str, path: str, root: Path) -> str:
        blob = f"{tool}\0{path}\0{self.versions}\0{_tree_digest(root)}"
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            if key in self.memory:
                self.hits += 1
                return self.memory[key]
        if self.directory is not None:
            try:
                value = json.loads((self.directory / key[:2] / f"{key}.json").read_text())
            except (OSError, ValueError):
                return None
            with self.lock:
                self.memory[key] = value
                self.hits += 1
            return value
        return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self.lock:
            self.memory[key] = value
            self.runs += 1
        if self.directory is not None:
            _write_json(self.directory / key[:2] / f"{key}.json", value)

    def claim(self, key: str) -> threading.Event | None:
        """None: the caller computes `key` now (and must `release` it); else the event of
        the thread computing it, to wait for before looking again. The build's threads often
        reach the same workspace state at the same moment (sibling specs of one project):
        without this, each ran the same tool on it (measured: 181 of 551 pytest runs)."""
        with self.lock:
            if key in self.memory:  # put since the caller looked: look again
                return _DONE
            running = self.running.get(key)
            if running is None:
                self.running[key] = threading.Event()
            return running

    def release(self, key: str) -> None:
        with self.lock:
            self.running.pop(key).set()


class CachingBackend:
    """A LocalBackend whose typed tools answer from `_ToolCache` when the files are unchanged."""

    def __init__(self, inner: LocalBackend, cache: _ToolCache) -> None:
        self.inner = inner
        self.cache = cache

    def read_file(self, path: str) -> str:
        return self.inner.read_file(path)

    def write_file(self, path: str, content: str) -> str:
        return self.inner.write_file(path, content)

    def run_command(
        self, command: str, args: list[str] | None = None, cwd: str | None = None
    ) -> str:
        return self.inner.run_command(command, args, cwd)

    def _typed(
        self, tool: str, path: str, model: type[BaseModel], run: Callable[[str], Any]
    ) -> Any:
        key = self.cache.key(tool, path, self.inner.workspace)
        while True:
            cached = self.cache.get(key)
            if cached is not None:
                return model.model_validate(cached)
            running = self.cache.claim(key)
            if running is None:
                break
            running.wait()  # then look again: a failed run was not remembered
        try:
            result = run(path)
            if getattr(result, "tool_error", None) is None:  # a failed run is never remembered
                self.cache.put(key, result.model_dump(mode="json"))
        finally:
            self.cache.release(key)
        return result

    def typecheck(self, path: str) -> TypeCheckResult:
        return self._typed("typecheck", path, TypeCheckResult, self.inner.typecheck)

    def ruff_check(self, path: str) -> RuffResult:
        return self._typed("ruff_check", path, RuffResult, self.inner.ruff_check)

    def pytest_run(self, path: str) -> TestResult:
        return self._typed("pytest_run", path, TestResult, self.inner.pytest_run)


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        json.dump(value, handle)
    os.replace(tmp, path)


class ExecutionCache:
    """Records per turn, keyed by the chain (files, code of every turn so far, versions)."""

    def __init__(self, directory: Path | None, versions: dict[str, str]) -> None:
        self.directory = directory
        self.versions = versions
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.tools = _ToolCache(directory / "tools" if directory else None, versions)

    def base(self, files: dict[str, str]) -> str:
        blob = json.dumps({"files": files, "versions": self.versions}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    @staticmethod
    def chain(key: str, code: str) -> str:
        return hashlib.sha256(f"{key}\0{code}".encode()).hexdigest()

    def get(self, key: str) -> ExecutionRecord | None:
        if self.directory is None:
            return None
        try:
            raw = json.loads((self.directory / "turns" / key[:2] / f"{key}.json").read_text())
            return ExecutionRecord.model_validate(raw)
        except (OSError, ValueError):
            return None

    def put(self, key: str, record: ExecutionRecord) -> None:
        if self.directory is not None:
            _write_json(
                self.directory / "turns" / key[:2] / f"{key}.json", record.model_dump(mode="json")
            )


def _code(step: Step, records: list[ExecutionRecord]) -> str:
    if isinstance(step, str):
        return step
    return step(records)


def run_spec(
    files: dict[str, str],
    steps: list[Step],
    cache: ExecutionCache,
    reset: Callable[[], None] | None = None,
    workspace: Path | None = None,
) -> tuple[list[str], list[ExecutionRecord]]:
    """(code, record) of every turn, from the cache when the whole chain is there, else run.

    `reset` puts the steps' own state (their random choices) back before a fresh run, so the
    code written on the second pass is the code the first pass would have written.
    `workspace`: an existing folder to run in (emptied first, left as the run leaves it), so
    that a build thread's sandboxes, which are per workspace folder, serve all its specs;
    default a new temporary folder. Raises StepError when a step cannot write its code from
    the earlier records.
    """
    key = cache.base(files)
    codes: list[str] = []
    records: list[ExecutionRecord] = []
    for step in steps:
        code = _code(step, records)
        key = cache.chain(key, code)
        record = cache.get(key)
        if record is None:
            break
        codes.append(code)
        records.append(record)
    else:
        return codes, records
    if reset is not None:
        reset()
    key = cache.base(files)
    codes, records = [], []
    with contextlib.ExitStack() as stack:
        if workspace is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="punie-datagen-")))
        else:
            root = workspace
            empty(root)
        materialize(files, root)
        tools = CachingBackend(backend(root), cache.tools)
        for step in steps:
            code = _code(step, records)
            record = build_sandbox().run(code, tools)
            _check_tools(record)
            key = cache.chain(key, code)
            cache.put(key, record)
            codes.append(code)
            records.append(record)
    return codes, records


def empty(root: Path) -> None:
    """Remove everything in `root`, never following a link; `root` itself stays (the build
    thread's sandboxes are bound to it)."""
    for entry in os.scandir(root):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def run_steps(files: dict[str, str], steps: list[str]) -> list[dict[str, Any]]:
    """Materialise the workspace once and run each turn's code in order, uncached (verify)."""
    with tempfile.TemporaryDirectory(prefix="punie-datagen-") as tmp:
        root = Path(tmp)
        materialize(files, root)
        tools = backend(root)
        return [run_code(code, root, backend=tools).model_dump(mode="json") for code in steps]
