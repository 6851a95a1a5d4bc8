"""Fixed-width text tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "<"  # "<" left, ">" right, "^" centre
    width: int | None = None  # None: as wide as the widest cell


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, ending in `…` when it was cut."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    return text[: width - 1] + "…"


def column_widths(columns: list[Column], rows: list[list[str]]) -> list[int]:
    widths = []
    for index, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
        else:
            cells = [row[index] for row in rows]
            widths.append(max([len(column.title), *map(len, cells)]))
    return widths


def render_table(
    columns: list[Column],
    rows: list[list[str]],
    footer: list[str] | None = None,
    gap: int = 2,
) -> str:
    """Header, rule, rows and an optional footer, each cell aligned in its column."""
    for row in [*rows, *([footer] if footer else [])]:
        if len(row) != len(columns):
            raise ValueError(f"row has {len(row)} cells for {len(columns)} columns")
    widths = column_widths(columns, rows + ([footer] if footer else []))
    spacer = " " * gap

    def line(cells: list[str]) -> str:
        parts = [
            f"{_clip(cell, width):{column.align}{width}}"
            for cell, column, width in zip(cells, columns, widths, strict=True)
        ]
        return spacer.join(parts).rstrip()

    out = [line([c.title for c in columns]), spacer.join("-" * w for w in widths)]
    out.extend(line(row) for row in rows)
    if footer:
        out.append(spacer.join("=" * w for w in widths))
        out.append(line(footer))
    return "\n".join(out)


def bar(count: int, total: int, width: int = 20, mark: str = "#") -> str:
    """A bar of `mark`s whose length is `count` out of `total`, scaled to `width`."""
    if total <= 0:
        return ""
    return mark * round(width * count / total)
