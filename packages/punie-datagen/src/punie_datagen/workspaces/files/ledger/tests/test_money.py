from decimal import Decimal

import pytest

from ledger.money import CurrencyMismatch, Money, allocate, parse_money


def test_amounts_are_rounded_to_the_cent():
    assert Money(Decimal("10.005")).amount == Decimal("10.00")
    assert Money(Decimal("10.015")).amount == Decimal("10.02")


def test_adding_different_currencies_fails():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "USD")


def test_parse_money_reads_currency_and_thousands():
    assert parse_money("1,250.50 USD") == Money(Decimal("1250.50"), "USD")
    assert parse_money("-3") == Money(Decimal(-3), "EUR")


@pytest.mark.parametrize("text", ["", "12 EUR extra", "twelve EUR"])
def test_parse_money_rejects_bad_text(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_allocate_gives_leftover_cents_to_the_first_parts():
    parts = allocate(Money(Decimal("100.00")), [1, 1, 1])
    assert [str(p) for p in parts] == ["33.34 EUR", "33.33 EUR", "33.33 EUR"]
    assert sum((p.amount for p in parts), Decimal(0)) == Decimal("100.00")


def test_str_groups_thousands():
    assert str(Money(Decimal("1234567.8"), "GBP")) == "1,234,567.80 GBP"
