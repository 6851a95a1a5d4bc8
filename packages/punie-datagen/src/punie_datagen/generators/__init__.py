"""Generators, one module per group; each returns specs that the builder runs for real."""

from __future__ import annotations

from punie_datagen.generators import basecode, direct, pytest, ruff, typecheck, workflows
from punie_datagen.generators.base import Spec

__all__ = ["GENERATORS", "Spec", "all_specs"]

GENERATORS = {
    "ruff": ruff,
    "typecheck": typecheck,
    "pytest": pytest,
    "workflows": workflows,
    "basecode": basecode,
    "direct": direct,
}
VERSIONS = {name: module.VERSION for name, module in GENERATORS.items()}


def all_specs(seed: int) -> list[Spec]:
    specs: list[Spec] = []
    for module in GENERATORS.values():
        specs.extend(module.generate(seed))
    return specs
