"""Code fragments the generators compose into turns, each in several forms.

Every list of forms is partitioned between the splits by the plan (see `plan.py`), so the forms
an example uses are recorded in its strategy and test examples use forms train never sees.
Fragments use only what is passed in; the callers pass only what an earlier tool output or the
request revealed (`verify` checks it).

`$name` placeholders are filled by `fill`; everything else is literal Python.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from punie_datagen.generators.plan import Plan

__all__ = ["Ctx", "Report", "fill", "indent"]

T = TypeVar("T")


def fill(template: str, **values: object) -> str:
    """Replace `$name` placeholders (longest names first) with the given values."""
    for name in sorted(values, key=len, reverse=True):
        template = template.replace(f"${name}", str(values[name]))
    return template


def indent(code: str, prefix: str = "    ") -> str:
    return "".join(prefix + line if line.strip() else line for line in code.splitlines(True))


@dataclass
class Ctx:
    """One spec's choices: its split, a random stream, and the forms it used (its strategy)."""

    plan: Plan
    r: random.Random
    split: str
    forms: list[str] = field(default_factory=list)
    answer_forms: list[str] = field(default_factory=list)
    _mark: tuple | None = None
    widen: bool = False  # after failed tries: any form may be used, not just the split's

    def mark(self) -> None:
        """Remember the state after the spec is made; `rewind` returns to it before a run."""
        self._mark = (self.r.getstate(), len(self.forms), len(self.answer_forms))

    def rewind(self) -> None:
        if self._mark is not None:
            state, forms, answers = self._mark
            self.r.setstate(state)
            del self.forms[forms:]
            del self.answer_forms[answers:]

    def form(self, key: str, options: Sequence[T]) -> T:
        if self.widen:
            index = self.r.randrange(len(options))
            self.forms.append(f"{key}{index}*")
            return options[index]
        index, option = self.plan.choose(self.r, key, options, self.split)
        self.forms.append(f"{key}{index}")
        return option

    def phrase(self, key: str, options: Sequence[T]) -> T:
        """An answer phrasing; its id is part of the answer template."""
        index, option = self.plan.choose(self.r, key, options, self.split)
        self.answer_forms.append(f"{key}{index}")
        return option

    def coin(self, p: float = 0.5) -> bool:
        return self.r.random() < p

    @property
    def strategy(self) -> str:
        return "+".join(self.forms)


# --------------------------------------------------------------------------- typed reports

VAR = {"ruff": ["r", "lint", "result", "res"], "ty": ["r", "types", "result", "check"],
       "pytest": ["r", "tests", "result", "run"]}  # fmt: skip
LOOP = {"ruff": ["v", "item", "hit"], "ty": ["e", "err", "diag"], "pytest": ["f", "fail", "case"]}
CALL = {"ruff": "ruff_check", "ty": "typecheck", "pytest": "pytest_run"}
COLL = {"ruff": "violations", "ty": "errors", "pytest": "failures"}

# Each header prints one line and says what it shows: count (of the items), errors/fixable,
# passed/failed/total, flag (success only).
HEADERS = {
    "ruff": [
        ('if not $coll:\n    print("no violations")\n', {"empty"}),
        ('print(len($coll), "violations")\n', {"count"}),
        ('print(f"{$r.error_count} errors, {$r.fixable_count} fixable")\n', {"errors", "fixable"}),
        ('print("clean" if $r.success else f"{len($coll)} problems")\n', {"count_if_dirty", "flag"}),
        ('print("ruff ok:", $r.success)\n', {"flag"}),
        ('print(f"violations: {len($coll)}")\n', {"count"}),
    ],
    "ty": [
        ('if not $coll:\n    print("no type errors")\n', {"empty"}),
        ('print($r.error_count, "errors,", $r.warning_count, "warnings")\n', {"errors", "warnings"}),
        ('print("success:", $r.success)\n', {"flag"}),
        ('print(f"{len($coll)} diagnostics")\n', {"count"}),
        ('print("ok" if $r.success else f"{$r.error_count} error(s)")\n', {"errors_if_dirty", "flag"}),
        ('print(f"errors={$r.error_count} warnings={$r.warning_count}")\n', {"errors", "warnings"}),
    ],
    "pytest": [
        ('if $r.success:\n    print("all", $r.total, "passed")\n', {"total_if_green"}),
        ('print($r.passed, "passed,", $r.failed, "failed,", $r.error_count, "errors")\n', {"passed", "failed", "errors"}),
        ('print(f"{$r.passed}/{$r.total} passed")\n', {"passed", "total"}),
        ('print("success:", $r.success, "total:", $r.total)\n', {"flag", "total"}),
        ('print("green" if $r.success else f"{$r.failed} failed, {$r.error_count} errors")\n', {"flag", "failed_if_red", "errors_if_red"}),
        ('print(f"passed={$r.passed} failed={$r.failed} skipped={$r.skipped}")\n', {"passed", "failed", "skipped"}),
    ],
}  # fmt: skip

