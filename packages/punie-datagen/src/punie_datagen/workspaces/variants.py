"""Planted problems: each variant is a set of exact edits on a project's clean files.

An edit replaces `old` with `new` once; undoing it (new → old) is the fix. Because the clean
project passes ruff, ty and its tests, every problem a variant plants is really there, and the
tests in this package check that the tools report it.
"""

from __future__ import annotations

from dataclasses import dataclass

from punie_datagen.workspaces.projects import PROJECTS, project_files


@dataclass(frozen=True)
class Edit:
    file: str  # "module" | "tests"
    old: str
    new: str


@dataclass(frozen=True)
class Feature:
    """A function to add test-first: its test, then its implementation."""

    name: str
    test: str
    implementation: str


# kind -> what the tools should see (documentation; the tests check it against real runs)
KINDS = {
    "unused_import": "ruff F401",
    "long_line": "ruff E501",
    "undefined_name": "ruff F821 and ty unresolved-reference",
    "wrong_return": "ty invalid-explicit-return",
    "bad_argument": "ty invalid-argument-type",
    "legacy_typing": "ruff UP035/UP006",
    "logic_bug": "one failing test",
    "broken_test_import": "a test file that fails to import (collection error)",
    "untyped": "a function without annotations (no tool complaint)",
}

VARIANTS: dict[str, dict[str, list[Edit]]] = {
    "inventory": {
        "unused_import": [Edit("module", "from dataclasses import", "import os\nfrom dataclasses import")],
        "long_line": [Edit("module", '            raise ValueError(f"only {item.quantity} of {sku} in stock")',
                           '            raise ValueError(f"cannot remove {amount} units of {sku}: only {item.quantity} left on the shelf")')],
        "undefined_name": [Edit("module", "        self.items[item.sku] = item\n", "        self.items[item.sku] = itme\n")],
        "wrong_return": [Edit("module", "    return total\n", "    return str(total)\n")],
        "bad_argument": [Edit("module", "        item.quantity -= amount\n", "        item.quantity -= amount\n        self.restock(sku, str(amount))\n")],
        "legacy_typing": [Edit("module", "from dataclasses import dataclass, field\n", "from dataclasses import dataclass, field\nfrom typing import List\n"),
                          Edit("module", "def low_stock(inventory: Inventory, threshold: int) -> list[str]:", "def low_stock(inventory: Inventory, threshold: int) -> List[str]:")],
        "logic_bug": [Edit("module", "        total += item.quantity\n", "        total = item.quantity\n")],
        "broken_test_import": [Edit("tests", "from inventory.stock import Inventory, Item, low_stock, total_units",
                                    "from inventory.stock import Inventory, Item, low_stock, total_units, reorder")],
        "untyped": [Edit("module", "def total_units(inventory: Inventory) -> int:", "def total_units(inventory):")],
    },
    "textstats": {
        "unused_import": [Edit("module", "import argparse\n", "import argparse\nimport sys\n")],
        "long_line": [Edit("module", '    parser = argparse.ArgumentParser(prog="textstats")',
                           '    parser = argparse.ArgumentParser(prog="textstats", description="Report the most common words of a text file")')],
        "undefined_name": [Edit("module", "    return sum(len(w) for w in found) / len(found)", "    return sum(len(w) for w in found) / len(fund)")],
        "wrong_return": [Edit("module", "        return 0.0\n", '        return "0"\n')],
        "bad_argument": [Edit("module", "    for word, freq in top_words(text, args.top):", "    for word, freq in top_words(text, str(args.top)):")],
        "legacy_typing": [Edit("module", "from collections import Counter\n", "from collections import Counter\nfrom typing import List\n"),
                          Edit("module", "def words(text: str) -> list[str]:", "def words(text: str) -> List[str]:")],
        "logic_bug": [Edit("module", "return Counter(words(text)).most_common(count)", "return Counter(words(text)).most_common(count + 1)")],
        "broken_test_import": [Edit("tests", "from textstats.cli import average_length, build_parser, top_words, words",
                                    "from textstats.cli import average_length, build_parser, top_words, words, median_length")],
        "untyped": [Edit("module", "def average_length(text: str) -> float:", "def average_length(text):")],
    },
    "webhooks": {
        "unused_import": [Edit("module", "import json\n", "import json\nimport logging\n")],
        "long_line": [Edit("module", '        return Response(404, f"no handler for {event}")',
                           '        return Response(404, f"no handler is registered for the event {event}; known events: ping, push")')],
        "undefined_name": [Edit("module", "    return handler(payload)\n", "    return handler(paylod)\n")],
        "wrong_return": [Edit("module", '    return Response(200, "pong")', '    return "pong"')],
        "bad_argument": [Edit("module", '    return Response(202, f"queued build for {branch}")', '    return Response("202", f"queued build for {branch}")')],
        "legacy_typing": [Edit("module", "from dataclasses import dataclass\n", "from dataclasses import dataclass\nfrom typing import Dict\n"),
                          Edit("module", "def parse_payload(raw: str) -> dict[str, object]:", "def parse_payload(raw: str) -> Dict[str, object]:")],
        "logic_bug": [Edit("module", '    branch = payload.get("ref", "unknown")', '    branch = payload.get("branch", "unknown")')],
        "broken_test_import": [Edit("tests", "from webhooks.handlers import Response, dispatch, parse_payload",
                                    "from webhooks.handlers import Response, dispatch, parse_payload, handle_delete")],
        "untyped": [Edit("module", "def dispatch(event: str, raw: str) -> Response:", "def dispatch(event, raw):")],
    },
    "csvrecords": {
        "unused_import": [Edit("module", "import csv\nimport io\n", "import csv\nimport io\nimport os\n")],
        "long_line": [Edit("module", '    """Total revenue of the sales, rounded to cents."""',
                           '    """Total revenue of the sales: units times price for every row, summed and rounded to cents."""')],
        "undefined_name": [Edit("module", "    return max(units, key=lambda name: units[name])", "    return max(unit, key=lambda name: units[name])")],
        "wrong_return": [Edit("module", "    return round(sum(s.units * s.price for s in sales), 2)", '    return f"{sum(s.units * s.price for s in sales):.2f}"')],
        "bad_argument": [Edit("module", 'Sale(row["region"], row["product"], int(row["units"]), float(row["price"]))',
                              'Sale(row["region"], row["product"], row["units"], float(row["price"]))')],
        "legacy_typing": [Edit("module", "from dataclasses import dataclass\n", "from dataclasses import dataclass\nfrom typing import Dict\n"),
                          Edit("module", "def by_region(sales: list[Sale]) -> dict[str, int]:", "def by_region(sales: list[Sale]) -> Dict[str, int]:")],
        "logic_bug": [Edit("module", "totals[sale.region] = totals.get(sale.region, 0) + sale.units", "totals[sale.region] = sale.units")],
        "broken_test_import": [Edit("tests", "from csvrecords.sales import best_product, by_region, parse_sales, revenue",
                                    "from csvrecords.sales import best_product, by_region, parse_sales, revenue, by_product")],
        "untyped": [Edit("module", "def revenue(sales: list[Sale]) -> float:", "def revenue(sales):")],
    },
    "container": {
        "unused_import": [Edit("module", "from collections.abc import Callable\n", "import inspect\nfrom collections.abc import Callable\n")],
        "long_line": [Edit("module", "            raise ServiceNotFound(service.__name__)",
                           '            raise ServiceNotFound(f"nothing is registered for {service.__name__}; call register() first")')],
        "undefined_name": [Edit("module", "        return factory()\n", "        return factry()\n")],
        "wrong_return": [Edit("module", "        return sorted(names)\n", '        return ", ".join(sorted(names))\n')],
        "bad_argument": [Edit("module", "            raise ServiceNotFound(service.__name__)", "            raise ServiceNotFound(service.__name__)\n        self.register_value(service.__name__, factory)")],
        "legacy_typing": [Edit("module", "from typing import Any\n", "from typing import Any, Dict\n"),
                          Edit("module", "        self._singletons: dict[type, Any] = {}", "        self._singletons: Dict[type, Any] = {}")],
        "logic_bug": [Edit("module", "        if service in self._singletons:\n", "        if service not in self._singletons:\n")],
        "broken_test_import": [Edit("tests", "from container.core import Container, ServiceNotFound",
                                    "from container.core import Container, ServiceNotFound, Scope")],
        "untyped": [Edit("module", "    def registered(self) -> list[str]:", "    def registered(self):")],
    },
    "htmlkit": {
        "unused_import": [Edit("module", "from html import escape\n", "import re\nfrom html import escape\n")],
        "long_line": [Edit("module", '    """A card component: a heading and a paragraph in a div."""',
                           '    """A card component: an h2 heading and a paragraph of body text, wrapped in a div with class card."""')],
        "undefined_name": [Edit("module", "    paragraph = element(\"p\", [text(body)])", "    paragraph = element(\"p\", [text(bdy)])")],
        "wrong_return": [Edit("module", "    return escape(value)\n", "    return [escape(value)]\n")],
        "bad_argument": [Edit("module", '    heading = element("h2", [text(title)])', '    heading = element("h2", text(title))')],
        "legacy_typing": [Edit("module", "from html import escape\n", "from html import escape\nfrom typing import Dict\n"),
                          Edit("module", "def attrs(values: dict[str, str]) -> str:", "def attrs(values: Dict[str, str]) -> str:")],
        "logic_bug": [Edit("module", "for key, value in sorted(values.items())", "for key, value in values.items()")],
        "broken_test_import": [Edit("tests", "from htmlkit.components import attrs, card, element, text, unordered_list",
                                    "from htmlkit.components import attrs, card, element, text, unordered_list, table")],
        "untyped": [Edit("module", "def unordered_list(items: list[str]) -> str:", "def unordered_list(items):")],
    },
}  # fmt: skip

