from datetime import date
from decimal import Decimal

import pytest

from ledger.accounts.chart import AccountType
from ledger.accounts.journal import Journal, Posting, UnbalancedError, UnknownAccount
from ledger.money import Money, parse_money


def test_balance_is_debits_minus_credits(journal: Journal):
    assert journal.balance("1000") == parse_money("6300")
    assert journal.balance("1100") == parse_money("0")


def test_balance_until_a_date(journal: Journal):
    assert journal.balance("1000", until=date(2024, 1, 31)) == parse_money("3800")


def test_unbalanced_transaction_is_refused(journal: Journal):
    with pytest.raises(UnbalancedError):
        journal.record(
            date(2024, 3, 1),
            "typo",
            [Posting("1000", parse_money("10")), Posting("4000", parse_money("-1"))],
        )
    assert len(journal.transactions) == 5


def test_unknown_account_is_refused(journal: Journal):
    with pytest.raises(UnknownAccount):
        journal.transfer(date(2024, 3, 1), "gift", "9999", "1000", parse_money("5"))


def test_void_reverses_a_transaction(journal: Journal):
    reversal = journal.void(2, date(2024, 3, 1))
    assert reversal.voids == 2
    assert journal.balance("5000") == parse_money("0")
    with pytest.raises(ValueError):
        journal.void(2, date(2024, 3, 2))


def test_trial_balance_sums_to_zero(journal: Journal):
    rows = journal.trial_balance()
    codes = [code for code, _ in rows]
    assert codes == ["1000", "2000", "3000", "4000", "5000", "5100"]
    assert sum((amount for _, amount in rows), Money.zero()) == Money.zero()


def test_totals_by_type_read_naturally(journal: Journal):
    totals = journal.totals_by_type()
    assert totals[AccountType.INCOME] == parse_money("2500")
    assert totals[AccountType.EXPENSE] == parse_money("1284.90")
    assert totals[AccountType.ASSET] == parse_money("6300")


def test_total_debits_per_currency(journal: Journal):
    assert journal.find(4).total_debits() == {"EUR": Money(Decimal("84.90"))}
