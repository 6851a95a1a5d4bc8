"""Double-entry bookkeeping with exact decimal money."""

from ledger.accounts.chart import Account, AccountType, Chart
from ledger.accounts.journal import Journal, Posting, Transaction, UnbalancedError
from ledger.money import Money, parse_money

__all__ = [
    "Account",
    "AccountType",
    "Chart",
    "Journal",
    "Money",
    "Posting",
    "Transaction",
    "UnbalancedError",
    "parse_money",
]
