"""Run model-written Python in a pydantic-monty sandbox with the six tools as external functions.

The code is type-checked against `STUBS` first (a misspelt field or a wrong argument is rejected
before anything runs), then executed with resource limits. Typed tool results reach the code as
objects with attributes (`r.errors[0].line`). Nothing the model code does makes `run_code` raise:
the outcome, the printed output and every tool call are in the returned `ExecutionRecord`.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import inspect
import math
import os
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec
import pydantic_monty
from pydantic import BaseModel, ConfigDict, Field
from pydantic_monty import (
    ClassInstance,
    CollectString,
    Monty,
    MontyCrashedError,
    MontyError,
    MontyRuntimeError,
    MontySyntaxError,
    MontyTypingError,
)

from punie_tools import confine
from punie_tools._subprocess import run_deadline, time_left
from punie_tools.backends import TOOL_NAMES, LocalBackend, ToolBackend
from punie_tools.models import ExecutionError, ExecutionRecord, ToolCallRecord
from punie_tools.stubs import STUBS, sandbox_fields, with_suggestions

__all__ = [
    "Sandbox",
    "SandboxLimits",
    "WriteLimitError",
    "cap_text",
    "json_safe",
    "run_code",
    "to_sandbox_value",
]

_SCRIPT = "main.py"


class SandboxLimits(BaseModel):
    """Resource limits for one run.

    `timeout` is sandbox time (tool calls excluded); `deadline` is one wall-clock limit for the
    whole run that tool time counts against: each tool call gets at most what is left of it.
    """

    model_config = ConfigDict(frozen=True)

    timeout: float = Field(10.0, gt=0, description="seconds of sandbox execution")
    max_memory: int = Field(256 * 1024 * 1024, gt=0, description="sandbox heap, bytes")
    max_recursion_depth: int = Field(200, gt=0)
    max_output: int = Field(1_000_000, gt=0, description="bytes of printed output")
    max_calls: int = Field(50, gt=0, description="tool calls per run")
    tool_timeout: float = Field(60.0, gt=0, description="per tool call (default LocalBackend)")
    deadline: float = Field(
        300.0, gt=0, description="wall-clock seconds for the whole run, tool calls included"
    )
    max_write_bytes: int = Field(
        20_000_000, gt=0, description="bytes write_file may write in one run, all calls"
    )
    max_message_chars: int = Field(
        10_000, gt=0, description="characters kept of an error message in the record"
    )
    max_argument_chars: int = Field(
        10_000, gt=0, description="characters of a recorded argument; longer: size + sha256"
    )
    max_recorded_chars: int = Field(
        1_000_000,
        gt=0,
        description=(
            "characters of tool results kept in the record per run, all calls; past it a text "
            "result is kept as its size + sha256 and a typed one without its lists"
        ),
    )

    def monty(self) -> pydantic_monty.ResourceLimits:
        """These limits in pydantic-monty's form."""
        return {
            "max_feed_duration_secs": min(self.timeout, self.deadline),
            "max_memory": self.max_memory,
            "max_recursion_depth": self.max_recursion_depth,
            "max_suspensions": max(1000, 4 * self.max_calls + 100),
            "max_total_sleep_secs": self.timeout,
        }

    def os_policy(self) -> pydantic_monty.OSPolicy:
        """Sleeps are real but their total may not exceed the time limit (see `monty()`)."""
        return {"sleep": "system", "sleep_system_max": float("inf")}


@dataclass
class _SandboxObject(ClassInstance):
    """A result model sent into the sandbox: its visible fields cross as attributes, recursively."""

    def convert_value(self, /, name: str, value: Any) -> Any:
        return to_sandbox_value(value)


def to_sandbox_value(value: Any) -> Any:
    """Make a host value crossable: pydantic models become attribute objects, lists recurse."""
    if isinstance(value, BaseModel):
        return _SandboxObject(value, eager_attrs=tuple(sandbox_fields(type(value))))
    if isinstance(value, list | tuple):
        return [to_sandbox_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_sandbox_value(v) for k, v in value.items()}
    return value


def _record_value(value: Any) -> Any:
    """A tool result as stored in the record: text as is, models as JSON-ready dicts."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json_safe(value, 1 << 62)


def _recorded_size(value: Any) -> int:
    """Characters `value` takes in the record's JSON (about: strings by their length)."""
    if isinstance(value, str):
        return len(value)
    try:
        return len(msgspec.json.encode(value))
    except (TypeError, ValueError, OverflowError):
        return len(repr(value))


def _shrunk(value: Any, size: int) -> Any:
    """A result past the run's record budget: text as its size + sha256, a typed result with
    its scalar fields (success, counts, tool_error) and its lists replaced by a note."""
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if not isinstance(v, list | dict)}
        kept["omitted"] = f"<{size} characters of results: over the run's record budget>"
        return kept
    return json_safe(value if isinstance(value, str) else repr(value), 0)


