"""Parsers from the tools' machine-readable output to the typed results; none of them raises."""

from punie_tools.parsers.pytest import parse_pytest_output
from punie_tools.parsers.ruff import parse_ruff_output
from punie_tools.parsers.ty import parse_ty_output

__all__ = ["parse_pytest_output", "parse_ruff_output", "parse_ty_output"]
