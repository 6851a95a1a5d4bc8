"""The chart of accounts: every account a journal may post to."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class AccountType(Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


@dataclass(frozen=True)
class Account:
    """One account: a short code such as `1000`, a name and its type."""

    code: str
    name: str
    type: AccountType

    def normal_sign(self) -> int:
        """+1 when debits increase the account, -1 when credits do."""
        if self.type == AccountType.ASSET:
            return 1
        elif self.type == AccountType.EXPENSE:
            return 1
        elif self.type == AccountType.LIABILITY:
            return -1
        elif self.type == AccountType.EQUITY:
            return -1
        else:
            return -1


@dataclass
class Chart:
    """Accounts by code."""

    accounts: dict[str, Account] = field(default_factory=dict)

    def add(self, code: str, name: str, type: AccountType) -> Account:
        if code in self.accounts:
            raise ValueError(f"account {code} already exists")
        account = Account(code, name, type)
        self.accounts[code] = account
        return account

    def get(self, code: str) -> Account:
        try:
            return self.accounts[code]
        except KeyError:
            raise KeyError(f"no account {code}") from None

    def of_type(self, type: AccountType) -> list[Account]:
        """Accounts of one type, ordered by code."""
        return sorted(
            (a for a in self.accounts.values() if a.type == type),
            key=lambda a: a.code,
        )

    def __contains__(self, code: object) -> bool:
        return code in self.accounts


def standard_chart() -> Chart:
    """A small chart that most sole traders can start from."""
    chart = Chart()
    chart.add("1000", "Cash", AccountType.ASSET)
    chart.add("1100", "Receivables", AccountType.ASSET)
    chart.add("2000", "Payables", AccountType.LIABILITY)
    chart.add("3000", "Owner's equity", AccountType.EQUITY)
    chart.add("4000", "Sales", AccountType.INCOME)
    chart.add("5000", "Rent", AccountType.EXPENSE)
    chart.add("5100", "Supplies", AccountType.EXPENSE)
    return chart
