"""What every generator produces: a Spec (request, workspace, code turns, answer builder).

A spec says which workspace to materialise and which code the assistant runs there, turn by
turn. A turn is code, or a function that writes the code from the records of the earlier turns
(the way a model reads a tool's output before its next call); every such turn checks its own
code with the no-clairvoyance rule and, if a form breaks it, tries another form. The builder
runs the turns in the real sandbox and hands the records to `answer`, which composes the reply
from what the tools really printed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from punie_datagen.clairvoyance import api_names, check_code
from punie_datagen.execute import Step, StepError
from punie_datagen.generators.plan import Plan
from punie_datagen.generators.snippets import Ctx
from punie_datagen.generators.voice import say
from punie_datagen.workspaces import Project, variant_files
from punie_tools import wire
from punie_tools.models import ExecutionRecord

__all__ = [
    "Job",
    "Spec",
    "builder",
    "context_of",
    "last_result",
    "plural",
    "results",
    "rng",
]

Answer = Callable[[list[ExecutionRecord]], str]


@dataclass
class Spec:
    group: str  # ruff_check | pytest_run | typecheck | workflow | base
    category: str
    request: str
    answer: Answer
    workspace: dict[str, Any] | None = None  # {"project", "variants", "extra"}; None: no workspace
    steps: list[Step] = field(default_factory=list)
    generator: str = ""
    project: str = ""
    template: str = ""
    split: str = "train"
    ctx: Ctx | None = None
    knowledge: str = ""
    fixed_strategy: str = ""
    fixed_answer_template: str = ""

    @property
    def strategy(self) -> str:
        return self.fixed_strategy or (self.ctx.strategy if self.ctx else "")

    @property
    def answer_template(self) -> str:
        if self.fixed_answer_template:
            return self.fixed_answer_template
        return "+".join(self.ctx.answer_forms) if self.ctx else ""

    def rewind(self) -> None:
        if self.ctx is not None:
            self.ctx.rewind()


def rng(seed: int, *key: object) -> random.Random:
    """A deterministic random stream for one spec."""
    return random.Random(f"{seed}:" + ":".join(map(str, key)))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def context_of(request: str, records: Sequence[ExecutionRecord]) -> str:
    """What the model has seen before its next turn: the request and every tool output."""
    return "\n".join([request, *(wire.format_tool_output(r) for r in records)])


def results(records: Sequence[ExecutionRecord], tool: str) -> list[dict[str, Any]]:
    """Every typed result a tool returned across the records, in call order."""
    return [
        c.result
        for rec in records
        for c in rec.calls
        if c.name == tool and isinstance(c.result, dict)
    ]


def last_result(
    records: Sequence[ExecutionRecord], tool: str, turn: int | None = None
) -> dict[str, Any]:
    found = results([records[turn]] if turn is not None else records, tool)
    if not found:
        raise ValueError(f"no {tool} result in the records")
    return found[-1]


@dataclass
class Job:
    """One thing to make an example about: a project (maybe planted) and free parameters."""

    project: Project
    variants: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, str]:
        files = variant_files(self.project.name, self.variants)
        files.update(self.extra)
        return files


class builder:
    """Makes the specs of one behaviour: template choice, turn self-checks, the spec itself."""

    def __init__(self, plan: Plan, behaviour: str, group: str, category: str, generator: str,
                 templates: Sequence[str]) -> None:  # fmt: skip
        if len(templates) < 5:
            raise ValueError(f"{behaviour}: at least 5 request templates, got {len(templates)}")
        self.plan, self.behaviour, self.group, self.category = plan, behaviour, group, category
        self.generator, self.templates = generator, templates

    def ctx(self, split: str, *key: object) -> Ctx:
        return Ctx(self.plan, rng(self.plan.seed, self.behaviour, *key), split)

    def request(self, ctx: Ctx, templates: Sequence[str] | None = None, key: str = "",
                **slots: str) -> tuple[str, str]:  # fmt: skip
        """(request text, template id) from the split's share of `templates` (default: the
        behaviour's own)."""
        name = f"{self.behaviour}/{key}" if key else self.behaviour
        index, template = self.plan.choose(
            ctx.r, f"tmpl.{name}", templates or self.templates, ctx.split
        )
        return say(ctx.r, template, **slots), f"{name}/{index}"

    def turn(self, ctx: Ctx, job: Job, request: str, make: Callable[[list[ExecutionRecord]], str],
             tries: int = 8) -> Step:  # fmt: skip
        """A turn written from the earlier records, re-drawn until it uses nothing unrevealed."""
        api = api_names(job.files)

        def step(records: list[ExecutionRecord]) -> str:
            context = context_of(request, records)
            problems: list[str] = []
            for attempt in range(tries):
                ctx.widen = attempt >= tries // 2  # the split's forms first, then any form
                mark = (len(ctx.forms), ctx.r.getstate())
                try:
                    code = make(records)
                except (StepError, ValueError, KeyError, IndexError, StopIteration) as exc:
                    problems = [f"cannot write it: {exc}"]
                else:
                    problems = check_code(code, context, api)
                if not problems:
                    ctx.widen = False
                    return code
                del ctx.forms[mark[0] :]
                ctx.r.setstate(mark[1])
                ctx.r.random()  # a different draw next time
            ctx.widen = False
            raise StepError(f"{self.behaviour}: turn {len(records)}: {problems[0]}")

        return step

    def spec(self, ctx: Ctx, job: Job, request: str, template: str, steps: Sequence[Step],
             answer: Answer) -> Spec:  # fmt: skip
        workspace: dict[str, Any] = {"project": job.project.name, "variants": list(job.variants)}
        if job.extra:
            workspace["extra"] = dict(job.extra)
        ctx.mark()
        return Spec(
            self.group, self.category, request, answer, workspace, list(steps), self.generator,
            job.project.name, template, ctx.split, ctx,
        )  # fmt: skip