FEATURES: dict[str, Feature] = {
    "inventory": Feature(
        "out_of_stock",
        "\n\ndef test_out_of_stock_lists_empty_skus():\n    inventory = make_inventory()\n    inventory.remove(\"B2\", 2)\n    assert out_of_stock(inventory) == [\"B2\"]\n",
        "\n\ndef out_of_stock(inventory: Inventory) -> list[str]:\n    \"\"\"SKUs with nothing left on the shelf, sorted.\"\"\"\n    return sorted(sku for sku, item in inventory.items.items() if item.quantity == 0)\n",
    ),
    "textstats": Feature(
        "longest_word",
        "\n\ndef test_longest_word():\n    assert longest_word(\"a tiny elephant\") == \"elephant\"\n",
        "\n\ndef longest_word(text: str) -> str:\n    \"\"\"The longest word of `text`, or an empty string.\"\"\"\n    return max(words(text), key=len, default=\"\")\n",
    ),
    "webhooks": Feature(
        "handle_release",
        "\n\ndef test_release_names_tag():\n    assert handle_release({\"tag\": \"v1.2\"}) == Response(201, \"released v1.2\")\n",
        "\n\ndef handle_release(payload: dict[str, object]) -> Response:\n    \"\"\"Acknowledge a release event, naming its tag.\"\"\"\n    return Response(201, f\"released {payload.get('tag', 'unknown')}\")\n",
    ),
    "csvrecords": Feature(
        "average_price",
        "\n\ndef test_average_price():\n    assert average_price(parse_sales(DATA)) == 2.0\n",
        "\n\ndef average_price(sales: list[Sale]) -> float:\n    \"\"\"Mean price over the rows, 0.0 without sales.\"\"\"\n    if not sales:\n        return 0.0\n    return sum(s.price for s in sales) / len(sales)\n",
    ),
    "container": Feature(
        "unregister",
        "\n\ndef test_unregister_removes_service():\n    container = Container()\n    container.register(Clock, Clock)\n    container.unregister(Clock)\n    assert container.registered() == []\n",
        "\n    def unregister(self, service: type) -> None:\n        \"\"\"Forget every registration for `service`.\"\"\"\n        self._factories.pop(service, None)\n        self._singletons.pop(service, None)\n",
    ),
    "htmlkit": Feature(
        "link",
        "\n\ndef test_link_escapes_href():\n    assert link(\"a&b\", \"go\") == '<a href=\"a&amp;b\">go</a>'\n",
        "\n\ndef link(href: str, label: str) -> str:\n    \"\"\"An anchor to `href` with escaped label text.\"\"\"\n    return element(\"a\", [text(label)], href=href)\n",
    ),
}  # fmt: skip


def paths(project: str) -> tuple[str, str]:
    """(module path, test path) of a project."""
    package, module, _, _ = PROJECTS[project]
    return f"{package}/{module}.py", f"tests/test_{module}.py"


def apply(files: dict[str, str], project: str, edits: list[Edit]) -> dict[str, str]:
    """The files with each edit applied once; an edit whose `old` is missing is a bug here."""
    module, tests = paths(project)
    result = dict(files)
    for edit in edits:
        target = module if edit.file == "module" else tests
        if result[target].count(edit.old) != 1:
            raise ValueError(
                f"{project}: edit does not match exactly once in {target}: {edit.old!r}"
            )
        result[target] = result[target].replace(edit.old, edit.new, 1)
    return result


def variant_files(project: str, variants: tuple[str, ...] = ()) -> dict[str, str]:
    """A project's files with the named variants planted (in order)."""
    files = project_files(project)
    for name in variants:
        files = apply(files, project, VARIANTS[project][name])
    return files
