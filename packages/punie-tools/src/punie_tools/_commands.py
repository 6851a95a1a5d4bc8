"""Per-command option allow-lists for `run_command`, and the parser that applies them.

Options are parsed the way the programs themselves parse them (GNU getopt / git's
parse-options): clusters of short options (`-rn`), values attached to short options (`-n5`,
`-o/x`) or given as the next argument, `--long=value` and `--long value`, `--` ending the
options. Every option must be on the command's allow-list, spelt in full: an abbreviation the
program would accept (`--open-files-in` for `--open-files-in-pager`) is refused, not guessed.
Option values and positional arguments that name files are returned so the caller can confine
them to the workspace. Options that write files, run programs or follow symlinks out of the
workspace are simply not on the lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["COMMANDS", "GIT_SUBCOMMANDS", "PYTHON_MODULES", "CommandSpec", "ParsedArgs", "parse"]

ValueKind = Literal["text", "path"]


class OptionError(ValueError):
    """An option that is not allowed, or malformed (missing value, value on a flag)."""


@dataclass(frozen=True)
class CommandSpec:
    """Which options one program (or git subcommand) accepts.

    `flags` take no value; `values` take one (of kind "text" or "path"); `optional` long
    options take a value only as `--name=value`; `short_optional` short options take the rest
    of their cluster as an optional value (`git status -uno`). `pattern_first` marks grep-like
    programs whose first positional is a pattern unless `-e`/`-f` gave one.
    """

    flags: frozenset[str] = frozenset()
    values: Mapping[str, ValueKind] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    short_optional: frozenset[str] = frozenset()
    numeric_short: bool = False  # `head -5`, `grep -3`, `git log -3`
    pattern_first: bool = False
    pattern_options: frozenset[str] = frozenset()
    positionals: bool = True
    refused: Mapping[str, str] = field(default_factory=dict)  # option -> why (clearer message)


@dataclass
class ParsedArgs:
    """What `parse` found: option names in order, path-valued arguments, other positionals."""

    options: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


def _v(kind: ValueKind, *names: str) -> dict[str, ValueKind]:
    return dict.fromkeys(names, kind)


def parse(program: str, spec: CommandSpec, args: Sequence[str]) -> ParsedArgs:
    """Check `args` against `spec`; raise `OptionError` naming the first refused option."""
    out = ParsedArgs()
    positionals: list[str] = []
    pattern_given = False
    i = 0
    only_positionals = False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_positionals or arg == "-" or not arg.startswith("-"):
            positionals.append(arg)
            continue
        if arg == "--":
            only_positionals = True
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in spec.flags and not eq:
                out.options.append(name)
            elif name in spec.optional:
                out.options.append(name)
                if eq:
                    out.texts.append(value)
            elif name in spec.values:
                if not eq:
                    if i >= len(args):
                        raise OptionError(f"{program} option {name} needs a value")
                    value = args[i]
                    i += 1
                out.options.append(name)
                (out.paths if spec.values[name] == "path" else out.texts).append(value)
                pattern_given |= name in spec.pattern_options
            else:
                raise OptionError(_refusal(program, spec, name))
            continue
        body = arg[1:]
        if spec.numeric_short and body.isdigit():
            out.options.append(arg)
            continue
        j = 0
        while j < len(body):
            opt = "-" + body[j]
            rest = body[j + 1 :]
            if opt in spec.flags:
                out.options.append(opt)
                j += 1
                continue
            if opt in spec.short_optional:
                out.options.append(opt)
                if rest:
                    out.texts.append(rest)
                break
            if opt in spec.values:
                value = rest
                if not value:
                    if i >= len(args):
                        raise OptionError(f"{program} option {opt} needs a value")
                    value = args[i]
                    i += 1
                out.options.append(opt)
                (out.paths if spec.values[opt] == "path" else out.texts).append(value)
                pattern_given |= opt in spec.pattern_options
                break
            where = f" (in {arg!r})" if len(body) > 1 else ""
            raise OptionError(_refusal(program, spec, opt) + where)
    if positionals and not spec.positionals:
        raise OptionError(f"{program} takes no file or other arguments here: {positionals[0]!r}")
    if spec.pattern_first and not pattern_given and positionals:
        out.texts.append(positionals.pop(0))
    out.paths.extend(positionals)
    return out


def _refusal(program: str, spec: CommandSpec, option: str) -> str:
    why = spec.refused.get(option)
    if why:
        return f"{program} option {option} is not allowed: {why}"
    if option.startswith("--"):
        refused = sorted(n for n in spec.refused if n.startswith(option))
        if refused:
            return (
                f"{program} option {option} is not allowed: it abbreviates {refused[0]}, "
                f"which is not allowed ({spec.refused[refused[0]]})"
            )
        longer = sorted(
            n for n in (*spec.flags, *spec.values, *spec.optional) if n.startswith(option)
        )
        if longer:
            return (
                f"{program} option {option} is not allowed; spell options in full "
                f"(did you mean {longer[0]}?)"
            )
    return f"{program} option {option} is not allowed (read-only use; see the allow-list)"


_SYMLINKS = "it follows symlinks out of the workspace"
_WRITES = "it writes files"
_RUNS = "it runs another program"

COMMANDS: dict[str, CommandSpec] = {
    "ls": CommandSpec(
        flags=_f(
            "-a",
            "-A",
            "-l",
            "-h",
            "-R",
            "-1",
            "-F",
            "-d",
            "-t",
            "-S",
            "-r",
            "-s",
            "-i",
            "-n",
            "-p",
            "-x",
            "-C",
            "-m",
            "-U",
            "-X",
            "-v",
            "-g",
            "-o",
            "-G",
            "-N",
            "-Q",
            "-c",
            "-u",
            "-H",
            "--all",
            "--almost-all",
            "--human-readable",
            "--recursive",
            "--reverse",
            "--size",
            "--classify",
            "--directory",
            "--group-directories-first",
            "--full-time",
            "--numeric-uid-gid",
            "--inode",
            "--literal",
            "--quote-name",
            "--si",
        ),
        values={
            **_v(
                "text",
                "-I",
                "-w",
                "--ignore",
                "--hide",
                "--sort",
                "--time-style",
                "--width",
                "--format",
                "--time",
                "--block-size",
            )
        },
        optional=_f("--color", "--colour", "--indicator-style", "--quoting-style"),
        refused={"-L": _SYMLINKS, "--dereference": _SYMLINKS},
    ),
    "cat": CommandSpec(
        flags=_f(
            "-A",
            "-b",
            "-e",
            "-E",
            "-n",
            "-s",
            "-t",
            "-T",
            "-u",
            "-v",
            "--number",
            "--number-nonblank",
            "--show-all",
            "--show-ends",
            "--show-tabs",
            "--squeeze-blank",
            "--show-nonprinting",
        ),
    ),
    "head": CommandSpec(
        flags=_f("-q", "-v", "-z", "--quiet", "--silent", "--verbose", "--zero-terminated"),
        values=_v("text", "-n", "-c", "--lines", "--bytes"),
        numeric_short=True,
    ),
    "tail": CommandSpec(
        flags=_f(
            "-q",
            "-v",
            "-z",
            "-f",
            "-F",
            "--quiet",
            "--silent",
            "--verbose",
            "--zero-terminated",
            "--retry",
        ),
        values=_v("text", "-n", "-c", "-s", "--lines", "--bytes", "--sleep-interval"),
        optional=_f("--follow"),
        numeric_short=True,
    ),
    "grep": CommandSpec(
        flags=_f(
            "-i",
            "-y",
            "-v",
            "-w",
            "-x",
            "-c",
            "-l",
            "-L",
            "-n",
            "-h",
            "-H",
            "-o",
            "-q",
            "-s",
            "-r",
            "-E",
            "-F",
            "-G",
            "-P",
            "-z",
            "-Z",
            "-I",
            "-a",
            "-b",
            "-T",
            "-U",
            "--ignore-case",
            "--no-ignore-case",
            "--invert-match",
            "--word-regexp",
            "--line-regexp",
            "--count",
            "--files-with-matches",
            "--files-without-match",
            "--line-number",
            "--no-filename",
            "--with-filename",
            "--only-matching",
            "--quiet",
            "--silent",
            "--no-messages",
            "--recursive",
            "--extended-regexp",
            "--fixed-strings",
            "--basic-regexp",
            "--perl-regexp",
            "--null",
            "--null-data",
            "--text",
            "--byte-offset",
            "--initial-tab",
            "--binary",
        ),
        values={
            **_v(
                "text",
                "-e",
                "-m",
                "-A",
                "-B",
                "-C",
                "--regexp",
                "--max-count",
                "--after-context",
                "--before-context",
                "--context",
                "--include",
                "--exclude",
                "--exclude-dir",
                "--label",
                "--binary-files",
            ),
            **_v("path", "-f", "--file", "--exclude-from"),
        },
        optional=_f("--color", "--colour"),
        numeric_short=True,
        pattern_first=True,
        pattern_options=_f("-e", "--regexp", "-f", "--file"),
        refused={
            "-R": _SYMLINKS,
            "--dereference-recursive": _SYMLINKS,
            "-d": "use -r to search directories",
            "--directories": "use -r instead",
            "-D": "devices are not searched",
            "--devices": "devices are not searched",
        },
    ),
    "wc": CommandSpec(
        flags=_f(
            "-l",
            "-w",
            "-c",
            "-m",
            "-L",
            "--lines",
            "--words",
            "--bytes",
            "--chars",
            "--max-line-length",
        ),
        refused={"--files0-from": "name the files as arguments"},
    ),
    "sort": CommandSpec(
        flags=_f(
            "-r",
            "-n",
            "-u",
            "-f",
            "-b",
            "-d",
            "-g",
            "-h",
            "-i",
            "-M",
            "-R",
            "-s",
            "-V",
            "-z",
            "-c",
            "-C",
            "-m",
            "--reverse",
            "--numeric-sort",
            "--unique",
            "--ignore-case",
            "--ignore-leading-blanks",
            "--dictionary-order",
            "--general-numeric-sort",
            "--human-numeric-sort",
            "--ignore-nonprinting",
            "--month-sort",
            "--random-sort",
            "--stable",
            "--version-sort",
            "--zero-terminated",
            "--merge",
        ),
        values=_v("text", "-k", "-t", "--key", "--field-separator", "--sort"),
        optional=_f("--check"),
        refused={
            "-o": _WRITES,
            "--output": _WRITES,
            "--compress-program": _RUNS,
            "-T": _WRITES,
            "--temporary-directory": _WRITES,
            "--files0-from": "name the files as arguments",
            "--random-source": "it reads a file named in the option",
        },
    ),
    "diff": CommandSpec(
        flags=_f(
            "-u",
            "-c",
            "-q",
            "-s",
            "-y",
            "-w",
            "-b",
            "-B",
            "-i",
            "-E",
            "-Z",
            "-a",
            "-t",
            "-T",
            "-p",
            "-d",
            "--brief",
            "--report-identical-files",
            "--side-by-side",
            "--ignore-all-space",
            "--ignore-space-change",
            "--ignore-blank-lines",
            "--ignore-case",
            "--text",
            "--expand-tabs",
            "--initial-tab",
            "--show-c-function",
            "--minimal",
            "--strip-trailing-cr",
            "--ignore-trailing-space",
            "--suppress-common-lines",
            "--left-column",
            "--speed-large-files",
            "--ignore-tab-expansion",
        ),
        values=_v("text", "-U", "-C", "-W", "-I", "--label", "--width", "--ignore-matching-lines"),
        optional=_f("--unified", "--context", "--color"),
        refused={
            "-r": _SYMLINKS,
            "--recursive": _SYMLINKS,
            "-N": "compare two files",
            "--from-file": "compare two files",
            "--to-file": "compare two files",
            "-X": "it reads a file named in the option",
        },
    ),
}

_FIND_UNARY = _f(
    "-empty",
    "-print",
    "-print0",
    "-prune",
    "-not",
    "-a",
    "-and",
    "-o",
    "-or",
    "!",
    "(",
    ")",
    "-readable",
    "-writable",
    "-executable",
    "-ls",
    "-depth",
    "-xdev",
    "-mount",
    "-true",
    "-false",
    "-daystart",
    "-quit",
    "-nowarn",
    "-warn",
    "-nouser",
    "-nogroup",
)
_FIND_TEXT = _f(
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-type",
    "-xtype",
    "-maxdepth",
    "-mindepth",
    "-size",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-regex",
    "-iregex",
    "-regextype",
    "-perm",
    "-user",
    "-group",
    "-uid",
    "-gid",
    "-links",
    "-inum",
    "-lname",
    "-ilname",
    "-printf",
    "-used",
)
_FIND_PATH = _f("-newer", "-anewer", "-cnewer", "-samefile")
_FIND_REFUSED = {
    "-exec": _RUNS,
    "-execdir": _RUNS,
    "-ok": _RUNS,
    "-okdir": _RUNS,
    "-delete": _WRITES,
    "-fprint": _WRITES,
    "-fprint0": _WRITES,
    "-fprintf": _WRITES,
    "-fls": _WRITES,
    "-L": _SYMLINKS,
    "-follow": _SYMLINKS,
    "-H": _SYMLINKS,
    "-files0-from": _RUNS,
}


def parse_find(args: Sequence[str]) -> ParsedArgs:
    """find's own syntax: options (-P), starting points, then an expression of tests."""
    out = ParsedArgs()
    i = 0
    while i < len(args) and args[i] in ("-P",):
        out.options.append(args[i])
        i += 1
    while i < len(args) and not (args[i].startswith("-") or args[i] in ("!", "(", ")")):
        out.paths.append(args[i])
        i += 1
    while i < len(args):
        word = args[i]
        i += 1
        if word in _FIND_UNARY:
            out.options.append(word)
        elif word in _FIND_TEXT or word in _FIND_PATH:
            if i >= len(args):
                raise OptionError(f"find {word} needs a value")
            (out.paths if word in _FIND_PATH else out.texts).append(args[i])
            out.options.append(word)
            i += 1
        elif word in _FIND_REFUSED:
            raise OptionError(f"find {word} is not allowed: {_FIND_REFUSED[word]}")
        else:
            raise OptionError(f"find {word} is not allowed (read-only use; see the allow-list)")
    return out


