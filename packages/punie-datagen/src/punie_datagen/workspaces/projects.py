"""Small realistic projects that examples run in. Each passes ruff, ty and its tests as written.

Every project has the same shape: a package with one main module, a test module, and a
pyproject.toml that pins ruff, ty and pytest settings so results do not depend on the machine.
Planted problems are edits on these files (see `variants.py`).
"""

from __future__ import annotations

PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"

[tool.ruff]
line-length = 88
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "I", "UP", "B"]

[tool.ty.environment]
python-version = "3.11"

[tool.pytest.ini_options]
pythonpath = ["."]
"""

INVENTORY = '''\
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
'''

INVENTORY_TESTS = """\
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
"""

TEXTSTATS = '''\
"""A command-line tool that reports word statistics for text files."""

import argparse
from collections import Counter


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, punctuation stripped."""
    cleaned = [w.strip(".,;:!?\\"'()").lower() for w in text.split()]
    return [w for w in cleaned if w]


def top_words(text: str, count: int) -> list[tuple[str, int]]:
    """The `count` most common words with their frequencies."""
    return Counter(words(text)).most_common(count)


def average_length(text: str) -> float:
    """Mean word length, 0.0 for text without words."""
    found = words(text)
    if not found:
        return 0.0
    return sum(len(w) for w in found) / len(found)


def build_parser() -> argparse.ArgumentParser:
    """The command line: a file name and how many top words to show."""
    parser = argparse.ArgumentParser(prog="textstats")
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=5)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Print the top words of a file; return the exit status."""
    args = build_parser().parse_args(argv)
    with open(args.path, encoding="utf-8") as handle:
        text = handle.read()
    for word, freq in top_words(text, args.top):
        print(f"{word}\\t{freq}")
    return 0
'''

TEXTSTATS_TESTS = """\
from textstats.cli import average_length, build_parser, top_words, words


def test_words_strips_punctuation_and_case():
    assert words("Hello, World! hello.") == ["hello", "world", "hello"]


def test_top_words_counts():
    assert top_words("a b a c a b", 2) == [("a", 3), ("b", 2)]


def test_average_length():
    assert average_length("ab abcd") == 3.0


def test_average_length_of_empty_text():
    assert average_length("   ") == 0.0


def test_parser_defaults():
    args = build_parser().parse_args(["notes.txt"])
    assert args.top == 5
"""

WEBHOOKS = '''\
"""Handlers for incoming webhook requests: validate, route and answer."""

import json
from dataclasses import dataclass


@dataclass
class Response:
    """What a handler sends back."""

    status: int
    body: str


def parse_payload(raw: str) -> dict[str, object]:
    """Decode a JSON object payload; anything else is a ValueError."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("payload must be a JSON object")
    return data


def handle_ping(payload: dict[str, object]) -> Response:
    """Answer a ping with pong."""
    return Response(200, "pong")


def handle_push(payload: dict[str, object]) -> Response:
    """Acknowledge a push event, naming its branch."""
    branch = payload.get("ref", "unknown")
    return Response(202, f"queued build for {branch}")


def dispatch(event: str, raw: str) -> Response:
    """Route an event to its handler; unknown events get a 404."""
    handlers = {"ping": handle_ping, "push": handle_push}
    handler = handlers.get(event)
    if handler is None:
        return Response(404, f"no handler for {event}")
    try:
        payload = parse_payload(raw)
    except ValueError as exc:
        return Response(400, str(exc))
    return handler(payload)
'''

WEBHOOKS_TESTS = """\
from webhooks.handlers import Response, dispatch, parse_payload


def test_ping_answers_pong():
    assert dispatch("ping", "{}") == Response(200, "pong")


def test_push_names_branch():
    response = dispatch("push", '{"ref": "main"}')
    assert response.status == 202
    assert "main" in response.body


def test_unknown_event_is_404():
    assert dispatch("delete", "{}").status == 404


def test_bad_json_is_400():
    assert dispatch("ping", "[1, 2]").status == 400


def test_parse_payload_returns_dict():
    assert parse_payload('{"a": 1}') == {"a": 1}
"""

CSVRECORDS = '''\
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
'''

CSVRECORDS_TESTS = '''\
from csvrecords.sales import best_product, by_region, parse_sales, revenue

DATA = """region,product,units,price
north,widget,3,2.50
south,widget,1,2.50
north,gadget,5,1.00
"""


def test_parse_sales_reads_rows():
    sales = parse_sales(DATA)
    assert len(sales) == 3
    assert sales[0].units == 3


def test_revenue():
    assert revenue(parse_sales(DATA)) == 15.0


def test_by_region():
    assert by_region(parse_sales(DATA)) == {"north": 8, "south": 1}


def test_best_product():
    assert best_product(parse_sales(DATA)) == "gadget"


def test_best_product_without_sales():
    assert best_product([]) is None
'''

CONTAINER = '''\
"""A small dependency-injection container: register factories, resolve services."""

from collections.abc import Callable
from typing import Any


class ServiceNotFound(LookupError):
    """Raised when nothing is registered for a type."""


class Container:
    """Maps service types to factories and caches singletons."""

    def __init__(self) -> None:
        self._factories: dict[type, Callable[[], Any]] = {}
        self._singletons: dict[type, Any] = {}

    def register(self, service: type, factory: Callable[[], Any]) -> None:
        """Use `factory` to build `service` on each resolve."""
        self._factories[service] = factory

    def register_value(self, service: type, value: Any) -> None:
        """Always resolve `service` to this one value."""
        self._singletons[service] = value

    def resolve(self, service: type) -> Any:
        """The instance for `service`: its registered value, else a new one."""
        if service in self._singletons:
            return self._singletons[service]
        factory = self._factories.get(service)
        if factory is None:
            raise ServiceNotFound(service.__name__)
        return factory()

    def registered(self) -> list[str]:
        """Names of every registered service type, sorted."""
        names = {t.__name__ for t in self._factories} | {
            t.__name__ for t in self._singletons
        }
        return sorted(names)
'''

CONTAINER_TESTS = """\
import pytest

from container.core import Container, ServiceNotFound


class Clock:
    pass


class Greeter:
    pass


def test_factory_builds_new_instances():
    container = Container()
    container.register(Clock, Clock)
    assert container.resolve(Clock) is not container.resolve(Clock)


def test_value_is_shared():
    container = Container()
    clock = Clock()
    container.register_value(Clock, clock)
    assert container.resolve(Clock) is clock


def test_missing_service_raises():
    with pytest.raises(ServiceNotFound):
        Container().resolve(Greeter)


def test_registered_lists_names():
    container = Container()
    container.register(Greeter, Greeter)
    container.register_value(Clock, Clock())
    assert container.registered() == ["Clock", "Greeter"]
"""

HTMLKIT = '''\
"""Tiny HTML components: escape text and build elements as strings."""

from html import escape


def attrs(values: dict[str, str]) -> str:
    """Render attributes in sorted order, escaping their values."""
    return "".join(f' {key}="{escape(value)}"' for key, value in sorted(values.items()))


def element(tag: str, children: list[str], **attributes: str) -> str:
    """An element with already-rendered children."""
    return f"<{tag}{attrs(attributes)}>{''.join(children)}</{tag}>"


def text(value: str) -> str:
    """Escaped text, safe to place inside any element."""
    return escape(value)


def card(title: str, body: str) -> str:
    """A card component: a heading and a paragraph in a div."""
    heading = element("h2", [text(title)])
    paragraph = element("p", [text(body)])
    return element("div", [heading, paragraph], **{"class": "card"})


def unordered_list(items: list[str]) -> str:
    """A <ul> with one escaped <li> per item."""
    return element("ul", [element("li", [text(item)]) for item in items])
'''

HTMLKIT_TESTS = """\
from htmlkit.components import attrs, card, element, text, unordered_list


def test_text_escapes_markup():
    assert text("<b>") == "&lt;b&gt;"


def test_attrs_are_sorted():
    assert attrs({"id": "x", "class": "y"}) == ' class="y" id="x"'


def test_element_wraps_children():
    assert element("p", ["hi"]) == "<p>hi</p>"


def test_card_has_title_and_body():
    html = card("Title", "Body")
    assert html.startswith('<div class="card">')
    assert "<h2>Title</h2>" in html


def test_unordered_list():
    assert unordered_list(["a"]) == "<ul><li>a</li></ul>"
"""

# name -> (package, module file name, module text, test text)
PROJECTS: dict[str, tuple[str, str, str, str]] = {
    "inventory": ("inventory", "stock", INVENTORY, INVENTORY_TESTS),
    "textstats": ("textstats", "cli", TEXTSTATS, TEXTSTATS_TESTS),
    "webhooks": ("webhooks", "handlers", WEBHOOKS, WEBHOOKS_TESTS),
    "csvrecords": ("csvrecords", "sales", CSVRECORDS, CSVRECORDS_TESTS),
    "container": ("container", "core", CONTAINER, CONTAINER_TESTS),
    "htmlkit": ("htmlkit", "components", HTMLKIT, HTMLKIT_TESTS),
}

DESCRIPTIONS = {
    "inventory": "a warehouse stock module",
    "textstats": "a command-line word statistics tool",
    "webhooks": "a webhook request handler module",
    "csvrecords": "a CSV sales parser",
    "container": "a small dependency-injection container",
    "htmlkit": "an HTML component library",
}


def project_files(name: str) -> dict[str, str]:
    """The clean files of a project, path -> content."""
    package, module, source, tests = PROJECTS[name]
    return {
        "pyproject.toml": PYPROJECT.format(name=name),
        f"{package}/__init__.py": f'"""{DESCRIPTIONS[name].capitalize()}."""\n',
        f"{package}/{module}.py": source,
        f"tests/test_{module}.py": tests,
    }
