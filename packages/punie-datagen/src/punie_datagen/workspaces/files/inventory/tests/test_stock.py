import pytest

from inventory.stock import Inventory, Item, low_stock, total_units


def make_inventory() -> Inventory:
    inventory = Inventory()
    inventory.add(Item("A1", "bolt", 10))
    inventory.add(Item("B2", "nut", 2))
    return inventory


def test_restock_adds_units():
    inventory = make_inventory()
    assert inventory.restock("B2", 5) == 7


def test_remove_takes_units():
    inventory = make_inventory()
    assert inventory.remove("A1", 4) == 6


def test_remove_too_many_raises():
    inventory = make_inventory()
    with pytest.raises(ValueError):
        inventory.remove("B2", 3)


def test_low_stock_lists_skus_below_threshold():
    assert low_stock(make_inventory(), 5) == ["B2"]


def test_total_units_sums_quantities():
    assert total_units(make_inventory()) == 12
