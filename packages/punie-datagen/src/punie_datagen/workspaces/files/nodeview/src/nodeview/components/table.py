"""Data tables with sortable headers, number formatting and pagination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nodeview.nodes import Element, Node, h

Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    numeric: bool = False
    decimals: int = 0


def format_cell(value: Cell, column: Column) -> str:
    """Numbers with thousands separators and the column's decimals; None as a dash."""
    if value is None:
        return "–"
    if column.numeric and isinstance(value, int | float):
        return f"{value:,.{column.decimals}f}"
    return str(value)


def _sort_key(value: Cell) -> tuple[int, float, str]:
    """Numbers before text; numbers by value, text by itself."""
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def sort_rows(
    rows: Sequence[Mapping[str, Cell]], key: str, descending: bool = False
) -> list[Mapping[str, Cell]]:
    """Rows ordered by one column; rows without a value go last either way."""
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    present.sort(key=lambda row: _sort_key(row[key]), reverse=descending)
    return present + missing


def header_cell(column: Column, sort_by: str, descending: bool) -> Element:
    """A <th> linking to this column's sort; a second click flips the order."""
    if column.key == sort_by:
        direction = "ascending" if not descending else "descending"
        next_order = "asc" if descending else "desc"
    else:
        direction = None
        next_order = "asc"
    link = h("a", {"href": f"?sort={column.key}&order={next_order}"}, column.title)
    return h("th", {"aria_sort": direction, "scope": "col"}, link)


def data_table(
    columns: list[Column],
    rows: Sequence[Mapping[str, Cell]],
    sort_by: str = "",
    descending: bool = False,
    empty: str = "Nothing to show.",
) -> Element:
    """A <table>; with no rows, a single cell spanning every column says `empty`."""
    head = h(
        "thead",
        None,
        h("tr", None, [header_cell(c, sort_by, descending) for c in columns]),
    )
    if not rows:
        body_rows: list[Node] = [
            h("tr", None, h("td", {"colspan": len(columns), "class_": "empty"}, empty))
        ]
    else:
        ordered = sort_rows(rows, sort_by, descending) if sort_by else list(rows)
        body_rows = [
            h(
                "tr",
                None,
                [
                    h(
                        "td",
                        {"class_": "num" if c.numeric else None},
                        format_cell(row.get(c.key), c),
                    )
                    for c in columns
                ],
            )
            for row in ordered
        ]
    return h("table", {"class_": "data"}, head, h("tbody", None, body_rows))


def pagination(page: int, pages: int, window: int = 2) -> Element | None:
    """Links to the pages around `page`, with first and last; None for one page."""
    if pages <= 1:
        return None
    if not 1 <= page <= pages:
        raise ValueError(f"page {page} is outside 1-{pages}")
    nearby = range(max(1, page - window), min(pages, page + window) + 1)
    shown = {1, pages, *nearby}
    items: list[Node] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            items.append(h("li", {"class_": "gap"}, "…"))
        if number == page:
            items.append(h("li", {"aria_current": "page"}, str(number)))
        else:
            link = h("a", {"href": f"?page={number}"}, str(number))
            items.append(h("li", None, link))
        previous = number
    return h("nav", {"class_": "pagination"}, h("ol", None, items))
