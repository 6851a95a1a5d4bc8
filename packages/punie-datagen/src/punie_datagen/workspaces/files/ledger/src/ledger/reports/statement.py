"""Income statements and balance summaries as plain text.

Figures come from the journal's natural balances, so income and expenses both read
as positive numbers and net income is income minus expenses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.accounts.chart import AccountType
from ledger.accounts.journal import Journal
from ledger.money import Money


@dataclass(frozen=True)
class Line:
    label: str
    amount: Money


@dataclass(frozen=True)
class IncomeStatement:
    start: date
    end: date
    income: list[Line]
    expenses: list[Line]
    currency: str

    def total_income(self) -> Money:
        return sum((line.amount for line in self.income), Money.zero(self.currency))

    def total_expenses(self) -> Money:
        return sum((line.amount for line in self.expenses), Money.zero(self.currency))

    def net_income(self) -> Money:
        return self.total_income() - self.total_expenses()


def _period_total(
    journal: Journal, code: str, start: date, end: date, currency: str
) -> Money:
    """Debits minus credits on `code` between `start` and `end`, both included."""
    total = Money.zero(currency)
    for transaction, posting in journal.postings_for(code, until=end):
        if transaction.on >= start and posting.amount.currency == currency:
            total = total + posting.amount
    return total


def income_statement(
    journal: Journal, start: date, end: date, currency: str = "EUR"
) -> IncomeStatement:
    """Income and expense accounts with activity in the period."""
    if end < start:
        raise ValueError("the period ends before it starts")
    income = []
    for account in journal.chart.of_type(AccountType.INCOME):
        amount = -_period_total(journal, account.code, start, end, currency)
        if not amount.is_zero():
            income.append(Line(account.name, amount))
    expenses = []
    for account in journal.chart.of_type(AccountType.EXPENSE):
        amount = _period_total(journal, account.code, start, end, currency)
        if not amount.is_zero():
            expenses.append(Line(account.name, amount))
    return IncomeStatement(start, end, income, expenses, currency)


def _fmt(amount: Money, width: int) -> str:
    return f"{amount.amount:,.2f}".rjust(width)


def render(statement: IncomeStatement, width: int = 40) -> str:
    """The statement as aligned text, one line per account and a total per section."""
    label_width = width - 14
    lines = [f"Income statement {statement.start} to {statement.end}", ""]
    lines.append("Income")
    for line in statement.income:
        lines.append(f"  {line.label:<{label_width}}{_fmt(line.amount, 12)}")
    total = statement.total_income()
    lines.append(f"  {'Total income':<{label_width}}{_fmt(total, 12)}")
    lines.append("Expenses")
    for line in statement.expenses:
        lines.append(f"  {line.label:<{label_width}}{_fmt(line.amount, 12)}")
    total = statement.total_expenses()
    lines.append(f"  {'Total expenses':<{label_width}}{_fmt(total, 12)}")
    lines.append("")
    net = statement.net_income()
    lines.append(f"{'Net income':<{label_width + 2}}{_fmt(net, 12)} {net.currency}")
    return "\n".join(lines)