_GIT_DIFF_FLAGS = (
    "--stat",
    "--numstat",
    "--shortstat",
    "--name-only",
    "--name-status",
    "-p",
    "-u",
    "--patch",
    "--no-patch",
    "-s",
    "-w",
    "-b",
    "--ignore-all-space",
    "--ignore-space-change",
    "--no-color",
    "--summary",
    "-R",
    "--minimal",
    "--histogram",
    "--patience",
    "--raw",
    "--full-index",
    "--no-renames",
    "--no-prefix",
    "-z",
    "--ignore-blank-lines",
    "--text",
    "-a",
)
_GIT_DIFF_VALUES = ("-U", "--unified", "--diff-filter", "--src-prefix", "--dst-prefix",
                    "--stat-width", "--inter-hunk-context")  # fmt: skip
_GIT_DIFF_OPTIONAL = ("--color", "--word-diff", "--abbrev", "--find-renames", "--dirstat")
_GIT_LOG_FLAGS = (
    "--oneline",
    "--all",
    "--graph",
    "--no-decorate",
    "--reverse",
    "--first-parent",
    "--no-merges",
    "--merges",
    "--follow",
    "--abbrev-commit",
    "--no-abbrev-commit",
    "-i",
    "--regexp-ignore-case",
    "--topo-order",
    "--date-order",
    "--full-history",
    "--left-right",
    "--boundary",
    "--cherry-pick",
    "--simplify-by-decoration",
    "--no-walk",
    "--branches",
    "--tags",
    "--remotes",
    "-E",
    "-F",
    "--extended-regexp",
    "--fixed-strings",
    "--all-match",
    "--invert-grep",
    "--pickaxe-all",
    "--no-notes",
)
_GIT_LOG_VALUES = (
    "-n",
    "--max-count",
    "--skip",
    "--author",
    "--committer",
    "--grep",
    "--since",
    "--after",
    "--until",
    "--before",
    "--format",
    "--date",
    "-S",
    "-G",
    "--max-parents",
    "--min-parents",
)
_GIT_REFUSED = {
    "-O": _RUNS,
    "--open-files-in-pager": _RUNS,
    "--ext-diff": _RUNS,
    "--textconv": _RUNS,
    "--output": _WRITES,
    "-o": _WRITES,
    "--no-index": "it compares files outside the repository",
    "--exec": _RUNS,
    "--show-toplevel": "it prints a host path",
    "--git-dir": "it prints a host path",
    "--absolute-git-dir": "it prints a host path",
    "--contents": "it reads a file named in the option",
    "--ignore-revs-file": "it reads a file named in the option",
    "--show-signature": _RUNS,
}


