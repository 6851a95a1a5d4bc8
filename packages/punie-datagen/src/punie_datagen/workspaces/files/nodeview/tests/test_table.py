import pytest

from nodeview.components.table import (
    Column,
    data_table,
    format_cell,
    pagination,
    sort_rows,
)
from nodeview.nodes import find_all, text_content

COLUMNS = [Column("city", "City"), Column("people", "Population", numeric=True)]
ROWS = [
    {"city": "Porto", "people": 231800},
    {"city": "Oslo", "people": 709037},
    {"city": "Vaduz", "people": None},
]


def cells(table):
    rows = find_all(table, "tr")[1:]
    return [[text_content(td) for td in find_all(tr, "td")] for tr in rows]


def test_format_cell():
    money = Column("total", "Total", numeric=True, decimals=2)
    assert format_cell(1234.5, money) == "1,234.50"
    assert format_cell(None, money) == "–"
    assert format_cell("n/a", money) == "n/a"


def test_sort_rows_puts_missing_values_last():
    ordered = sort_rows(ROWS, "people", descending=True)
    assert [row["city"] for row in ordered] == ["Oslo", "Porto", "Vaduz"]


def test_table_sorted_by_a_column():
    table = data_table(COLUMNS, ROWS, sort_by="people")
    assert cells(table) == [["Porto", "231,800"], ["Oslo", "709,037"], ["Vaduz", "–"]]
    headers = find_all(table, "th")
    assert headers[1].attrs["aria-sort"] == "ascending"
    assert find_all(headers[1], "a")[0].attrs["href"] == "?sort=people&order=desc"


def test_empty_table_says_so():
    table = data_table(COLUMNS, [], empty="No cities yet.")
    (cell,) = find_all(table, "td")
    assert cell.attrs["colspan"] == 2
    assert text_content(cell) == "No cities yet."


def test_pagination_window_and_gaps():
    nav = pagination(6, 10)
    assert nav is not None
    assert [text_content(li) for li in find_all(nav, "li")] == [
        "1", "…", "4", "5", "6", "7", "8", "…", "10",
    ]  # fmt: skip


def test_single_page_needs_no_pagination():
    assert pagination(1, 1) is None
    with pytest.raises(ValueError):
        pagination(3, 2)
