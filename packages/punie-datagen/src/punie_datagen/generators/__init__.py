"""Generators, one module per family of behaviours; each returns specs the builder runs for real.

Projects are discovered from `workspaces/files/`; the split plan (`plan.py`) is made once from
the seed and the project names, before any spec.
"""

from __future__ import annotations

from punie_datagen.generators import direct, explore, lint, tests, types, workflow
from punie_datagen.generators.base import Spec
from punie_datagen.generators.plan import Plan
from punie_datagen.workspaces import load_projects

__all__ = ["GENERATORS", "Spec", "all_specs", "plan_for"]

GENERATORS = {
    "lint": lint,
    "types": types,
    "tests": tests,
    "workflow": workflow,
    "explore": explore,
    "direct": direct,
}
VERSIONS = {name: module.VERSION for name, module in GENERATORS.items()}


def plan_for(seed: int) -> Plan:
    return Plan(seed, sorted(load_projects()))


def all_specs(seed: int) -> list[Spec]:
    plan = plan_for(seed)
    specs: list[Spec] = []
    for module in GENERATORS.values():
        specs.extend(module.generate(plan))
    return specs