def cap_text(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with a marker saying how much was dropped."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [{len(text) - limit} more characters]"


_MAX_ITEMS = 1000


def json_safe(value: Any, limit: int) -> Any:
    """`value` as a JSON value: strings longer than `limit` become their size and sha256, lists
    and dicts are capped at 1000 items, anything else that is not JSON becomes its `repr`."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 1 << 63 else f"<int of {value.bit_length()} bits>"
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return f"<{len(value)} characters, sha256 {digest}>"
    if isinstance(value, list | tuple):
        items = [json_safe(v, limit) for v in value[:_MAX_ITEMS]]
        if len(value) > _MAX_ITEMS:
            items.append(f"<{len(value) - _MAX_ITEMS} more items>")
        return items
    if isinstance(value, dict):
        out = {
            (k if isinstance(k, str) else cap_text(repr(k), 200)): json_safe(v, limit)
            for k, v in list(value.items())[:_MAX_ITEMS]
        }
        if len(value) > _MAX_ITEMS:
            out["<more>"] = f"<{len(value) - _MAX_ITEMS} more items>"
        return out
    try:
        text = repr(value)
    except Exception as exc:  # a repr that raises must not lose the record
        text = f"<{type(value).__name__}: repr failed ({type(exc).__name__})>"
    return cap_text(text, min(limit, 1000))


_SIGNATURES = {name: inspect.signature(getattr(ToolBackend, name)) for name in TOOL_NAMES}


class _CallLimitError(RuntimeError):
    pass


class WriteLimitError(PermissionError):
    """write_file would pass the run's cap on bytes written."""


def _tool_functions(
    backend: ToolBackend, calls: list[ToolCallRecord], limits: SandboxLimits
) -> dict[str, Callable[..., Any]]:
    """The external functions for one run: each calls `backend` and appends a ToolCallRecord."""
    max_calls = limits.max_calls
    written = [0]
    recorded = [0]

    def make(name: str) -> Callable[..., Any]:
        signature = _SIGNATURES[name]
        method = getattr(backend, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if len(calls) >= max_calls:
                raise _CallLimitError(f"tool call limit reached: at most {max_calls} calls per run")
            try:
                bound = signature.bind(None, *args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{name}(): {exc}") from None
            arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
            record = ToolCallRecord(
                name=name, arguments=json_safe(arguments, limits.max_argument_chars)
            )
            calls.append(record)
            start = time.perf_counter()
            try:
                if time_left(1.0)[0] <= 0:
                    raise TimeoutError(f"the run's time limit of {limits.deadline:g} s was reached")
                content = arguments.get("content")
                if name == "write_file" and isinstance(content, str):
                    size = len(content.encode("utf-8", "surrogatepass"))
                    if written[0] + size > limits.max_write_bytes:
                        raise WriteLimitError(
                            f"write limit reached: at most {limits.max_write_bytes} bytes may "
                            "be written per run"
                        )
                    written[0] += size
                result = method(**arguments)
            except Exception as exc:
                record.error = cap_text(f"{type(exc).__name__}: {exc}", limits.max_message_chars)
                raise
            finally:
                record.duration = time.perf_counter() - start
            value = _record_value(result)
            size = _recorded_size(value)
            recorded[0] += size
            record.result = (
                _shrunk(value, size) if recorded[0] > limits.max_recorded_chars else value
            )
            return to_sandbox_value(result)

        call.__name__ = name
        return call

    return {name: make(name) for name in TOOL_NAMES}


def _typing_error(exc: MontyTypingError) -> ExecutionError:
    text = exc.display()
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip() and not ln.startswith("info:")]
    message = "\n".join(lines) or str(exc)
    line: int | None = None
    prefix = f"{_SCRIPT}:"
    for ln in lines:
        if ln.startswith(prefix):
            with_line = ln[len(prefix) :].split(":", 1)[0]
            if with_line.isdigit():
                line = int(with_line)
                break
    kind = "syntax" if "error[invalid-syntax]" in message else "type"
    return ExecutionError(kind=kind, message=message, line=line)


ErrorKind = Literal[
    "syntax", "type", "runtime", "timeout", "memory", "output", "recursion", "crash", "refused"
]

_KINDS: dict[str, ErrorKind] = {
    "TimeoutError": "timeout",
    "MemoryError": "memory",
    "RecursionError": "recursion",
    "PermissionError": "refused",
}


def _runtime_error(
    exc: MontyRuntimeError | MontySyntaxError, limits: SandboxLimits
) -> ExecutionError:
    frames = exc.traceback()
    line = frames[-1].line if frames else None
    inner = exc.exception()
    name = type(inner).__name__
    message = exc.display("type-msg")
    if isinstance(exc, MontySyntaxError):
        return ExecutionError(kind="syntax", message=message, line=line)
    kind: ErrorKind = _KINDS.get(name, "runtime")
    # Monty's limit messages carry measured amounts (elapsed time, bytes); keep them stable.
    if name == "MemoryError" and f"> {limits.max_output} bytes" in message:
        kind = "output"  # Monty raises MemoryError; the model should print less, not use less
        message = f"printed output exceeded the limit of {limits.max_output} bytes; print less"
    elif name == "MemoryError" and "memory limit exceeded" in message:
        message = f"MemoryError: the code used more than the {limits.max_memory}-byte memory limit"
    elif name == "TimeoutError" and "limit exceeded" in message:
        message = f"TimeoutError: the code ran longer than the {limits.timeout:g} s time limit"
    elif name == "RuntimeError" and "suspension" in message.lower():
        message = f"RuntimeError: tool call limit reached: at most {limits.max_calls} calls per run"
    return ExecutionError(kind=kind, message=message, line=line)


def _capped(error: ExecutionError | None, limits: SandboxLimits) -> ExecutionError | None:
    if error is None or len(error.message) <= limits.max_message_chars:
        return error
    return error.model_copy(update={"message": cap_text(error.message, limits.max_message_chars)})


WARM_CHECK_FEEDS = 100
"""Scripts a warm checker session checks before it is replaced: each check adds the wrapper's
definition to the session's checking context, so the session is not kept for ever."""
_WARM_NAME = "_punie_warm_check"


def _warm_wrapped(code: str) -> str:
    """`code` as the body of a function that the check defines but never calls: the session's
    globals stay as they were (one function name), so an earlier script's names cannot hide an
    unresolved one in a later script."""
    return (
        f"def {_WARM_NAME}() -> None:\n"
        + textwrap.indent(code, "    ", lambda _: True)
        + ("\n    pass\n")
    )


class _WarmChecker:
    """Type-checking sessions kept open across runs, one per concurrent run (see `Sandbox`)."""

    def __init__(self, max_processes: int) -> None:
        self._lock = threading.Lock()
        self._idle: list[tuple[Any, int]] = []  # (entered session, checks so far)
        # A run that finds every checker busy and no worker free does not wait: it is checked
        # the ordinary way.
        self._pool = Monty(min_processes=0, max_processes=max_processes, checkout_timeout=1.0)
        self._pool.__enter__()

    def passes(self, code: str) -> bool:
        """True: the wrapped script type-checks against the stubs. False: it does not, or the
        check failed in any other way; the caller then runs the script's full fresh check."""
        with self._lock:
            session, used = self._idle.pop() if self._idle else (None, 0)
        if session is None:
            try:
                session = self._pool.checkout(
                    script_name=_SCRIPT, type_check=True, type_check_stubs=STUBS,
                    type_check_format="concise",
                )  # fmt: skip
                session.__enter__()
            except (MontyError, TimeoutError):
                return False
        try:
            session.feed_run(_warm_wrapped(code), external_lookup={})
        except MontyCrashedError:
            return False  # the session died with its worker: not put back
        except MontyError:
            self._put_back(session, used + 1)
            return False
        except BaseException:
            session.__exit__(None, None, None)
            raise
        self._put_back(session, used + 1)
        return True

    def _put_back(self, session: Any, used: int) -> None:
        if used >= WARM_CHECK_FEEDS:
            session.__exit__(None, None, None)
            return
        with self._lock:
            self._idle.append((session, used))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for session, _ in idle:
            with contextlib.suppress(MontyError):
                session.__exit__(None, None, None)
        self._pool.__exit__(None, None, None)


class Sandbox:
    """A pool of Monty workers that runs code-mode scripts; reuse one for many runs.

    Thread-safe: each run checks out its own worker. Close it (or use `with`) to stop the
    workers; `run_code` uses a process-wide default instance.

    `warm_type_check=True` (off by default) saves the fresh type check of a script that passes:
    the script is first checked as the body of a function in a checking session kept open
    across runs (measured: 2.6 ms a script against 38–45 ms for a fresh session's check); if
    that passes, the script runs in a session without a check of its own, else it runs exactly
    as without the option, so a rejected script reports the same error. The check of a
    function body is the check of the script in all but what only the top level allows or
    forbids (`return`, `yield` and `await` at top level are accepted there); a batch job that
    runs many scripts (punie-datagen's build) uses it and proves the records equal by
    re-running them without it (`punie-datagen verify`).
    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        max_processes: int | None = None,
        type_check: bool = True,
        os_session: bool = True,
        session_start_after: int = 2,
        warm_type_check: bool = False,
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.type_check = type_check
        self.warm_type_check = warm_type_check
        self.os_session = os_session
        """True: the tool calls of one run share one OS sandbox per kind (`confine.session`,
        reset between calls); False: every call gets a sandbox of its own."""
        self.session_start_after = session_start_after
        """Calls of a kind in a run that get a sandbox of their own before the run's session
        starts one for that kind. Starting it costs about as much as four per-call sandboxes
        (measured: 56–134 ms to start, 16–35 ms to close, against about 20 ms saved per call),
        so with the default 2 a run with one or two calls of each kind pays nothing for it."""
        self._max_processes = max_processes
        self._lock = threading.Lock()
        self._pool: Monty | None = None
        self._checker: _WarmChecker | None = None
        self._pid = 0

    def _get_pool(self) -> Monty:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                pool = Monty(
                    min_processes=1,
                    max_processes=self._max_processes,
                    max_checkouts_per_worker=200,
                )
                pool.__enter__()
                self._pool, self._pid = pool, os.getpid()
                self._checker = None  # a forked child's copy is not its own
            return self._pool

    def _warm_checker(self) -> _WarmChecker:
        self._get_pool()
        with self._lock:
            if self._checker is None:
                self._checker = _WarmChecker(max(8, self._max_processes or 0))
            return self._checker

    def close(self) -> None:
        """Stop the workers; a later run starts new ones."""
        with self._lock:
            pool, self._pool = self._pool, None
            checker, self._checker = self._checker, None
            if self._pid == os.getpid():
                if checker is not None:
                    checker.close()
                if pool is not None:
                    pool.__exit__(None, None, None)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(
        self, code: str, backend: ToolBackend, *, limits: SandboxLimits | None = None
    ) -> ExecutionRecord:
        """Type-check and run `code` with the tools bound to `backend`; never raises for it."""
        limits = limits or self.limits
        calls: list[ToolCallRecord] = []
        output = CollectString(max_bytes=limits.max_output)
        start = time.perf_counter()
        error: ExecutionError | None = None
        try:
            pool = self._get_pool()
            checked = self.type_check and self.warm_type_check and self._warm_checker().passes(code)
            with (
                run_deadline(limits.deadline),
                # One OS sandbox for the run's tool calls, reset after each (see confine.session).
                (
                    confine.session(self.session_start_after)
                    if self.os_session
                    else contextlib.nullcontext()
                ),
                pool.checkout(
                    script_name=_SCRIPT,
                    limits=limits.monty(),
                    type_check=self.type_check and not checked,
                    type_check_stubs=STUBS,
                    type_check_format="concise",
                    os_policy=limits.os_policy(),
                ) as session,
            ):
                session.feed_run(
                    code,
                    external_lookup=_tool_functions(backend, calls, limits),
                    print_callback=output,
                )
        except MontyTypingError as exc:
            error = _typing_error(exc)
        except (MontyRuntimeError, MontySyntaxError) as exc:
            error = _runtime_error(exc, limits)
        except MontyCrashedError as exc:
            kind: ErrorKind = "timeout" if exc.timed_out else "crash"
            error = ExecutionError(kind=kind, message=f"the sandbox worker stopped: {exc}")
        except MontyError as exc:
            error = ExecutionError(kind="crash", message=f"{type(exc).__name__}: {exc}")
        error = _capped(error, limits)  # first: a huge message must not reach the hints
        if error is not None and error.kind in ("type", "runtime"):
            error.message = with_suggestions(error.message, code)
        return ExecutionRecord(
            code=code,
            stdout=output.output,
            error=error,
            calls=calls,
            duration=time.perf_counter() - start,
        )


_default: Sandbox | None = None
_default_lock = threading.Lock()


def _default_sandbox() -> Sandbox:
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default


def run_code(
    code: str,
    workspace: str | os.PathLike[str] | None,
    backend: ToolBackend | None = None,
    limits: SandboxLimits | None = None,
    *,
    unconfined: bool = False,
    pytest_python: str | os.PathLike[str] | None = None,
) -> ExecutionRecord:
    """Run model code against `workspace` (default backend: `LocalBackend(workspace)`, whose
    subprocesses run in the OS sandbox unless `unconfined=True`; `pytest_python` is the
    project's interpreter for pytest).

    Never raises for anything the code does; see `record.error` and `record.calls`.
    """
    limits = limits or SandboxLimits()
    if backend is None:
        if workspace is None:
            raise ValueError("run_code needs a workspace or a backend")
        backend = LocalBackend(
            Path(workspace), timeout=limits.tool_timeout, unconfined=unconfined,
            pytest_python=pytest_python,
        )  # fmt: skip
    return _default_sandbox().run(code, backend, limits=limits)
