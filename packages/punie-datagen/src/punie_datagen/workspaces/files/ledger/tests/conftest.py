from datetime import date

import pytest

from ledger.accounts.chart import Chart, standard_chart
from ledger.accounts.journal import Journal
from ledger.money import parse_money


@pytest.fixture
def chart() -> Chart:
    return standard_chart()


OPENING_MONTHS = [
    (date(2024, 1, 2), "owner invests", "1000", "3000", "5000"),
    (date(2024, 1, 5), "January rent", "5000", "1000", "1200"),
    (date(2024, 1, 20), "invoice 17", "1100", "4000", "2500"),
    (date(2024, 2, 3), "paper and ink", "5100", "2000", "84.90"),
    (date(2024, 2, 10), "invoice 17 paid", "1000", "1100", "2500"),
]


@pytest.fixture
def journal(chart: Chart) -> Journal:
    book = Journal(chart)
    for on, description, debit, credit, amount in OPENING_MONTHS:
        book.transfer(on, description, debit, credit, parse_money(amount))
    return book