# Each item form prints one line (or two) per item and says which fields it shows.
ITEMS = {
    "ruff": [
        ('for $v in $coll:\n    print(f"{$v.file}:{$v.line}:{$v.column} {$v.code} {$v.message}")\n', {"file", "line", "code", "message"}),
        ("for $v in $coll:\n    print($v.code, $v.file, $v.line, $v.message)\n", {"file", "line", "code", "message"}),
        ('print("\\n".join(f"{$v.line} {$v.code} {$v.message}" for $v in $coll))\n', {"line", "code", "message"}),
        ("for $v in sorted($coll, key=lambda x: (x.file, x.line)):\n    print($v.file, $v.line, $v.code)\n", {"file", "line", "code"}),
        ('for n, $v in enumerate($coll, 1):\n    print(f"{n}. {$v.file} line {$v.line}: {$v.code} ({$v.message})")\n', {"file", "line", "code", "message"}),
        ("rows = [($v.file, $v.line, $v.code, $v.message) for $v in $coll]\nfor row in rows:\n    print(*row)\n", {"file", "line", "code", "message"}),
        ('by_code = {}\nfor $v in $coll:\n    by_code.setdefault($v.code, []).append($v.line)\nfor code, where in by_code.items():\n    print(code, "at lines", where)\n', {"line", "code"}),
    ],
    "ty": [
        ('for $v in $coll:\n    print(f"{$v.file}:{$v.line}: {$v.code}: {$v.message}")\n', {"file", "line", "code", "message"}),
        ("for $v in $coll:\n    print($v.severity, $v.code, $v.file, $v.line, $v.message)\n", {"file", "line", "code", "message", "severity"}),
        ('print("\\n".join(f"line {$v.line} [{$v.code}] {$v.message}" for $v in $coll))\n', {"line", "code", "message"}),
        ("for $v in sorted($coll, key=lambda x: x.line):\n    print($v.file, $v.line, $v.code)\n", {"file", "line", "code"}),
        ('for n, $v in enumerate($coll, 1):\n    print(f"{n}) {$v.file}:{$v.line} {$v.message} ({$v.code})")\n', {"file", "line", "code", "message"}),
        ('found = [($v.line, $v.code, $v.message) for $v in $coll if $v.severity == "error"]\nfor line, code, message in found:\n    print(line, code, message)\n', {"line", "code", "message"}),
    ],
    "pytest": [
        ('for $v in $coll:\n    print($v.test_id)\n    print("   ", $v.message.split("\\n")[0])\n', {"test_id", "message"}),
        ('for $v in $coll:\n    first = ($v.message.splitlines() or [""])[0]\n    print(f"FAILED {$v.test_id}: {first}")\n', {"test_id", "message"}),
        ('print("\\n".join($v.test_id for $v in $coll))\n', {"test_id"}),
        ('for n, $v in enumerate($coll, 1):\n    print(n, $v.test_id, "->", $v.message.split("\\n")[0])\n', {"test_id", "message"}),
        ("failing = sorted($v.test_id for $v in $coll)\nif failing:\n    print(\"failing:\", failing)\n", {"test_id"}),
        ('for $v in $coll:\n    print($v.test_id)\n    for line in $v.message.splitlines()[:2]:\n        print("   ", line)\n', {"test_id", "message", "message2"}),
    ],
}  # fmt: skip

