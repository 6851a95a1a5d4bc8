from datetime import date

import pytest

from ledger.accounts.journal import Journal
from ledger.money import parse_money
from ledger.reports.statement import income_statement, render


def test_income_statement_for_the_quarter(journal: Journal):
    statement = income_statement(journal, date(2024, 1, 1), date(2024, 3, 31))
    assert [line.label for line in statement.income] == ["Sales"]
    assert [line.label for line in statement.expenses] == ["Rent", "Supplies"]
    assert statement.net_income() == parse_money("1215.10")


def test_income_statement_for_february_only(journal: Journal):
    statement = income_statement(journal, date(2024, 2, 1), date(2024, 2, 29))
    assert statement.income == []
    assert statement.total_expenses() == parse_money("84.90")


def test_period_must_not_end_before_it_starts(journal: Journal):
    with pytest.raises(ValueError):
        income_statement(journal, date(2024, 2, 1), date(2024, 1, 1))


def test_render_aligns_amounts(journal: Journal):
    text = render(income_statement(journal, date(2024, 1, 1), date(2024, 3, 31)))
    lines = text.splitlines()
    assert lines[0] == "Income statement 2024-01-01 to 2024-03-31"
    assert "  Sales" in lines[3] and lines[3].endswith("2,500.00")
    assert lines[-1].endswith("1,215.10 EUR")
    assert len({len(line) for line in lines[3:5]}) == 1
