"""The command-line contract shared by punie's five tools (docs/cli-contract.md), for typer apps.

One place for what every `punie-*` command promises: a user error is one line `error: …` on
stderr with exit status 2 (`--debug` shows the traceback), Ctrl-C is exit 130 with one line,
`--version`, help readable at 80 columns, no colour off a terminal or under `NO_COLOR`, output
paths checked before any work, directories a command owns marked by a manifest, atomic writes
with the permission bits of their siblings, and JSONL input read with `file:line` errors.

    app = make_app(name="punie-x", help="Do x.", version=__version__)

    @app.command()
    def build(out: Annotated[Path, typer.Option(metavar="DIR")] = Path("data/x"),
              force: ForceOpt = False) -> None:
        target = OutputDir(out, tool="punie-x", force=force)   # checked before any work
        ...
        target.write_text("result.json", text)

    def main() -> None:
        run(app, prog="punie-x")
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

__all__ = [
    "CONTEXT_SETTINGS",
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "MANIFEST",
    "ForceOpt",
    "Interrupted",
    "JsonOpt",
    "OutputDir",
    "UserError",
    "check_choice",
    "check_dir",
    "check_in_file",
    "check_out_file",
    "check_range",
    "color_allowed",
    "debug_enabled",
    "first_json_line",
    "invoke",
    "make_app",
    "no_interrupt",
    "open_atomic",
    "read_jsonl",
    "run",
    "stderr_console",
    "stdout_console",
    "write_atomic",
]

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
MANIFEST = ".punie-output.json"
TMP_SUFFIX = ".punie-tmp"
T = TypeVar("T")
N = TypeVar("N", int, float)

# Help at 80 columns, defaults shown, `-h` as well as `--help`.
CONTEXT_SETTINGS: dict[str, Any] = {
    "help_option_names": ["-h", "--help"],
    "max_content_width": 80,
    "show_default": True,
}

ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write even where the output holds files this tool did not write "
        "(they are left alone; only same-named files are replaced).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as one JSON document.")]


class UserError(typer.BadParameter):
    """Bad input, a bad path, an unreachable service, or no work to do: one line, exit 2.

    The message says what is wrong and, in parentheses, what to do. Raised from a command run by
    `run`, it is printed as `error: <message>` on stderr with no traceback (unless `--debug`).
    It is a `typer.BadParameter` only so that typer's own runner (e.g. `CliRunner`) exits 2 too.
    """

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        return self.message

    def show(self, file: IO[Any] | None = None) -> None:
        """How typer's own runner prints it: the same one line."""
        print(f"error: {self.message}", file=sys.stderr if file is None else file)


class Interrupted(BaseException):
    """Raised by `run`'s SIGINT handler (not a KeyboardInterrupt, so no library swallows it)."""


# ---------------------------------------------------------------------------------------------
# The app and its entry point


_state = {"debug": False, "critical": 0, "pending": False}


def debug_enabled() -> bool:
    """Whether `--debug` (or `PUNIE_DEBUG=1`) asked for tracebacks."""
    return bool(_state["debug"])


def make_app(
    *, name: str, help: str, version: str, example: str = "", **typer_kwargs: Any
) -> typer.Typer:
    """A typer app with the contract's settings and the tool-wide `--version` and `--debug`.

    `example` (one command line) is shown under the tool's own help.

    Plain (click-style) help instead of rich panels: flags show no `<bool>` metavar, option
    metavars (`metavar="DIR"`) are used, defaults are shown and lines fit 80 columns. Put one
    example in each command's docstring after a `\\b` line so it is not rewrapped.
    """
    epilog = f"\b\nExample:\n  {example}" if example else None
    options: dict[str, Any] = {
        "rich_markup_mode": None,
        "add_completion": False,
        "no_args_is_help": True,
        "pretty_exceptions_enable": False,
        "context_settings": CONTEXT_SETTINGS,
        "epilog": epilog,
    }
    app = typer.Typer(name=name, help=help, **(options | typer_kwargs))

    def show_version(value: bool) -> None:
        if value:
            typer.echo(f"{name} {version}")
            raise typer.Exit(EXIT_OK)

    # Plain defaults (not Annotated): the annotations are strings here, and typer could not
    # resolve a local callback named inside one.
    @app.callback(help=help, epilog=epilog)
    def _tool_options(
        _version: bool = typer.Option(
            False, "--version", callback=show_version, is_eager=True, help="Print the version."
        ),
        debug: bool = typer.Option(
            False, "--debug", help="Show the traceback of an error (any position)."
        ),
    ) -> None:
        _state["debug"] = bool(_state["debug"]) or debug

    return app


