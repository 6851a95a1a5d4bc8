"""Strategies turn an index of a repository into plans, one module per category."""

from __future__ import annotations

from punie_mine.strategies.code import code_plans
from punie_mine.strategies.concepts import concept_plans
from punie_mine.strategies.testing import testing_plans
from punie_mine.strategies.tools import tool_plans

__all__ = ["CATEGORIES", "code_plans", "concept_plans", "testing_plans", "tool_plans"]

CATEGORIES = {
    "code": code_plans,
    "testing": testing_plans,
    "concepts": concept_plans,
    "tools": tool_plans,
}