def _git(flags: Sequence[str] = (), values: Sequence[str] = (), optional: Sequence[str] = (),
         **kw: object) -> CommandSpec:  # fmt: skip
    return CommandSpec(
        flags=frozenset(flags),
        values=_v("text", *values),
        optional=frozenset(optional),
        refused=_GIT_REFUSED,
        **kw,  # ty: ignore[invalid-argument-type]
    )


GIT_SUBCOMMANDS: dict[str, CommandSpec] = {
    "status": _git(
        (
            "-s",
            "--short",
            "-b",
            "--branch",
            "--long",
            "-z",
            "--show-stash",
            "--ahead-behind",
            "--no-ahead-behind",
            "-v",
            "--verbose",
            "--no-renames",
        ),
        (),
        ("--porcelain", "--untracked-files", "--ignored", "--column", "--no-column"),
        short_optional=_f("-u"),
    ),
    "diff": _git(
        (
            *_GIT_DIFF_FLAGS,
            "--cached",
            "--staged",
            "--exit-code",
            "--quiet",
            "--check",
            "--merge-base",
        ),
        _GIT_DIFF_VALUES,
        _GIT_DIFF_OPTIONAL,
    ),
    "log": _git(
        (*_GIT_DIFF_FLAGS, *_GIT_LOG_FLAGS),
        (*_GIT_DIFF_VALUES, *_GIT_LOG_VALUES),
        (*_GIT_DIFF_OPTIONAL, "--pretty", "--decorate"),
        numeric_short=True,
    ),
    "show": _git(
        (
            *_GIT_DIFF_FLAGS,
            "--oneline",
            "--abbrev-commit",
            "--no-abbrev-commit",
            "-q",
            "--quiet",
            "--no-notes",
        ),
        (*_GIT_DIFF_VALUES, "--format", "--date"),
        (*_GIT_DIFF_OPTIONAL, "--pretty", "--decorate"),
    ),
    "ls-files": _git(
        (
            "-c",
            "--cached",
            "-d",
            "--deleted",
            "-m",
            "--modified",
            "-o",
            "--others",
            "-i",
            "--ignored",
            "-s",
            "--stage",
            "-u",
            "--unmerged",
            "-k",
            "--killed",
            "-z",
            "--exclude-standard",
            "--full-name",
            "--error-unmatch",
            "-t",
            "-v",
            "--deduplicate",
            "--directory",
            "--no-empty-directory",
            "--eol",
            "--recurse-submodules",
        ),
        ("-x", "--exclude", "--format"),
        ("--abbrev",),
    ),
    "blame": _git(
        (
            "-l",
            "-t",
            "-s",
            "-e",
            "-w",
            "-n",
            "--show-number",
            "-f",
            "--show-name",
            "-p",
            "--porcelain",
            "--line-porcelain",
            "-c",
            "--root",
            "--show-stats",
            "--show-email",
            "--no-progress",
            "--minimal",
            "-b",
        ),
        ("-L", "--date", "--ignore-rev"),
        ("--abbrev", "--color-lines", "--color-by-age"),
        short_optional=_f("-M", "-C"),
    ),
    "grep": _git(
        (
            "-n",
            "-i",
            "-w",
            "-c",
            "-l",
            "-L",
            "-E",
            "-F",
            "-G",
            "-P",
            "-v",
            "--cached",
            "--untracked",
            "-h",
            "-H",
            "--line-number",
            "--count",
            "--files-with-matches",
            "--files-without-match",
            "--name-only",
            "-I",
            "--only-matching",
            "-q",
            "--quiet",
            "-W",
            "--function-context",
            "-p",
            "--show-function",
            "--full-name",
            "--heading",
            "--break",
            "--no-color",
            "-z",
            "--null",
            "-r",
            "--recursive",
            "--no-recursive",
            "--and",
            "--or",
            "--not",
            "--all-match",
            "--column",
            "--ignore-case",
            "--word-regexp",
            "--invert-match",
            "--extended-regexp",
            "--fixed-strings",
            "--basic-regexp",
            "--perl-regexp",
            "--exclude-standard",
            "--no-exclude-standard",
            "--text",
            "-a",
        ),
        (
            "-e",
            "-A",
            "-B",
            "-C",
            "-m",
            "--context",
            "--after-context",
            "--before-context",
            "--max-depth",
            "--max-count",
            "--threads",
        ),
        ("--color",),
        numeric_short=True,
        pattern_first=True,
        pattern_options=_f("-e", "-f"),
    ),
    "rev-parse": _git(
        (
            "--verify",
            "-q",
            "--quiet",
            "--symbolic-full-name",
            "--symbolic",
            "--is-inside-work-tree",
            "--is-bare-repository",
            "--show-prefix",
            "--show-cdup",
            "--is-shallow-repository",
        ),
        (),
        ("--abbrev-ref", "--short"),
    ),
    "shortlog": _git(
        (
            "-s",
            "-n",
            "-e",
            "--summary",
            "--numbered",
            "--email",
            "-c",
            "--committer",
            "--all",
            "--no-merges",
            "--merges",
        ),
        ("--since", "--after", "--until", "--before", "--group", "--format", "--author"),
        (),
    ),
}
"""The git subcommands `run_command("git", ...)` accepts; none of them changes the repository."""

