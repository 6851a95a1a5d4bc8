"""Helpers shared by the parsers: input limits, path relativising and short error descriptions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "MAX_INPUT_CHARS",
    "as_text",
    "describe_decode_error",
    "relative_path",
    "relativizer",
]

# Far above what any real run prints; beyond it we refuse rather than risk memory blow-ups.
MAX_INPUT_CHARS = 256 * 1024 * 1024


def as_text(data: str | bytes | bytearray | memoryview) -> str:
    """Tool output as text; undecodable bytes are replaced, never an error."""
    if isinstance(data, str):
        return data
    return bytes(data).decode("utf-8", errors="replace")


def describe_decode_error(tool: str, exc: BaseException, text: str) -> str:
    """One plain sentence saying why `tool`'s output could not be read."""
    if not text.strip():
        return f"{tool} printed no output"
    reason = str(exc).strip() or type(exc).__name__
    if len(reason) > 300:
        reason = reason[:300] + "…"
    return f"could not read {tool}'s output ({type(exc).__name__}): {reason}"


def relative_path(path: str, cwd: str | os.PathLike[str] | None) -> str:
    """`path` relative to `cwd` when it lies inside it; other paths are returned unchanged."""
    return relativizer(cwd)(path)


def relativizer(cwd: str | os.PathLike[str] | None) -> Callable[[str], str]:
    """A function making absolute paths inside `cwd` (default: the current directory) relative.

    Built once per parse so that thousands of diagnostics cost a string comparison each.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    bases = [os.path.abspath(base)]
    # A symlink loop: OSError from Python 3.13 on, RuntimeError before; keep the plain path.
    with contextlib.suppress(OSError, RuntimeError):
        resolved = str(base.resolve())
        if resolved not in bases:
            bases.append(resolved)
    prefixes = [b.rstrip(os.sep) + os.sep for b in bases]

    seen: dict[str, str] = {}  # a file's diagnostics come together: convert each path once

    def convert(path: str) -> str:
        if not path or not os.path.isabs(path):
            return path
        done = seen.get(path)
        if done is not None:
            return done
        done = path
        for prefix in prefixes:
            if path.startswith(prefix):
                done = Path(path[len(prefix) :]).as_posix()
                break
        if len(seen) < 4096:
            seen[path] = done
        return done

    return convert
