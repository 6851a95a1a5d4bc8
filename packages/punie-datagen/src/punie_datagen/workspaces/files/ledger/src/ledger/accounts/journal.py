"""The journal: balanced transactions between accounts of a chart.

A posting's amount is positive for a debit and negative for a credit. Every
transaction must balance: for each currency its postings sum to zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from ledger.accounts.chart import Account, AccountType, Chart
from ledger.money import Money


class UnbalancedError(ValueError):
    """A transaction's postings do not sum to zero."""


class UnknownAccount(KeyError):
    """A posting names an account that is not in the chart."""


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Money

    @property
    def is_debit(self) -> bool:
        return self.amount.amount > 0


@dataclass(frozen=True)
class Transaction:
    id: int
    on: date
    description: str
    postings: tuple[Posting, ...]
    voids: int | None = None

    def total_debits(self) -> dict[str, Money]:
        """Debits per currency."""
        totals: dict[str, Money] = {}
        for posting in self.postings:
            if posting.is_debit:
                currency = posting.amount.currency
                totals[currency] = totals.get(currency, Money.zero(currency)) + (
                    posting.amount
                )
        return totals


@dataclass
class Journal:
    """Transactions in the order they were recorded."""

    chart: Chart
    transactions: list[Transaction] = field(default_factory=list)
    _next_id: int = 1

    def record(
        self, on: date, description: str, postings: Iterable[Posting]
    ) -> Transaction:
        """Check and append a transaction; return it with its new id."""
        postings = tuple(postings)
        if len(postings) < 2:
            raise UnbalancedError("a transaction needs at least two postings")
        for posting in postings:
            if posting.account not in self.chart:
                raise UnknownAccount(posting.account)
        sums: dict[str, Money] = {}
        for posting in postings:
            currency = posting.amount.currency
            sums[currency] = sums.get(currency, Money.zero(currency)) + posting.amount
        for currency, total in sums.items():
            if not total.is_zero():
                raise UnbalancedError(f"{description}: off by {total} in {currency}")
        transaction = Transaction(self._next_id, on, description, postings)
        self._next_id += 1
        self.transactions.append(transaction)
        return transaction

    def transfer(
        self, on: date, description: str, debit: str, credit: str, amount: Money
    ) -> Transaction:
        """The common two-posting case: move `amount` from `credit` to `debit`."""
        return self.record(
            on, description, [Posting(debit, amount), Posting(credit, -amount)]
        )

    def find(self, transaction_id: int) -> Transaction:
        for transaction in self.transactions:
            if transaction.id == transaction_id:
                return transaction
        raise KeyError(f"no transaction {transaction_id}")

    def void(self, transaction_id: int, on: date) -> Transaction:
        """Record the reversal of a transaction; the original stays in the journal."""
        original = self.find(transaction_id)
        if any(t.voids == transaction_id for t in self.transactions):
            raise ValueError(f"transaction {transaction_id} is already void")
        reversed_postings = [Posting(p.account, -p.amount) for p in original.postings]
        reversal = self.record(on, f"void: {original.description}", reversed_postings)
        replaced = Transaction(
            reversal.id,
            reversal.on,
            reversal.description,
            reversal.postings,
            voids=transaction_id,
        )
        self.transactions[-1] = replaced
        return replaced

    def postings_for(
        self, account: str, until: date | None = None
    ) -> Iterator[tuple[Transaction, Posting]]:
        """Every posting to `account`, with its transaction, up to `until`."""
        for transaction in self.transactions:
            if until is not None and transaction.on > until:
                continue
            for posting in transaction.postings:
                if posting.account == account:
                    yield transaction, posting

    def balance(
        self, account: str, currency: str = "EUR", until: date | None = None
    ) -> Money:
        """Debits minus credits on `account` (in `currency`), up to `until`."""
        total = Money.zero(currency)
        for _, posting in self.postings_for(account, until):
            if posting.amount.currency == currency:
                total = total + posting.amount
        return total

    def natural_balance(self, account: Account, currency: str = "EUR") -> Money:
        """The balance as the account's owner reads it (credits positive for income)."""
        return self.balance(account.code, currency).times(account.normal_sign())

    def trial_balance(self, currency: str = "EUR") -> list[tuple[str, Money]]:
        """Every account with a non-zero balance, by code; the amounts sum to zero."""
        rows = []
        for code in sorted(self.chart.accounts):
            amount = self.balance(code, currency)
            if not amount.is_zero():
                rows.append((code, amount))
        return rows

    def totals_by_type(self, currency: str = "EUR") -> dict[AccountType, Money]:
        """Natural balances summed per account type."""
        totals: dict[AccountType, Money] = defaultdict(lambda: Money.zero(currency))
        for account in self.chart.accounts.values():
            totals[account.type] = totals[account.type] + self.natural_balance(
                account, currency
            )
        return dict(totals)
