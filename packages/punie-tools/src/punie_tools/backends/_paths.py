"""Workspace confinement and the `run_command` policy shared by every backend.

Paths from model code are workspace-relative POSIX strings. Anything absolute, anything with a
`..` component, and anything whose real path (after symlinks) leaves the workspace is refused
with `WorkspaceEscapeError`. Messages never contain host paths, so they are safe to show the
model and stable across machines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from punie_tools._commands import (
    COMMANDS,
    GIT_SUBCOMMANDS,
    SUBCOMMANDS,
    CommandSpec,
    OptionError,
    parse,
    parse_find,
)
from punie_tools._commands import PYTHON_MODULES as _PYTHON_MODULE_SPECS

__all__ = [
    "DEFAULT_ALLOWED_COMMANDS",
    "GIT_READ_ONLY_SUBCOMMANDS",
    "PYTHON_MODULES",
    "CommandNotAllowedError",
    "WorkspaceEscapeError",
    "check_command",
    "relative_path",
    "resolve_in_workspace",
    "write_confirmation",
]


class WorkspaceEscapeError(PermissionError):
    """A path (or command argument) would reach outside the workspace."""


class CommandNotAllowedError(PermissionError):
    """A command, subcommand or option that `run_command` does not allow."""


DEFAULT_ALLOWED_COMMANDS: frozenset[str] = frozenset(
    {"ls", "cat", "head", "tail", "grep", "find", "wc", "sort", "diff", "git", "python",
     "ruff", "ty", "pytest"}
)  # fmt: skip
"""Read-only inspection commands plus the Python tooling, each with an option allow-list."""

GIT_READ_ONLY_SUBCOMMANDS: frozenset[str] = frozenset(GIT_SUBCOMMANDS)
"""The git subcommands `run_command("git", ...)` accepts: none of them changes the repository."""

PYTHON_MODULES: frozenset[str] = frozenset(_PYTHON_MODULE_SPECS)
"""Modules allowed in `run_command("python", ["-m", MODULE, ...])`; no `-c`, no scripts."""


def resolve_in_workspace(root: Path, path: str, *, what: str = "path") -> Path:
    """The host path of workspace-relative `path` under `root` (a resolved directory).

    Raises `WorkspaceEscapeError` for absolute paths, `..` components and symlinks that leave
    the workspace, `TypeError` for a non-string and `ValueError` for a NUL byte.
    """
    if not isinstance(path, str):
        raise TypeError(f"{what} must be a str, not {type(path).__name__}")
    if "\x00" in path:
        raise ValueError(f"{what} {path!r} contains a NUL byte")
    pure = PurePosixPath(path or ".")
    if pure.is_absolute() or path.startswith("~"):
        raise WorkspaceEscapeError(
            f"{what} {path!r} is absolute; use a path relative to the workspace root"
        )
    if ".." in pure.parts:
        raise WorkspaceEscapeError(
            f"{what} {path!r} contains '..'; paths must stay inside the workspace"
        )
    full = root.joinpath(*pure.parts)
    real = Path(os.path.realpath(full))
    if real != root and not real.is_relative_to(root):
        raise WorkspaceEscapeError(
            f"{what} {path!r} resolves through a symlink to a location outside the workspace"
        )
    return real


def relative_path(path: str) -> str:
    """`path` normalised for the runners: POSIX, no `.` components, `.` for the root."""
    parts = [p for p in PurePosixPath(path or ".").parts if p != "."]
    return "/".join(parts) or "."


def _check_arg(root: Path, cwd: Path, arg: str) -> None:
    """Refuse an argument that names (or could name) a path outside the workspace."""
    value = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
    if not value or value.startswith("-"):
        return
    pure = PurePosixPath(value)
    if pure.is_absolute() or value.startswith("~"):
        raise WorkspaceEscapeError(
            f"argument {arg!r} is an absolute path; use paths relative to the workspace"
        )
    if ".." in pure.parts:
        raise WorkspaceEscapeError(f"argument {arg!r} contains '..'; stay inside the workspace")
    candidate = cwd.joinpath(*pure.parts)
    if os.path.lexists(candidate):
        real = Path(os.path.realpath(candidate))
        if real != root and not real.is_relative_to(root):
            raise WorkspaceEscapeError(
                f"argument {arg!r} resolves through a symlink to a location outside the workspace"
            )


def _not_allowed(exc: OptionError) -> CommandNotAllowedError:
    return CommandNotAllowedError(str(exc))


def _with_subcommand(program: str, args: Sequence[str]) -> list[str]:
    """Check `program SUBCOMMAND ARGS...` against the subcommand's allow-list; its paths."""
    table = SUBCOMMANDS[program]
    sub = args[0] if args else ""
    if sub not in table:
        names = ", ".join(sorted(table))
        qualifier = "read-only " if program == "git" else ""
        raise CommandNotAllowedError(
            f"{program} {sub or '(no subcommand)'!s} is not allowed; {program} must start with "
            f"one of the {qualifier}subcommands: {names}"
        )
    return parse(f"{program} {sub}", table[sub], args[1:]).paths


def command_paths(command: str, args: Sequence[str]) -> list[str] | None:
    """The arguments of an allowed call that name files (to confine), or None when `command`
    has no allow-list (a custom command: then every argument is treated as a possible path).

    Raises `CommandNotAllowedError` for a refused subcommand or option.
    """
    try:
        if command in SUBCOMMANDS:
            return _with_subcommand(command, args)
        if command == "python":
            if len(args) < 2 or args[0] != "-m" or args[1] not in _PYTHON_MODULE_SPECS:
                names = ", ".join(sorted(_PYTHON_MODULE_SPECS))
                raise CommandNotAllowedError(
                    "python may only run 'python -m MODULE ...' with MODULE one of: "
                    f"{names} (no -c, no scripts)"
                )
            module = args[1]
            if module in SUBCOMMANDS:
                return _with_subcommand(module, args[2:])
            spec: CommandSpec = _PYTHON_MODULE_SPECS[module]
            return parse(f"python -m {module}", spec, args[2:]).paths
        if command == "find":
            return parse_find(args).paths
        if command in COMMANDS:
            return parse(command, COMMANDS[command], args).paths
    except OptionError as exc:
        raise _not_allowed(exc) from None
    return None


def check_command(
    root: Path,
    cwd: Path,
    command: str,
    args: Sequence[str],
    allowed: frozenset[str],
) -> None:
    """Raise `CommandNotAllowedError` / `WorkspaceEscapeError` unless the call is allowed."""
    if not isinstance(command, str) or not command:
        raise TypeError("command must be a non-empty str, the program name (e.g. 'ls')")
    if any(not isinstance(a, str) for a in args):
        raise TypeError("args must be a list of str")
    if "/" in command or "\\" in command or command not in allowed:
        names = ", ".join(sorted(allowed))
        raise CommandNotAllowedError(
            f"command {command!r} is not allowed; allowed commands: {names}. "
            "Pass arguments in args, e.g. run_command('ls', ['-la', 'src']); there is no shell."
        )
    if any("\x00" in a for a in args):
        raise ValueError("an argument contains a NUL byte")
    paths = command_paths(command, args)
    for a in args if paths is None else paths:
        _check_arg(root, cwd, a)


def write_confirmation(path: str, content: str) -> str:
    """What `write_file` returns, the same for every backend."""
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    size = len(content.encode("utf-8"))
    return f"Wrote {lines} lines ({size} bytes) to {relative_path(path)}"