# One-line reports for re-checks and multi-tool turns (short outputs keep examples in budget).
COMPACT = {
    "ruff": [
        (
            'print("ruff:", len($coll), "violations", [f"{$v.line}:{$v.code}" for $v in $coll])\n',
            {"count", "line", "code"},
        ),
        (
            'print("lint clean" if $r.success else [($v.file, $v.line, $v.code) for $v in $coll])\n',
            {"flag", "file", "line", "code"},
        ),
        (
            'print(f"ruff {len($coll)}:", ", ".join(f"{$v.code} line {$v.line}" for $v in $coll))\n',
            {"count", "line", "code"},
        ),
        (
            'print("ruff ok" if not $coll else "ruff: " + "; ".join(f"{$v.file}:{$v.line} {$v.code}" for $v in $coll))\n',
            {"empty", "file", "line", "code"},
        ),
    ],
    "ty": [
        (
            'print("ty:", $r.error_count, "errors", [($v.line, $v.code) for $v in $coll])\n',
            {"errors", "line", "code"},
        ),
        (
            'print("types ok" if $r.success else [f"{$v.file}:{$v.line} {$v.code}" for $v in $coll])\n',
            {"flag", "file", "line", "code"},
        ),
        (
            'print(f"ty {len($coll)}:", ", ".join(f"{$v.code} line {$v.line}" for $v in $coll))\n',
            {"count", "line", "code"},
        ),
        (
            'print("ty ok" if not $coll else "ty: " + "; ".join(f"{$v.file}:{$v.line} {$v.code}" for $v in $coll))\n',
            {"empty", "file", "line", "code"},
        ),
    ],
    "pytest": [
        (
            'print("pytest:", $r.passed, "passed,", $r.failed, "failed", [$v.test_id for $v in $coll])\n',
            {"passed", "failed", "test_id"},
        ),
        (
            'print("tests green" if $r.success else [$v.test_id for $v in $coll])\n',
            {"flag", "test_id"},
        ),
        (
            'print(f"{$r.passed}/{$r.total} passed", [$v.test_id for $v in $coll] or "")\n',
            {"passed", "total", "test_id"},
        ),
        (
            'print("tests:", "ok" if $r.success else f"{$r.failed} failed, {$r.error_count} errors")\n',
            {"flag", "failed_if_red", "errors_if_red"},
        ),
    ],
}

GUARDS = [
    ("", False),
    ('if $r.tool_error:\n    print("$tool could not run:", $r.tool_error)\nelse:\n', True),
]


@dataclass
class Report:
    """One typed check as code, and what its output shows (for the answer)."""

    tool: str  # ruff | ty | pytest
    path: str
    var: str
    code: str
    shows: set[str]
    filter_code: str | None = None  # ruff/ty: only this rule was printed


def report(ctx: Ctx, tool: str, path: str, *, key: str = "", filter_code: str | None = None,
           items: bool = True, header: bool = True, compact: bool = False) -> Report:  # fmt: skip
    """`r = <tool>(path)` and prints: an optional guard, a header line, the items (or, compact,
    one line with the count and where)."""
    key = key or tool
    var = ctx.r.choice(VAR[tool])
    loop = ctx.r.choice(LOOP[tool])
    call = f'{var} = {CALL[tool]}("{path}")\n'
    coll = f"{var}.{COLL[tool]}"
    if compact and filter_code is None:
        template, shows = ctx.form(f"{key}.compact", COMPACT[tool])
        return Report(tool, path, var, call + fill(template, coll=coll, r=var, v=loop), set(shows))
    body = ""
    shows: set[str] = set()
    if filter_code is not None:
        style = ctx.form(f"{key}.filter", range(3))
        name = ctx.r.choice(["hits", "found", "matches", "wanted"])
        if style == 0:
            body += f'{name} = [{loop} for {loop} in {coll} if {loop}.code == "{filter_code}"]\n'
        elif style == 1:
            body += f'{name} = []\nfor {loop} in {coll}:\n    if {loop}.code == "{filter_code}":\n        {name}.append({loop})\n'
        else:
            body += f'{name} = [{loop} for {loop} in {coll} if {loop}.code in ("{filter_code}",)]\n'
        coll = name
        shows.add("filtered")
    if header:
        template, header_shows = ctx.form(f"{key}.header", HEADERS[tool])
        if filter_code is not None and ("errors" in header_shows or "fixable" in header_shows):
            template, header_shows = HEADERS[tool][1 if tool != "ty" else 3]
        body += fill(template, coll=coll, r=var)
        shows |= header_shows
    if items:
        template, item_shows = ctx.form(f"{key}.items", ITEMS[tool])
        body += fill(template, coll=coll, v=loop)
        shows |= item_shows
    guard, guarded = ctx.form(f"{key}.guard", GUARDS)
    if guarded:
        body = fill(guard, r=var, tool=tool) + indent(body)
    return Report(tool, path, var, call + body, shows, filter_code)


