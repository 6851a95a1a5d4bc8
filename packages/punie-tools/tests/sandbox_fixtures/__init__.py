"""Workspaces for the sandbox tests, as file contents, materialised into a temp dir per test.

Kept as strings (not files) so the repository's ruff and ty runs never see the planted problems.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["WORKSPACES", "materialise"]

WORKSPACES: dict[str, dict[str, str]] = {
    # A small package with one type error, one lint problem and one failing test.
    "shop": {
        "pyproject.toml": (
            '[project]\nname = "shop"\nversion = "0.0.0"\nrequires-python = ">=3.11"\n\n'
            '[tool.ty.environment]\npython-version = "3.11"\n\n'
            '[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nselect = ["E", "F"]\n\n'
            '[tool.pytest.ini_options]\npythonpath = ["."]\n'
        ),
        "shop/__init__.py": "",
        "shop/cart.py": (
            "import os\n"
            "\n"
            "\n"
            "def total(prices: list[float]) -> float:\n"
            "    return sum(prices)\n"
            "\n"
            "\n"
            "def label(count: int) -> str:\n"
            "    return count\n"
            "\n"
            "\n"
            "def discount(price: float, percent: float) -> float:\n"
            "    return price * percent / 100\n"
        ),
        "tests/test_cart.py": (
            "from shop.cart import discount, total\n"
            "\n"
            "\n"
            "def test_total() -> None:\n"
            "    assert total([1.0, 2.0]) == 3.0\n"
            "\n"
            "\n"
            "def test_discount() -> None:\n"
            "    assert discount(200.0, 10.0) == 180.0\n"
        ),
        "notes.txt": "alpha\nbeta\ngamma\n",
    },
}


def materialise(name: str, dest: Path) -> Path:
    """Write workspace `name` under `dest` and return `dest`."""
    for rel, text in WORKSPACES[name].items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return dest
