"""Sentences built from a typed result, limited to what the code printed (its `shows`).

A report that printed no count gets no count in its answer; a report that printed no file names
names no file. Phrasings are chosen per split (the answer template) when the spec is made.
"""

from __future__ import annotations

from typing import Any

from punie_datagen.generators.base import plural
from punie_datagen.generators.snippets import Ctx, Report

__all__ = ["Phrasing", "clean_line", "describe", "phrasing"]

MAX_ITEMS = 6


class Phrasing:
    """The answer wording chosen for one spec (index into each tool's phrasings)."""

    def __init__(self, ctx: Ctx, key: str) -> None:
        self.dirty = ctx.phrase(f"ans.{key}.dirty", range(4))
        self.clean = ctx.phrase(f"ans.{key}.clean", range(4))


def _where(path: str) -> str:
    """How an answer names the checked path: the project for `.`, else the path in backticks."""
    return "the project" if path in (".", "./", "") else f"`{path}`"


def phrasing(ctx: Ctx, key: str) -> Phrasing:
    return Phrasing(ctx, key)


def _items(report: Report, result: dict[str, Any]) -> list[dict[str, Any]]:
    key = {"ruff": "violations", "ty": "errors", "pytest": "failures"}[report.tool]
    items = list(result.get(key, []))
    if report.filter_code is not None:
        items = [i for i in items if i.get("code") == report.filter_code]
    if report.tool == "ty" and "severity" not in report.shows and "flag" not in report.shows:
        pass
    return items


def _item_text(report: Report, item: dict[str, Any], single_file: bool) -> str:
    shows = report.shows
    if report.tool == "pytest":
        test_id = item["test_id"]
        first = (item.get("message") or "").split("\n")[0].strip()
        text = f"`{test_id}`"
        if "message" in shows and first:
            text += f" ({first})"
        return text
    where = ""
    if "file" in shows and "line" in shows:
        where = f" at `{item['file']}:{item['line']}`"
    elif "line" in shows:
        where = f" on line {item['line']}" + (f" of `{report.path}`" if single_file else "")
    elif "file" in shows:
        where = f" in `{item['file']}`"
    text = f"{item['code']}{where}"
    if "message" in shows and item.get("message"):
        text += f": {item['message']}"
    return text


def clean_line(report: Report, result: dict[str, Any]) -> bool:
    """Whether the printed output shows a clean result."""
    if report.tool == "pytest":
        return bool(result.get("success"))
    return not _items(report, result)


def brief(report: Report, result: dict[str, Any]) -> str:
    """A short clause for answers that report several checks: `ruff: F401 on line 3`."""
    shows = set(report.shows)
    items = _items(report, result)
    if report.tool == "pytest":
        if not result.get("success"):
            shows |= {s.removesuffix("_if_red") for s in shows if s.endswith("_if_red")}
        counts = []
        if "passed" in shows:
            counts.append(
                f"{result['passed']} passed"
                + (f" of {result['total']}" if "total" in shows else "")
            )
        if "failed" in shows and result.get("failed"):
            counts.append(f"{result['failed']} failed")
        if "errors" in shows and result.get("error_count"):
            counts.append(plural(result["error_count"], "error"))
        if "total" in shows and "passed" in shows and not counts[0].endswith(str(result["total"])):
            pass
        tally = f" ({', '.join(counts)})" if counts else ""
        if result.get("success"):
            return f"tests pass{tally}"
        failing = ", ".join(f"`{i['test_id']}`" for i in items[:4]) if "test_id" in shows else ""
        return f"tests fail{tally}" + (f": {failing}" if failing else "")
    tool = "ruff" if report.tool == "ruff" else "ty"
    if not items:
        return f"{tool} clean"
    shows |= {s.removesuffix("_if_dirty") for s in shows if s.endswith("_if_dirty")}
    if "code" not in shows:  # only a count or a flag was printed
        if "count" in shows:
            return f"{tool}: {plural(len(items), 'finding')}"
        if "errors" in shows and report.tool == "ty":
            return f"ty: {plural(result['error_count'], 'error')}"
        return f"{tool} not clean"
    listed = "; ".join(_item_text(report, i, report.path.endswith(".py")) for i in items[:4])
    return f"{tool}: {listed}"