# --------------------------------------------------------------------------- reading


def numbered_window(ctx: Ctx, path: str, line: int, *, key: str = "read") -> str:
    """Lines around a line number an earlier output showed (margins of up to 2 lines)."""
    form = ctx.form(f"{key}.window", range(5))
    if form == 0:
        return (
            f'lines = read_file("{path}").splitlines()\n'
            f"for n in range(max(1, {line} - 2), min(len(lines), {line} + 2) + 1):\n"
            "    print(n, lines[n - 1])\n"
        )
    if form == 1:
        return (
            f'source = read_file("{path}").split("\\n")\n'
            f"start = max(0, {line} - 3)\n"
            f"for offset, text in enumerate(source[start : {line} + 2]):\n"
            '    print(f"{start + offset + 1:>4}  {text}")\n'
        )
    if form == 2:
        return (
            f'lines = read_file("{path}").splitlines()\n'
            f"for n, text in enumerate(lines, 1):\n"
            f"    if abs(n - {line}) <= 2:\n"
            "        print(n, text)\n"
        )
    if form == 3:
        return (
            f'text = read_file("{path}")\n'
            f"wanted = {line}\n"
            "for n, row in enumerate(text.splitlines(), start=1):\n"
            "    if wanted - 1 <= n <= wanted + 1:\n"
            '        print(f"{n}: {row}")\n'
        )
    return (
        f'rows = read_file("{path}").splitlines()\n'
        f"print({line}, rows[{line} - 1])\n"
        f'print({line} + 1, rows[{line}] if {line} < len(rows) else "")\n'
    )


def windows_at(ctx: Ctx, spots: list[tuple[str, int]], *, key: str = "read") -> str:
    """Windows around several (file, line) spots, in one turn."""
    if len(spots) == 1:
        return numbered_window(ctx, *spots[0], key=key)
    form = ctx.form(f"{key}.spots", range(3))
    listing = ", ".join(f'("{f}", {n})' for f, n in spots)
    if form == 0:
        return (
            f"for path, line in [{listing}]:\n"
            "    lines = read_file(path).splitlines()\n"
            '    print("--", path)\n'
            "    for n in range(max(1, line - 1), min(len(lines), line + 1) + 1):\n"
            "        print(n, lines[n - 1])\n"
        )
    if form == 1:
        return (
            f"spots = [{listing}]\n"
            "cache = {}\n"
            "for path, line in spots:\n"
            "    if path not in cache:\n"
            '        cache[path] = read_file(path).split("\\n")\n'
            '    print(f"{path}:{line}: {cache[path][line - 1]}")\n'
        )
    return "".join(f'print("{f}", {n}, read_file("{f}").splitlines()[{n} - 1])\n' for f, n in spots)


