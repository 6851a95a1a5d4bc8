"""Money as an exact decimal amount in one currency.

Amounts are stored with two decimal places and rounded half-to-even, the way most
bank statements round. Arithmetic between different currencies is an error rather
than a silent conversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def _quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, order=True)
class Money:
    """An amount of one currency, always held to the cent."""

    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _quantize(Decimal(self.amount)))
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not a currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: int | Decimal) -> Money:
        """This amount multiplied by `factor`, rounded to the cent."""
        return Money(self.amount * factor, self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


def parse_money(text: str) -> Money:
    """Read `"12.50 EUR"` or `"-3 USD"`; a bare number is taken as euros."""
    parts = text.split()
    if not parts or len(parts) > 2:
        raise ValueError(f"cannot read an amount from {text!r}")
    currency = parts[1] if len(parts) == 2 else "EUR"
    try:
        amount = Decimal(parts[0].replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {parts[0]!r}") from None
    return Money(amount, currency)


def allocate(total: Money, ratios: list[int]) -> list[Money]:
    """Split `total` by `ratios` so that the parts add up to it exactly.

    Cents left over after rounding down go to the first parts, one each.
    """
    if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
        raise ValueError("ratios must be non-negative and not all zero")
    cents = int(total.amount * 100)
    weight = sum(ratios)
    shares = [cents * r // weight for r in ratios]
    remainder = cents - sum(shares)
    for index in range(remainder):
        shares[index] += 1
    return [Money(Decimal(share) / 100, total.currency) for share in shares]