def describe(report: Report, result: dict[str, Any], style: Phrasing) -> str:
    """One or two sentences saying what the printed output of `report` shows."""
    text = _describe(report, result, style)
    return text[0].upper() + text[1:] if text.startswith("the ") else text


def _describe(report: Report, result: dict[str, Any], style: Phrasing) -> str:
    tool = {"ruff": "ruff", "ty": "ty", "pytest": "pytest"}[report.tool]
    path = report.path
    where = _where(path)
    single = path.endswith(".py")
    items = _items(report, result)
    shows = report.shows
    if report.tool == "pytest":
        if not result.get("success"):
            shows = shows | {s.removesuffix("_if_red") for s in shows if s.endswith("_if_red")}
        report = Report(
            report.tool, report.path, report.var, report.code, shows, report.filter_code
        )
        return _describe_tests(report, result, style, items)
    if items:
        shows = shows | {s.removesuffix("_if_dirty") for s in shows if s.endswith("_if_dirty")}
    what = {"ruff": "violation", "ty": "diagnostic"}[report.tool]
    if report.filter_code is not None:
        what = f"{report.filter_code} {what}"
    if not items:
        options = [
            f"{tool} finds no {what}s in {where}.",
            f"{where} is clean: {tool} reports no {what}s.",
            f"No {what}s — {tool} is happy with {where}.",
            f"Nothing to fix in {where}; {tool} reports no {what}s.",
        ]
        return options[style.clean]
    count = ""
    if "count" in shows or ("filtered" in shows and "count" in shows):
        count = plural(len(items), what)
    elif "errors" in shows and report.filter_code is None:
        key = "error_count"
        count = plural(result[key], "error")
    listed = [_item_text(report, i, single) for i in items[:MAX_ITEMS]]
    more = " (and more, see above)" if len(items) > MAX_ITEMS else ""
    joined = "; ".join(listed) + more
    head = f"{tool} reports {count} in {where}" if count else f"{tool} reports problems in {where}"
    options = [
        f"{head}: {joined}.",
        f"{joined}. That is what {tool} finds in {where}" + (f" ({count})." if count else "."),
        f"{where} is not clean. {head}: {joined}.",
        f"Here is what {tool} found in {where}" + (f", {count}" if count else "") + f": {joined}.",
    ]
    return options[style.dirty]


def _describe_tests(report: Report, result: dict[str, Any], style: Phrasing, items: list) -> str:
    shows = report.shows
    path = report.path
    where = _where(path)
    counts = []
    if "passed" in shows:
        counts.append(f"{result['passed']} passed")
    if "failed" in shows:
        counts.append(f"{result['failed']} failed")
    if "errors" in shows and result.get("error_count"):
        counts.append(plural(result["error_count"], "error"))
    if "skipped" in shows and result.get("skipped"):
        counts.append(f"{result['skipped']} skipped")
    if "total" in shows and ("passed" not in shows or "total_if_green" in shows):
        counts.append(f"{result['total']} collected")
    if "total_if_green" in shows and result.get("success"):
        counts.append(f"{result['total']} passed")
    tally = ", ".join(dict.fromkeys(counts))
    if result.get("success"):
        options = [
            f"The tests in {where} pass" + (f" ({tally})." if tally else "."),
            f"All green in {where}" + (f": {tally}." if tally else "."),
            f"pytest reports success for {where}" + (f" — {tally}." if tally else "."),
            f"Everything in {where} passes" + (f" ({tally})." if tally else "."),
        ]
        return options[style.clean]
    listed = [_item_text(report, i, False) for i in items[:MAX_ITEMS]]
    joined = "; ".join(listed)
    options = [
        f"The tests in {where} do not all pass" + (f" ({tally})" if tally else "") + (f": {joined}." if joined else "."),
        (f"Failing: {joined}." if joined else "Some tests fail.") + (f" pytest reports {tally} for {where}." if tally else ""),
        f"{where} is red" + (f" — {tally}" if tally else "") + (f". Failing: {joined}." if joined else "."),
        f"Not everything passes in {where}" + (f" ({tally})" if tally else "") + (f": {joined}." if joined else "."),
    ]  # fmt: skip
    return options[style.dirty]