def typed_windows(
    ctx: Ctx, tool: str, path: str, *, key: str = "read", compact: bool = False
) -> str:
    """Re-run a check and print the source lines around what it reports (no literal numbers);
    compact: only the reported line itself."""
    call, coll, loop = CALL[tool], COLL[tool], LOOP[tool][0]
    if compact:
        form = ctx.form(f"{key}.typed1", range(3))
        if form == 0:
            return (
                f'for {loop} in {call}("{path}").{coll}:\n'
                f'    print({loop}.file, {loop}.line, {loop}.code, "|", read_file({loop}.file).splitlines()[{loop}.line - 1].strip())\n'
            )
        if form == 1:
            return (
                f'found = {call}("{path}").{coll}\n'
                f"for {loop} in found:\n"
                f'    text = read_file({loop}.file).split("\\n")[{loop}.line - 1]\n'
                f'    print(f"{{{loop}.file}}:{{{loop}.line}} [{{{loop}.code}}] {{text.strip()}}")\n'
            )
        return (
            f'rows = [({loop}.file, {loop}.line, {loop}.code) for {loop} in {call}("{path}").{coll}]\n'
            "for file, line, code in rows:\n"
            "    print(code, file, line, read_file(file).splitlines()[line - 1])\n"
        )
    form = ctx.form(f"{key}.typed", range(3))
    if form == 0:
        return (
            f'for {loop} in {call}("{path}").{coll}:\n'
            f"    lines = read_file({loop}.file).splitlines()\n"
            f'    print(f"== {{{loop}.file}}:{{{loop}.line}} {{{loop}.code}}")\n'
            f"    for n in range(max(1, {loop}.line - 1), min(len(lines), {loop}.line + 1) + 1):\n"
            "        print(n, lines[n - 1])\n"
        )
    if form == 1:
        return (
            f'result = {call}("{path}")\n'
            "files = {}\n"
            f"for {loop} in result.{coll}:\n"
            f"    if {loop}.file not in files:\n"
            f"        files[{loop}.file] = read_file({loop}.file).splitlines()\n"
            f"    print({loop}.file, {loop}.line, {loop}.code, '|', files[{loop}.file][{loop}.line - 1].strip())\n"
        )
    return (
        f'checked = {call}("{path}")\n'
        f"for {loop} in checked.{coll}:\n"
        f'    source = read_file({loop}.file).split("\\n")\n'
        f"    print({loop}.file, {loop}.code, {loop}.message)\n"
        f'    print(f"  {{{loop}.line}}: {{source[{loop}.line - 1]}}")\n'
    )


def function_body(
    ctx: Ctx, path: str, name: str, *, key: str = "func", method: bool = False
) -> str:
    """Print a function found by its header, from `def` to the end of its block."""
    needle = f"def {name}("
    form = ctx.form(f"{key}.body", range(4))
    if form == 0:
        return (
            f'lines = read_file("{path}").splitlines()\n'
            f'start = [i for i, line in enumerate(lines) if line.lstrip().startswith("{needle}")][0]\n'
            "depth = len(lines[start]) - len(lines[start].lstrip())\n"
            "end = start + 1\n"
            "while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > depth):\n"
            "    end += 1\n"
            "while not lines[end - 1].strip():\n"
            "    end -= 1\n"
            "for n in range(start, end):\n"
            "    print(n + 1, lines[n])\n"
        )
    if form == 1:
        return (
            f'source = read_file("{path}").split("\\n")\n'
            "inside = False\n"
            "for n, line in enumerate(source, 1):\n"
            f'    if line.strip().startswith("{needle}"):\n'
            "        inside = True\n"
            "        margin = len(line) - len(line.lstrip())\n"
            "    elif inside and line.strip() and len(line) - len(line.lstrip()) <= margin:\n"
            "        break\n"
            "    if inside and line.strip():\n"
            '        print(f"{n:>3} {line}")\n'
        )
    if form == 2:
        return (
            f'text = read_file("{path}")\n'
            f'head = text.rfind("\\n", 0, text.index("{needle}")) + 1\n'
            'first = text.count("\\n", 0, head) + 1\n'
            'body = text[head:].split("\\n")\n'
            "shown = [body[0]]\n"
            "for line in body[1:]:\n"
            '    if line and not line.startswith(" " * (len(body[0]) - len(body[0].lstrip()) + 1)):\n'
            "        break\n"
            "    shown.append(line)\n"
            "while shown and not shown[-1].strip():\n"
            "    shown.pop()\n"
            "for k, line in enumerate(shown):\n"
            "    print(first + k, line)\n"
        )
    return (
        f'lines = read_file("{path}").splitlines()\n'
        f'starts = [i for i, line in enumerate(lines) if "{needle}" in line]\n'
        "i = starts[0]\n"
        "pad = lines[i][: len(lines[i]) - len(lines[i].lstrip())]\n"
        "block = [lines[i]]\n"
        "for line in lines[i + 1 :]:\n"
        '    if line.strip() and not line.startswith(pad + " "):\n'
        "        break\n"
        "    block.append(line)\n"
        "while not block[-1].strip():\n"
        "    block.pop()\n"
        "for k, line in enumerate(block, start=i + 1):\n"
        "    print(k, line)\n"
    )


