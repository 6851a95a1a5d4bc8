"""A pipeline: named steps run in order, with a record of what each one did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sensorflow import steps
from sensorflow.readings import Reading
from sensorflow.steps import Step


class ConfigError(ValueError):
    """A pipeline description names an unknown step or gives bad parameters."""


@dataclass(frozen=True)
class StepReport:
    name: str
    before: int
    after: int

    @property
    def dropped(self) -> int:
        return self.before - self.after


@dataclass
class Pipeline:
    steps: list[tuple[str, Step]] = field(default_factory=list)

    def add(self, name: str, step: Step) -> Pipeline:
        """Append a step; returns the pipeline so calls can be chained."""
        self.steps.append((name, step))
        return self

    def run(self, readings: list[Reading]) -> tuple[list[Reading], list[StepReport]]:
        """The readings after every step, and one report per step."""
        reports = []
        current = list(readings)
        for name, step in self.steps:
            before = len(current)
            current = step(current)
            reports.append(StepReport(name, before, len(current)))
        return current, reports


def _number(params: dict[str, Any], key: str, name: str) -> float:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name}: {key} must be a number")
    return float(value)


def build(config: list[dict[str, Any]]) -> Pipeline:
    """A pipeline from a list such as `[{"step": "clip", "low": 0, "high": 50}]`."""
    pipeline = Pipeline()
    for entry in config:
        name = entry.get("step")
        if name == "drop_missing":
            pipeline.add(name, steps.drop_missing)
        elif name == "dedupe":
            pipeline.add(name, steps.dedupe)
        elif name == "fill_gaps":
            pipeline.add(name, steps.fill_gaps)
        elif name == "clip":
            low = _number(entry, "low", name)
            high = _number(entry, "high", name)
            pipeline.add(name, steps.clip(low, high))
        elif name == "convert":
            source, target = str(entry.get("from")), str(entry.get("to"))
            pipeline.add(name, steps.convert(source, target))
        elif name == "remove_spikes":
            pipeline.add(name, steps.remove_spikes(_number(entry, "threshold", name)))
        elif name == "resample":
            pipeline.add(name, steps.resample(int(_number(entry, "minutes", name))))
        elif name == "rolling_mean":
            pipeline.add(name, steps.rolling_mean(int(_number(entry, "window", name))))
        else:
            raise ConfigError(f"unknown step {name!r}")
    return pipeline


def summary_lines(reports: list[StepReport]) -> list[str]:
    """One line per step: its name, readings in and out, and how many it dropped."""
    width = max((len(r.name) for r in reports), default=4)
    return [
        f"{r.name:<{width}}  {r.before:>5} -> {r.after:>5}  (-{r.dropped})"
        for r in reports
    ]