_PYTEST = CommandSpec(
    flags=_f(
        "-x",
        "--exitfirst",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "-s",
        "-l",
        "--showlocals",
        "--runxfail",
        "--strict-markers",
        "--co",
        "--collect-only",
        "--no-header",
        "--no-summary",
        "--lf",
        "--last-failed",
        "--ff",
        "--failed-first",
        "--setup-plan",
        "--setup-only",
        "--setup-show",
        "--disable-warnings",
        "--strict-config",
    ),
    values={
        **_v(
            "text",
            "-k",
            "-m",
            "-r",
            "-W",
            "--maxfail",
            "--tb",
            "--capture",
            "--durations",
            "--pythonwarnings",
            "--import-mode",
            "--deselect",
            "--color",
            "--durations-min",
        ),
        **_v("path", "--ignore", "--ignore-glob"),
    },
    refused={
        "-p": "plugins are not loaded on request",
        "-c": "the configuration is the workspace's own",
        "-o": "the configuration is the workspace's own",
        "--override-ini": "the configuration is the workspace's own",
        "--rootdir": "the root is the workspace",
        "--basetemp": _WRITES,
        "--junitxml": _WRITES,
        "--junit-xml": _WRITES,
        "--pastebin": "no network",
        "--pdb": "there is no terminal",
        "--trace": "there is no terminal",
        "--debug": _WRITES,
        "--confcutdir": "the configuration is the workspace's own",
    },
)