def grep(ctx: Ctx, needle: str, where: str, *, key: str = "grep", words: bool = False,
         recursive: bool = False) -> str:  # fmt: skip
    flags = "-n" + ("r" if recursive else "") + ("w" if words else "")
    form = ctx.form(f"{key}.grep", range(4))
    include = ["--include=*.py"] if recursive and form in (1, 3) else []
    args = ", ".join(f'"{a}"' for a in [flags, *include, needle, where])
    if form in (0, 1):
        return f'print(run_command("grep", [{args}]))\n'
    if form == 2:
        return f'out = run_command("grep", [{args}])\nprint(out.strip() or "no match")\n'
    return (
        f'hits = run_command("grep", [{args}]).splitlines()\n'
        'print(len(hits), "matching lines")\n'
        "for hit in hits:\n"
        "    print(hit)\n"
    )


# --------------------------------------------------------------------------- editing


def pylit(text: str) -> str:
    """A Python literal for `text`: triple-quoted when that is safe (shorter, readable), else repr."""
    safe = all(c == "\n" or c.isprintable() for c in text)
    if "\n" in text and safe and '"""' not in text and "\\" not in text and not text.endswith('"'):
        return '"""' + text + '"""'
    return repr(text)


def _lines_literal(lines: Sequence[str]) -> str:
    return pylit("\n".join(lines) + "\n") if lines else '""'


def edit(ctx: Ctx, hunks: Sequence, *, key: str = "edit", line_ok: bool = True) -> str:
    """Write the fix of `hunks` (all in one file): exact replacement, line edits or re.sub."""
    path = hunks[0].file
    single = len(hunks) == 1 and len(hunks[0].planted) <= 1
    options = ["replace", "replace-checked"]
    if line_ok and single:
        options.append("lines")
    words = [_word_change(h) for h in hunks]
    if all(words):
        options.append("regex")
    if line_ok and not single and all(h.planted for h in hunks):
        options.append("ranges")
        if sum(len(h.planted) for h in hunks) > 6:  # prefer not to repeat a long block
            options += ["ranges", "ranges"]
    choice = ctx.form(f"{key}.how", options)
    if choice == "ranges":
        body = f'path = "{path}"\nlines = read_file(path).split("\\n")\n'
        for h in sorted(hunks, key=lambda h: -h.start):
            end = h.start + len(h.planted) - 1
            new_text = pylit("\n".join(h.clean))
            body += (
                f'lines[{h.start} - 1 : {end}] = {new_text}.split("\\n")\n'
                if h.clean
                else f"lines[{h.start} - 1 : {end}] = []\n"
            )
        return body + 'write_file(path, "\\n".join(lines))\n'
    if choice == "regex":
        body = f'path = "{path}"\nsource = read_file(path)\n'
        for old, new in {w for w in words if w}:
            body += f'source = re.sub(r"\\b{old}\\b", "{new}", source)\n'
        return "import re\n\n" + body + "write_file(path, source)\n"
    if choice == "lines":
        h = hunks[0]
        body = f'path = "{path}"\nlines = read_file(path).split("\\n")\n'
        if not h.planted:  # pure insertion after line h.start
            body += f"lines[{h.start}:{h.start}] = {list(h.clean)!r}\n"
        elif not h.clean:
            body += f"lines.pop({h.start} - 1)\n"
        elif len(h.clean) == 1:
            body += f"lines[{h.start} - 1] = {h.clean[0]!r}\n"
        else:
            body += f"lines[{h.start} - 1 : {h.start}] = {list(h.clean)!r}\n"
        return body + 'write_file(path, "\\n".join(lines))\n'
    body = f'path = "{path}"\nsource = read_file(path)\n'
    pairs = [(_lines_literal(h.planted), _lines_literal(h.clean)) for h in hunks]
    if choice == "replace":
        for old, new in pairs:
            body += f"source = source.replace({old}, {new}, 1)\n"
        return body + "write_file(path, source)\n"
    body += "fixed = source\n"
    for old, new in pairs:
        body += f"fixed = fixed.replace({old}, {new}, 1)\n"
    return (
        body
        + 'if fixed == source:\n    print("nothing changed")\nelse:\n    write_file(path, fixed)\n'
    )


