"""Stock levels for a small warehouse."""

from dataclasses import dataclass, field


@dataclass
class Item:
    """One product line: its SKU, name and how many are on the shelf."""

    sku: str
    name: str
    quantity: int = 0


@dataclass
class Inventory:
    """All items, keyed by SKU."""

    items: dict[str, Item] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        """Register a new item; its SKU must be unused."""
        if item.sku in self.items:
            raise ValueError(f"duplicate SKU {item.sku}")
        self.items[item.sku] = item

    def restock(self, sku: str, amount: int) -> int:
        """Add `amount` units of `sku` and return the new quantity."""
        if amount <= 0:
            raise ValueError("amount must be positive")
        item = self.items[sku]
        item.quantity += amount
        return item.quantity

    def remove(self, sku: str, amount: int) -> int:
        """Take `amount` units off the shelf and return what is left."""
        item = self.items[sku]
        if amount > item.quantity:
            raise ValueError(f"only {item.quantity} of {sku} in stock")
        item.quantity -= amount
        return item.quantity


def low_stock(inventory: Inventory, threshold: int) -> list[str]:
    """SKUs whose quantity is below `threshold`, sorted."""
    return sorted(
        sku for sku, item in inventory.items.items() if item.quantity < threshold
    )


def total_units(inventory: Inventory) -> int:
    """How many units are on the shelves in all."""
    total = 0
    for item in inventory.items.values():
        total += item.quantity
    return total