PYTEST_RUN_OPTIONS = CommandSpec(
    flags=_f("-x", "--exitfirst", "-l", "--showlocals", "--runxfail", "--strict-markers"),
    values={
        **_v(
            "text",
            "-k",
            "-m",
            "--maxfail",
            "--tb",
            "-W",
            "--pythonwarnings",
            "--import-mode",
            "--deselect",
        ),
        **_v("path", "--ignore", "--ignore-glob"),
    },
    positionals=False,
    refused=_PYTEST.refused,
)
"""The extra options `pytest_run(..., options=[...])` accepts."""

_RUFF_CHECK = CommandSpec(
    flags=_f(
        "--no-cache",
        "--no-fix",
        "--fix",
        "--unsafe-fixes",
        "--no-unsafe-fixes",
        "--show-fixes",
        "--no-show-fixes",
        "--diff",
        "--statistics",
        "--isolated",
        "--exit-zero",
        "-e",
        "--exit-non-zero-on-fix",
        "-q",
        "--quiet",
        "-s",
        "--silent",
        "-n",
        "--preview",
        "--no-preview",
        "--fix-only",
        "--no-fix-only",
        "--ignore-noqa",
        "--no-respect-gitignore",
        "--respect-gitignore",
        "--force-exclude",
        "--no-force-exclude",
        "-v",
        "--verbose",
    ),
    values=_v(
        "text",
        "--select",
        "--ignore",
        "--extend-select",
        "--extend-ignore",
        "--output-format",
        "--line-length",
        "--target-version",
        "--fixable",
        "--unfixable",
        "--extend-fixable",
        "--exclude",
        "--extend-exclude",
        "--per-file-ignores",
        "--extend-per-file-ignores",
        "--dummy-variable-rgx",
        "--extension",
        "--color",
    ),
    refused={
        "-o": _WRITES,
        "--output-file": _WRITES,
        "--cache-dir": _WRITES,
        "--config": "the configuration is the workspace's own",
        "--show-settings": "it prints host paths",
        "--show-files": "it prints host paths",
        "--stdin-filename": "there is no input",
        "-w": "there is no terminal",
        "--watch": "there is no terminal",
    },
)
_RUFF_FORMAT = CommandSpec(
    flags=_f(
        "--check",
        "--diff",
        "--no-cache",
        "--isolated",
        "-q",
        "--quiet",
        "-s",
        "--silent",
        "-n",
        "--preview",
        "--no-preview",
        "--force-exclude",
        "-v",
        "--verbose",
        "--exit-non-zero-on-format",
    ),
    values=_v("text", "--line-length", "--target-version", "--exclude", "--extension", "--range"),
    refused=_RUFF_CHECK.refused,
)
_RUFF_RULE = CommandSpec(flags=_f("--all"), values=_v("text", "--output-format"))
_TY_CHECK = CommandSpec(
    flags=_f(
        "--exit-zero",
        "--error-on-warning",
        "--no-progress",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "--respect-ignore-files",
        "--no-respect-ignore-files",
    ),
    values={
        **_v(
            "text",
            "--output-format",
            "--python-version",
            "--python-platform",
            "--error",
            "--warn",
            "--ignore",
            "--color",
            "--exclude",
        ),
        **_v("path", "--extra-search-path", "--project", "--config-file"),
    },
    refused={
        "--python": "the interpreter is the configured one",
        "--config": "the configuration is the workspace's own",
        "-W": "there is no terminal",
        "--watch": "there is no terminal",
    },
)

SUBCOMMANDS: dict[str, dict[str, CommandSpec]] = {
    "git": GIT_SUBCOMMANDS,
    "ruff": {
        "check": _RUFF_CHECK,
        "format": _RUFF_FORMAT,
        "rule": _RUFF_RULE,
        "version": CommandSpec(positionals=False),
    },
    "ty": {"check": _TY_CHECK, "version": CommandSpec(positionals=False)},
}

PYTHON_MODULES: dict[str, CommandSpec] = {
    "pytest": _PYTEST,
    "ruff": CommandSpec(),  # placeholder: `python -m ruff` uses SUBCOMMANDS["ruff"]
    "ty": CommandSpec(),
    "py_compile": CommandSpec(flags=_f("-q", "--quiet")),
    "pyflakes": CommandSpec(),
}
"""Modules allowed in `run_command("python", ["-m", MODULE, ...])`; no `-c`, no scripts."""

COMMANDS["pytest"] = _PYTEST