def _word_change(h) -> tuple[str, str] | None:
    """(old, new) when the hunk changes exactly one identifier on one line."""
    if len(h.planted) != 1 or len(h.clean) != 1:
        return None
    a = re.findall(r"\w+|\W", h.planted[0])
    b = re.findall(r"\w+|\W", h.clean[0])
    if len(a) != len(b):
        return None
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(diff) == 1 and diff[0][0].isidentifier() and diff[0][1].isidentifier():
        return diff[0]
    return None


def class_head(ctx: Ctx, path: str, name: str, *, key: str = "class") -> str:
    """Print a class's outline: its `class` line, fields and method headers, and the
    attributes its methods set on `self`."""
    form = ctx.form(f"{key}.head", range(2))
    if form == 0:
        return (
            f'lines = read_file("{path}").splitlines()\n'
            f'start = [i for i, line in enumerate(lines) if line.startswith("class {name}")][0]\n'
            "print(start + 1, lines[start])\n"
            "for n in range(start + 1, len(lines)):\n"
            "    line = lines[n]\n"
            '    if line.strip() and not line.startswith(" "):\n'
            "        break\n"
            '    if (line.startswith("    ") and not line.startswith("     ")) or line.lstrip().startswith("self."):\n'
            '        if not line.strip().startswith(("#", \'"""\')):\n'
            "            print(n + 1, line)\n"
        )
    return (
        f'source = read_file("{path}").split("\\n")\n'
        "inside = False\n"
        "for n, line in enumerate(source, 1):\n"
        f'    if line.startswith("class {name}"):\n'
        "        inside = True\n"
        "        print(n, line)\n"
        "        continue\n"
        '    if inside and line.strip() and not line.startswith(" "):\n'
        "        break\n"
        '    if inside and (line.lstrip().startswith(("def ", "self.", "@")) or (line.startswith("    ") and not line.startswith("     ") and ":" in line)):\n'
        '        print(f"{n:>3} {line}")\n'
    )


def function_at(ctx: Ctx, path: str, line: int, *, key: str = "around") -> str:
    """Print the function that holds a line number an output showed: walk up to its `def`,
    then down to the end of its block."""
    form = ctx.form(f"{key}.at", range(2))
    if form == 0:
        return (
            f'lines = read_file("{path}").splitlines()\n'
            f"start = {line} - 1\n"
            'while start > 0 and not lines[start].lstrip().startswith(("def ", "async def ")):\n'
            "    start -= 1\n"
            "depth = len(lines[start]) - len(lines[start].lstrip())\n"
            "end = start + 1\n"
            "while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > depth):\n"
            "    end += 1\n"
            "while not lines[end - 1].strip():\n"
            "    end -= 1\n"
            "for n in range(start, end):\n"
            "    print(n + 1, lines[n])\n"
        )
    return (
        f'source = read_file("{path}").split("\\n")\n'
        f"top = {line}\n"
        'while top > 1 and "def " not in source[top - 1]:\n'
        "    top -= 1\n"
        "indent = len(source[top - 1]) - len(source[top - 1].lstrip())\n"
        "n = top\n"
        "while n <= len(source):\n"
        "    text = source[n - 1]\n"
        "    if n > top and text.strip() and len(text) - len(text.lstrip()) <= indent:\n"
        "        break\n"
        "    if text.strip():\n"
        '        print(f"{n:>3} {text}")\n'
        "    n += 1\n"
    )