def run(app: typer.Typer, *, prog: str, argv: Sequence[str] | None = None) -> NoReturn:
    """The console-script entry point: run `app` under the contract and exit with its status."""
    code = invoke(app, prog=prog, argv=argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `tool | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)


def invoke(app: typer.Typer, *, prog: str, argv: Sequence[str] | None = None) -> int:
    """Run `app` like `run` does and return the exit status instead of exiting."""
    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end] or os.environ.get("PUNIE_DEBUG", "") not in ("", "0")
    args = [a for i, a in enumerate(args) if a != "--debug" or i >= end]
    _state["debug"] = debug
    command = typer.main.get_command(app)
    restore = _install_sigint()
    try:
        result = command.main(args=args, prog_name=prog, standalone_mode=False)
        return result if type(result) is int else EXIT_OK
    except (Interrupted, KeyboardInterrupt):
        return _report("interrupted (outputs already there were left as they were)", 130)
    except UserError as exc:
        return _report(exc.message, EXIT_ERROR)
    except typer.Abort:
        return _report("aborted", EXIT_ERROR)
    except OSError as exc:  # infrastructure: disk full, permission denied, ...
        where = f": {exc.filename}" if exc.filename else ""
        return _report(f"{exc.strerror or exc}{where}", EXIT_ERROR)
    except Exception as exc:
        format_message = getattr(exc, "format_message", None)
        if callable(format_message) and isinstance(getattr(exc, "exit_code", None), int):
            # one of typer's usage errors (click's family, vendored privately since typer 0.26:
            # recognised by its interface rather than imported)
            message = str(format_message())
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `tool`: its help, on stderr
                sys.stderr.write(message.rstrip("\n") + "\n")
                return EXIT_ERROR
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                message = f"{message[:1].lower()}{message[1:]} (see '{ctx.command_path} --help')"
            return _report(message, max(int(getattr(exc, "exit_code", 2)), EXIT_ERROR))
        return _report(
            f"internal error: {type(exc).__name__}: {exc} "
            f"(a bug in {prog}: rerun with --debug and report the traceback)",
            EXIT_ERROR,
        )
    finally:
        restore()


def _report(message: str, code: int) -> int:
    if debug_enabled():
        traceback.print_exc()
    one_line = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    sys.stderr.write(f"error: {one_line}\n")
    sys.stderr.flush()
    return code


def _install_sigint() -> Callable[[], None]:
    def on_sigint(signum: int, frame: object) -> None:
        if _state["critical"]:
            _state["pending"] = True
        else:
            raise Interrupted

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: keep Python's KeyboardInterrupt
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    return restore


@contextmanager
def no_interrupt() -> Generator[None]:
    """Hold Ctrl-C (under `run`) until the block is done: a rename and its manifest entry."""
    _state["critical"] = int(_state["critical"]) + 1
    try:
        yield
    finally:
        _state["critical"] = int(_state["critical"]) - 1
        if not _state["critical"] and _state["pending"]:
            _state["pending"] = False
            raise Interrupted


# ---------------------------------------------------------------------------------------------
# Consoles


def color_allowed(stream: IO[str] | None = None) -> bool:
    """False when `NO_COLOR` is set or `stream` (default stderr) is not a terminal."""
    stream = sys.stderr if stream is None else stream
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def stderr_console() -> Console:
    """For progress, warnings and logs. Rich drops colour and cursor control itself when stderr
    is not a terminal or `NO_COLOR` is set; show progress bars only when `console.is_terminal`."""
    return Console(stderr=True, soft_wrap=True, highlight=False)


def stdout_console(width: int | None = None) -> Console:
    """For results (tables). Off a terminal: no colour, `width` (default 80 or `COLUMNS`)."""
    return Console(highlight=False, width=width, no_color=not color_allowed(sys.stdout))


# ---------------------------------------------------------------------------------------------
# Checks made before any work


def check_range(value: N, option: str, *, minimum: N | None = None, maximum: N | None = None) -> N:
    """`value` if `minimum <= value <= maximum` (either bound may be None), else a UserError."""
    if minimum is not None and value < minimum:
        raise UserError(f"{option} must be ≥ {minimum} (got {value})")
    if maximum is not None and value > maximum:
        raise UserError(f"{option} must be ≤ {maximum} (got {value})")
    return value


def check_choice(value: T, option: str, choices: Sequence[T]) -> T:
    """`value` if it is one of `choices`, else a UserError naming them."""
    if value not in choices:
        raise UserError(f"{option} must be one of {', '.join(map(str, choices))} (got {value})")
    return value


def check_in_file(path: Path, option: str = "") -> Path:
    """An existing, readable regular file, else a UserError."""
    label = f"{option} {path}" if option else str(path)
    if not path.exists():
        raise UserError(f"{label}: no such file")
    if path.is_dir():
        raise UserError(f"{label} is a directory (give a file)")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise UserError(f"{label}: cannot read it ({exc.strerror})") from exc
    return path


def check_dir(path: Path, option: str) -> Path:
    """A directory that exists and is writable, or that can be created: else a UserError."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path} is not a directory (give a directory, or a new path)")
    _probe(path if path.is_dir() else _existing_ancestor(path, option), path, option)
    return path


def check_out_file(
    path: Path,
    *,
    option: str = "--out",
    force: bool = False,
    recognize: Callable[[Path], bool] | None = None,
    what: str = "an output of this tool",
) -> Path:
    """Check an output FILE before any work: of the right kind, in a writable directory, and
    not holding something else. An existing file is replaced only when the manifest beside it
    (if any) says this family of tools wrote it unchanged, `recognize(path)` says it is an
    output of this tool, or `force`."""
    if path.is_dir():
        raise UserError(f"{option} {path} is a directory (give a file path)")
    if path.exists() and not path.is_file():
        raise UserError(f"{option} {path} is not a regular file (give a file path)")
    directory = (
        path.parent if path.parent.is_dir() else _existing_ancestor(path.parent, option, path)
    )
    _probe(directory, path, option)
    if path.is_file() and not force:
        entries = _read_manifest(path.parent) if (path.parent / MANIFEST).is_file() else {}
        entry = entries.get(path.name)
        ours = (entry is not None and _unchanged(path, entry)) or (
            recognize is not None and recognize(path)
        )
        if not ours:
            raise UserError(
                f"{option} {path} exists and is not {what} "
                "(give a new path, or --force to replace it)"
            )
    return path


def _existing_ancestor(path: Path, option: str, shown: Path | None = None) -> Path:
    """The nearest existing ancestor, which must be a directory (it will hold the new path)."""
    for candidate in [path, *path.parents]:
        if candidate.exists():
            if not candidate.is_dir():
                raise UserError(f"{option} {shown or path}: {candidate} is not a directory")
            return candidate
    return Path(".")  # pragma: no cover - the root always exists


def _probe(directory: Path, target: Path, option: str) -> None:
    """Create and remove a file in `directory`: the only honest test of writability (root
    passes `os.access` everywhere, /proc refuses anyway)."""
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=".punie-probe-")
    except OSError as exc:
        raise UserError(
            f"{option} {target}: cannot write in {directory} ({exc.strerror or exc})"
        ) from exc
    os.close(fd)
    os.unlink(name)


# ---------------------------------------------------------------------------------------------
# Writing


_umask: list[int] = []


def _default_mode() -> int:
    """0o666 less the umask: what `open()` gives a new file (mkstemp gives 0o600)."""
    if not _umask:
        try:
            status = Path("/proc/self/status").read_text()
            _umask.append(int(status.split("Umask:")[1].split()[0], 8))
        except (OSError, IndexError, ValueError):
            current = os.umask(0o022)
            os.umask(current)
            _umask.append(current)
    return 0o666 & ~_umask[0]


@contextmanager
def open_atomic(
    path: Path, *, binary: bool = False, on_commit: Callable[[], None] | None = None
) -> Generator[IO[Any]]:
    """Write `path` through a temporary file beside it, renamed into place when the block ends.

    Until then (and for ever if the block raises or is interrupted) `path` keeps its previous
    content. The new file gets the permission bits of the file it replaces, or 0o666 less the
    umask. `on_commit` runs with the rename, with Ctrl-C held off between the two.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else _default_mode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        with no_interrupt():
            os.replace(tmp, path)
            if on_commit is not None:
                on_commit()
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: str | bytes, *, tool: str | None = None) -> None:
    """Write a whole file atomically (see `open_atomic`). With `tool`, and a manifest in the
    directory, the file is recorded there as that tool's."""
    on_commit = None
    if tool is not None and (path.parent / MANIFEST).is_file():

        def on_commit() -> None:
            _record(path.parent, {path.name: _entry(path, tool)})

    with open_atomic(path, binary=isinstance(data, bytes), on_commit=on_commit) as out:
        out.write(data)


# ---------------------------------------------------------------------------------------------
# Directories a command owns


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(path: Path, tool: str) -> dict[str, Any]:
    info = path.stat()
    return {
        "tool": tool,
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "sha256": _sha256(path),
    }


def _unchanged(path: Path, entry: dict[str, Any]) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    info = path.stat()
    if info.st_size != entry.get("size"):
        return False
    return info.st_mtime_ns == entry.get("mtime_ns") or _sha256(path) == entry.get("sha256")


def _read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    """The manifest's entries; {} when absent or unreadable (then nothing counts as ours)."""
    try:
        files = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return (
        {k: v for k, v in files.items() if isinstance(v, dict)} if isinstance(files, dict) else {}
    )


def _record(directory: Path, entries: dict[str, dict[str, Any] | None]) -> None:
    """Add (or, with None, drop) manifest entries; the manifest is itself written atomically."""
    files = _read_manifest(directory) | entries
    document = {
        "about": "files punie's tools wrote here; they write only into directories holding "
        "nothing else (docs/cli-contract.md)",
        "files": {k: v for k, v in sorted(files.items()) if v is not None},
    }
    with open_atomic(directory / MANIFEST) as out:
        out.write(json.dumps(document, indent=2) + "\n")


class OutputDir:
    """A directory a command owns: checked at construction (before any work), then written.

    It may not exist yet (its nearest existing ancestor must be a writable directory), or be
    empty, or hold only files the manifest (`.punie-output.json`) says punie's tools wrote and
    that are unchanged since, or that `recognize(path)` accepts as outputs of an earlier version.
    A file in a subdirectory also counts when the manifest of a directory between it and this
    one lists it unchanged (a command owning `run/eval/heldout` inside another owning
    `run/eval`).
    Anything else is refused with a UserError naming `--force`; with `force`, the command writes
    beside those files and never touches them unless it writes a file of the same name. Nothing
    the tools did not write is ever deleted.
    """

    def __init__(
        self,
        path: Path,
        *,
        tool: str,
        option: str = "--out",
        force: bool = False,
        recognize: Callable[[Path], bool] | None = None,
    ) -> None:
        self.path, self.tool, self.option = Path(path), tool, option
        self._adopted: dict[str, dict[str, Any] | None] = {}
        if self.path.exists() and not self.path.is_dir():
            raise UserError(
                f"{option} {self.path} is not a directory (give a directory, or a new path)"
            )
        if not self.path.exists():
            _probe(_existing_ancestor(self.path, option), self.path, option)
            return
        _probe(self.path, self.path, option)
        entries = _read_manifest(self.path)
        nested: dict[Path, dict[str, dict[str, Any]]] = {}
        foreign: list[str] = []
        for file in sorted(self._files()):
            rel = file.relative_to(self.path).as_posix()
            if self._owned_below(file, nested):  # an owned directory inside this one
                continue
            entry = entries.get(rel)
            if entry is not None and _unchanged(file, entry):
                continue
            if entry is None and recognize is not None and recognize(file):
                self._adopted[rel] = _entry(file, tool)
                continue
            foreign.append(rel)
        if foreign and not force:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if foreign[3:] else ""
            )
            raise UserError(
                f"{option} {self.path} holds files {tool} did not write ({shown}); "
                f"give a new or empty directory, or --force to write beside them"
            )

    def _owned_below(self, file: Path, cache: dict[Path, dict[str, dict[str, Any]]]) -> bool:
        """Whether the manifest of a directory between `file` and this one lists it unchanged."""
        directory = file.parent
        while directory != self.path and self.path in directory.parents:
            if directory not in cache:
                cache[directory] = _read_manifest(directory)
            entry = cache[directory].get(file.relative_to(directory).as_posix())
            if entry is not None and _unchanged(file, entry):
                return True
            directory = directory.parent
        return False

    def _files(self) -> Iterator[Path]:
        for root, _dirs, names in os.walk(self.path):
            for name in names:
                if name == MANIFEST or (name.startswith(".") and name.endswith(TMP_SUFFIX)):
                    continue
                yield Path(root) / name

    def file(self, name: str) -> Path:
        """The path of `name` (a relative POSIX path) inside the directory."""
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or name == MANIFEST:
            raise ValueError(f"not a file name inside the output directory: {name!r}")
        return self.path.joinpath(*rel.parts)

    @contextmanager
    def open(self, name: str, *, binary: bool = False) -> Generator[IO[Any]]:
        """Write `name` atomically and record it in the manifest (see `open_atomic`)."""
        path = self.file(name)
        with open_atomic(path, binary=binary, on_commit=lambda: self.record(name)) as out:
            yield out

    def write_text(self, name: str, text: str) -> Path:
        with self.open(name) as out:
            out.write(text)
        return self.file(name)

    def write_bytes(self, name: str, data: bytes) -> Path:
        with self.open(name, binary=True) as out:
            out.write(data)
        return self.file(name)

    def record(self, *names: str) -> None:
        """Record files written by other means (a library saving into the directory)."""
        self.path.mkdir(parents=True, exist_ok=True)
        adopted, self._adopted = self._adopted, {}  # recognised at the check, recorded now
        _record(self.path, adopted | {n: _entry(self.file(n), self.tool) for n in names})

    def owned(self) -> list[str]:
        """Files the manifest lists that are still as this family of tools wrote them."""
        entries = _read_manifest(self.path)
        return sorted(n for n, e in entries.items() if _unchanged(self.file(n), e))

    def remove_own(self, *names: str) -> list[str]:
        """Delete the given files (default: every file the manifest lists) when they are still
        as written; anything else is left. Returns what was deleted."""
        entries = _read_manifest(self.path)
        removed = [
            n
            for n in (names or tuple(entries))
            if n in entries and _unchanged(self.file(n), entries[n])
        ]
        for name in removed:
            self.file(name).unlink()
        if removed:
            _record(self.path, dict.fromkeys(removed))
        return removed


# ---------------------------------------------------------------------------------------------
# Input


def _describe(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # pydantic's ValidationError: its first error, with its location
        try:
            found = errors()
            first = found[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            return f"{where + ': ' if where else ''}{first.get('msg', exc)}{more}"
        except (TypeError, IndexError, AttributeError):
            pass
    return str(exc) or type(exc).__name__


def first_json_line(path: Path) -> Any:
    """The value on the first non-blank line of a JSONL file: `{}` for a file with no such line
    (it holds nothing to lose), None when it cannot be read or parsed. A cheap look at whether an
    existing file is one of punie's outputs."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    return json.loads(line)
    except (OSError, ValueError):
        return None
    return {}


def read_jsonl(path: Path, parse: Callable[[Any], T] | None = None, *, option: str = "") -> list[T]:
    """Every non-blank line of a JSONL file, decoded and passed through `parse` (which raises
    ValueError, TypeError or KeyError, e.g. pydantic's `Model.model_validate`). The first bad
    line is a UserError `FILE:LINE: what is wrong`. An empty list is the caller's to refuse."""
    check_in_file(path, option)
    items: list[Any] = []
    with path.open("rb") as handle:  # bytes: a decoding error is reported on its own line
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UserError(f"{path}:{number}: not UTF-8 text") from exc
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                tail = "" if line.endswith("\n") else "; the file looks truncated"
                raise UserError(
                    f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno}{tail})"
                ) from exc
            try:
                items.append(parse(value) if parse is not None else value)
            except (ValueError, TypeError, KeyError) as exc:
                raise UserError(f"{path}:{number}: {_describe(exc)}") from exc
    return items
