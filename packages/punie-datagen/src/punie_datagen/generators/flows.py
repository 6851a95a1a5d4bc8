"""Multi-turn shapes shared by the behaviours: check → read what it showed → fix → check again.

Every later turn is written from the records of the earlier ones: the read turn opens the
lines the check printed (or re-runs the check and reads around what it reports), the fix turn
replaces text the read turn printed (or edits a line number an output showed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from punie_datagen.clairvoyance import api_names
from punie_datagen.execute import StepError
from punie_datagen.generators import snippets as S
from punie_datagen.generators.answers import Phrasing, brief, describe, phrasing
from punie_datagen.generators.base import Job, builder, context_of, last_result, results
from punie_datagen.generators.facts import Hunk, enclosing, hunks
from punie_datagen.generators.snippets import Ctx, Report
from punie_datagen.workspaces import Project
from punie_tools import wire
from punie_tools.models import ExecutionRecord

__all__ = ["FIX_WHAT", "check_answer", "fix_spec", "planted_hunks", "tests_report"]

CALLS = {"ruff": "ruff_check", "ty": "typecheck", "pytest": "pytest_run"}

# What the fix did, per kind of problem: several phrasings (chosen per split).
FIX_WHAT = {
    "unused_import": ["removed the unused import", "dropped the import nothing uses", "deleted the unused import line"],
    "long_line": ["shortened the over-long line", "cut the long line down to the limit", "rewrote the long line so it fits"],
    "undefined_name": ["corrected the misspelt name", "fixed the name that was not defined", "replaced the undefined name with the right one"],
    "wrong_return": ["made the function return its annotated type again", "fixed the return value to match the annotation", "returned the declared type instead"],
    "bad_argument": ["passed an argument of the expected type", "fixed the call with the wrong argument type", "removed the badly typed argument"],
    "legacy_typing": ["replaced the deprecated `typing` alias with the builtin generic", "switched the old typing alias to the builtin type and dropped its import", "modernised the annotation and removed the `typing` import"],
    "logic_bug": ["fixed the logic in the code under test", "corrected the broken line in the implementation", "repaired the code the failing test exercises"],
    "broken_test_import": ["removed the import of a name the module does not define", "fixed the test module's import", "dropped the name that does not exist from the import"],
    "unused_variable": ["removed the unused variable", "dropped the assignment nothing reads", "deleted the dead assignment"],
    "mutable_default": ["replaced the mutable default argument", "stopped sharing a mutable default between calls", "fixed the mutable default"],
    "bare_except": ["narrowed the bare `except`", "caught a specific exception instead of everything", "replaced the bare except clause"],
    "missing_attribute": ["fixed the attribute that does not exist", "used the attribute the class really has", "corrected the attribute access"],
    "untyped": ["restored the annotations", "added the missing type hints", "annotated the parameters and the return type"],
}  # fmt: skip


def planted_hunks(job: Job) -> list[Hunk]:
    return hunks(dict(job.project.files), job.files)


def tests_path(project: Project) -> str:
    """Where a re-run of the tests points: `tests` when the project has that folder, else the
    top (tests next to the code are collected from there; no unrevealed folder is named)."""
    return "tests" if "tests" in project.test_roots else "."


def tests_report(ctx: Ctx, path: str = "tests") -> Report:
    return S.report(ctx, "pytest", path, key="pytest.after", compact=True)


def check_answer(report: Report, style: Phrasing, turn: int = 0):
    tool = CALLS[report.tool]

    def answer(records: list[ExecutionRecord]) -> str:
        return describe(report, last_result(records, tool, turn), style)

    return answer


def _spots(
    records: list[ExecutionRecord], tool: str, codes: Sequence[str]
) -> list[tuple[str, int]]:
    found = []
    for result in results(records[:1], CALLS[tool]):
        items = result.get("violations") or result.get("errors") or []
        for item in items:
            if not codes or item["code"] in codes:
                found.append((item["file"], item["line"]))
    return list(dict.fromkeys(found))


def _needed(job: Job, fix_hunks: list[Hunk]) -> set[str]:
    """Workspace names the fix will write (they must be on screen before it)."""
    api = api_names(job.files)
    return {w for h in fix_hunks for line in h.clean for w in re.findall(r"\w+", line) if w in api}


def read_turn(b: builder, ctx: Ctx, job: Job, request: str, tool: str, path: str,
              codes: Sequence[str], fix_hunks: list[Hunk] | None = None):  # fmt: skip
    """Open what the first turn's check reported: numbered windows, a re-run that reads around
    each finding, or the whole enclosing function when the fix needs more than a few lines."""
    needed = _needed(job, fix_hunks or [])

    def make(records: list[ExecutionRecord]) -> str:
        seen = context_of(request, records)
        spots = _spots(records, tool, codes)
        if not spots:
            raise StepError("the check reported nothing to read")
        file, line = spots[0]
        func = enclosing(file, job.files[file], line)
        nearby = "\n".join(job.files[file].split("\n")[max(0, line - 4) : line + 3])
        close = all(
            any(f == h.file and abs(n - k) <= 1 for f, n in spots)
            for h in (fix_hunks or [])
            for k in range(h.start, h.start + max(1, len(h.planted)))
        )  # every line to change is next to a reported line: a window shows it
        text_lines = job.files[file].split("\n")
        block_end = line
        while block_end < len(text_lines) and text_lines[block_end].strip():
            block_end += 1
        in_block = all(h.file == file and line <= h.start and h.start + len(h.planted) - 1 <= block_end
                       for h in (fix_hunks or []))  # fmt: skip
        options = ["typed"]
        if all(f in seen for f, _ in spots):
            options += ["windows", "windows"]
        if not close and in_block and file in seen:  # the change runs on below the reported line
            options = ["paragraph"]
        if func is not None and file in seen:
            options += ["function"] if func.name in seen else ["at-line"]
        if (
            options != ["paragraph"]
            and func is not None
            and file in seen
            and (not close or not all(n in seen or n in nearby for n in needed))
        ):
            options = [o for o in options if o in ("function", "at-line")] or options
        how = ctx.form(f"{tool}.read", ["windows", "typed", "function", "at-line", "paragraph"])
        if how not in options:
            how = options[ctx.r.randrange(len(options))]
        if how == "typed":
            return S.typed_windows(ctx, tool, path)
        if how == "function" and func is not None:
            return S.function_body(ctx, file, func.name)
        if how == "at-line":
            return S.function_at(ctx, file, line)
        if how == "paragraph":
            return S.paragraph_at(ctx, file, line)
        return S.windows_at(ctx, spots[:4])

    return b.turn(ctx, job, request, make)


def fix_turn(b: builder, ctx: Ctx, job: Job, request: str, fix_hunks: list[Hunk],
             after: list[Report]):  # fmt: skip
    """Apply the fix (file by file) and re-run the checks in `after`."""
    by_file: dict[str, list[Hunk]] = {}
    for h in fix_hunks:
        by_file.setdefault(h.file, []).append(h)

    def make(records: list[ExecutionRecord]) -> str:
        seen = context_of(request, records)
        code = ""
        for file, group in by_file.items():
            text = job.files[file]
            for h in group:
                if h.planted and text.count("\n".join(h.planted) + "\n") != 1:
                    raise StepError(f"{file}: the planted text is not unique")
                if not all(line.strip() in seen for line in h.planted if line.strip()):
                    raise StepError(f"{file}: the lines to change were never printed")
            code += S.edit(ctx, group, key="edit", line_ok=True)
        for report in after:
            code += report.code
        return code

    return b.turn(ctx, job, request, make)


def fix_spec(b: builder, ctx: Ctx, job: Job, request: str, template: str, *, tool: str,
             path: str, kind: str, codes: Sequence[str], extra_after: Sequence[str] = (),
             tests_path: str = "tests"):  # fmt: skip
    """check → read → fix + re-check (+ the other tools in `extra_after`)."""
    first = S.report(ctx, tool, path)
    after = [S.report(ctx, tool, path, key=f"{tool}.after", compact=ctx.coin(0.7))]
    for other in extra_after:
        after.append(
            tests_report(ctx, tests_path)
            if other == "pytest"
            else S.report(ctx, other, path, key=f"{other}.after", compact=True)
        )
    steps = [
        first.code,
        read_turn(b, ctx, job, request, tool, path, codes, planted_hunks(job)),
        fix_turn(b, ctx, job, request, planted_hunks(job), after),
    ]
    before_style = phrasing(ctx, f"{tool}.before")
    what = ctx.phrase(f"fix.{kind}", FIX_WHAT[kind])
    link = ctx.phrase("fix.link", ["Then I {what}.", "I {what}.", "So I {what}.", "Fix: I {what}."])

    def answer(records: list[ExecutionRecord]) -> str:
        if records[-1].error is not None:
            raise ValueError(f"the fix turn failed: {records[-1].error.message}")
        before = describe(first, last_result(records, CALLS[tool], 0), before_style)
        fixed = [brief(r, last_result(records, CALLS[r.tool], 2)) for r in after]
        return f"{before} {link.format(what=what)} Now: {'; '.join(fixed)}."

    return b.spec(ctx, job, request, template, steps, answer)


def output_of(records: list[ExecutionRecord], turn: int) -> str:
    return wire.format_tool_output(records[turn])


def results_clean(result: dict[str, Any], tool: str) -> bool:
    if tool == "pytest":
        return bool(result.get("success"))
    return not (result.get("violations") or result.get("errors"))