def grep_to_function(ctx: Ctx, needle: str, where: str, *, key: str = "trace") -> str:
    """Find a text (seen in a failure message) with grep, then print the function holding the
    first hit — the line number is read from grep's output at run time, not written in."""
    form = ctx.form(f"{key}.grep", range(2))
    head = (
        f'hits = [h for h in run_command("grep", ["-rn", "{needle}", "{where}"]).splitlines() if h.count(":") >= 2]\n'
        'path, number = hits[0].split(":")[0], int(hits[0].split(":")[1])\n'
    )
    if form == 0:
        return head + (
            "lines = read_file(path).splitlines()\n"
            "start = number - 1\n"
            'while start > 0 and not lines[start].lstrip().startswith("def "):\n'
            "    start -= 1\n"
            "depth = len(lines[start]) - len(lines[start].lstrip())\n"
            "end = start + 1\n"
            "while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > depth):\n"
            "    end += 1\n"
            'print("==", path)\n'
            "for n in range(start, end):\n"
            "    if lines[n].strip():\n"
            "        print(n + 1, lines[n])\n"
        )
    return head + (
        'source = read_file(path).split("\\n")\n'
        "top = number\n"
        'while top > 1 and "def " not in source[top - 1]:\n'
        "    top -= 1\n"
        "margin = len(source[top - 1]) - len(source[top - 1].lstrip())\n"
        'print(f"{path} (grep hit on line {number})")\n'
        "for n in range(top, len(source) + 1):\n"
        "    text = source[n - 1]\n"
        "    if n > top and text.strip() and len(text) - len(text.lstrip()) <= margin:\n"
        "        break\n"
        "    if text.strip():\n"
        "        print(n, text)\n"
    )


def all_three(ctx: Ctx, path: str, tests: str, *, key: str = "all3") -> tuple[str, list[Report]]:
    """ty, ruff and pytest in one short turn that prints one summary line (re-checks)."""
    form = ctx.form(f"{key}.form", range(3))
    if form == 0:
        code = (
            f't, lint, run = typecheck("{path}"), ruff_check("{path}"), pytest_run("{tests}")\n'
            'print("ty", t.error_count, "| ruff", len(lint.violations), "| tests", run.passed, "passed", run.failed, "failed")\n'
        )
        shows = ({"errors"}, {"count"}, {"passed", "failed"})
    elif form == 1:
        code = (
            f'types = typecheck("{path}")\nlint = ruff_check("{path}")\nrun = pytest_run("{tests}")\n'
            'print(f"ty: {types.error_count} errors, ruff: {len(lint.violations)} violations, pytest: {run.passed}/{run.total}")\n'
        )
        shows = ({"errors"}, {"count"}, {"passed", "total"})
    else:
        code = (
            f'checks = {{"ty": typecheck("{path}").success, "ruff": ruff_check("{path}").success, "pytest": pytest_run("{tests}").success}}\n'
            "print(checks)\n"
        )
        shows = ({"flag"}, {"flag"}, {"flag"})
    reports = [
        Report(tool, p, "", "", set(s))
        for tool, p, s in zip(("ty", "ruff", "pytest"), (path, path, tests), shows, strict=True)
    ]
    return code, reports


def paragraph_at(ctx: Ctx, path: str, line: int, *, key: str = "para") -> str:
    """Print from a reported line down to the next blank line (the statement block it starts)."""
    form = ctx.form(f"{key}.form", range(2))
    if form == 0:
        return (
            f'lines = read_file("{path}").splitlines()\n'
            f"n = {line} - 1\n"
            "while n < len(lines) and lines[n].strip():\n"
            "    print(n + 1, lines[n])\n"
            "    n += 1\n"
        )
    return (
        f'rows = read_file("{path}").split("\\n")\n'
        f"for k in range({line}, len(rows) + 1):\n"
        "    if not rows[k - 1].strip():\n"
        "        break\n"
        '    print(f"{k}: {rows[k - 1]}")\n'
    )
