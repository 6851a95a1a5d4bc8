"""Parse CSV exports of sales into typed records and summarise them."""

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Sale:
    """One row of the export."""

    region: str
    product: str
    units: int
    price: float


def parse_sales(text: str) -> list[Sale]:
    """Read CSV text with a header row into Sale records."""
    reader = csv.DictReader(io.StringIO(text))
    return [
        Sale(row["region"], row["product"], int(row["units"]), float(row["price"]))
        for row in reader
    ]


def revenue(sales: list[Sale]) -> float:
    """Total revenue of the sales, rounded to cents."""
    return round(sum(s.units * s.price for s in sales), 2)


def by_region(sales: list[Sale]) -> dict[str, int]:
    """Units sold per region."""
    totals: dict[str, int] = {}
    for sale in sales:
        totals[sale.region] = totals.get(sale.region, 0) + sale.units
    return totals


def best_product(sales: list[Sale]) -> str | None:
    """The product with the most units sold, or None without sales."""
    units: dict[str, int] = {}
    for sale in sales:
        units[sale.product] = units.get(sale.product, 0) + sale.units
    if not units:
        return None
    return max(units, key=lambda name: units[name])
