"""``punie-train gate``: will this model's own template and tokenizer train on this data?

Run before any training (and at the start of ``lora``). It renders every example with the
target model's chat template exactly as mlx-lm's ChatDataset does, reads every rendered
assistant turn back with punie-tools' wire parsers and requires the same code, reports how the
template's delimiters tokenize, checks the model's end-of-sequence ids, and measures token
lengths against the profile's ``max_seq_length``. Each check guards against a failure recorded
in the upstream project's 7B runs (see docs/phase25-plan.md).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from punie_train._jsonl import read_examples
from punie_train.errors import DatasetError, TrainError
from punie_train.template import (
    EosSet,
    TemplateProbe,
    encode,
    load_tokenizer,
    probe_template,
    read_eos,
    render,
)

GATE_FILE = "gate.json"
SPLITS = ("train", "valid", "test")
Severity = Literal["fail", "warn"]


class GateFailed(TrainError):
    """The gate found a problem that would spoil training; the message is its one-line reason."""

    def __init__(self, report: GateReport) -> None:
        self.report = report
        super().__init__(f"gate failed: {report.reason}")


@dataclass
class Check:
    """One named check: passed or not, whether a failure fails the gate, and why."""

    name: str
    ok: bool
    severity: Severity
    detail: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "ok": self.ok, "severity": self.severity, "detail": self.detail}


@dataclass
class Finding:
    """A problem with one example: where it is and what is wrong."""

    file: str
    line: int
    turn: int | None
    reason: str

    def where(self) -> str:
        """``file:line`` (and the assistant turn)."""
        turn = f" (assistant turn {self.turn})" if self.turn is not None else ""
        return f"{self.file}:{self.line}{turn}"


@dataclass
class Lengths:
    """Token lengths of the examples mlx-lm would train on, against the profile's limit."""

    limit: int
    count: int = 0
    max: int = 0
    p50: int = 0
    p95: int = 0
    over_limit: int = 0  # longer than max_seq_length: mlx-lm truncates them
    prompt_over_limit: int = 0  # the masked prompt alone exceeds it: nothing left to train

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class GateReport:
    """Everything the gate found; ``passed`` is False when any ``fail`` check failed."""

    model: str
    data: str
    max_seq_length: int
    probe: TemplateProbe
    eos: EosSet
    examples: int = 0
    assistant_turns: int = 0
    tool_call_turns: int = 0
    render_failures: list[Finding] = field(default_factory=list)
    parse_failures: list[Finding] = field(default_factory=list)
    prefix_failures: list[Finding] = field(default_factory=list)
    lengths: Lengths | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check of severity ``fail`` failed."""
        return all(c.ok for c in self.checks if c.severity == "fail")

    @property
    def reason(self) -> str:
        """The first failed check's detail (one line), or ``passed``."""
        failed = [c for c in self.checks if not c.ok and c.severity == "fail"]
        return f"{failed[0].name}: {failed[0].detail}" if failed else "passed"

    def to_json(self) -> dict[str, Any]:
        """The report as one JSON document (``gate --json`` and ``RUN/gate.json``)."""
        return {
            "passed": self.passed,
            "reason": self.reason,
            "model": self.model,
            "data": self.data,
            "max_seq_length": self.max_seq_length,
            "examples": self.examples,
            "assistant_turns": self.assistant_turns,
            "tool_call_turns": self.tool_call_turns,
            "delimiters": [d.to_json() for d in self.probe.delimiters()],
            "eos": {**self.eos.to_json(), "end_of_turn_id": _single_id(self.probe)},
            "lengths": self.lengths.to_json() if self.lengths else None,
            "checks": [c.to_json() for c in self.checks],
            "failures": [
                {"kind": kind, "where": f.where(), "reason": f.reason}
                for kind, found in (
                    ("render", self.render_failures),
                    ("parse", self.parse_failures),
                    ("prefix", self.prefix_failures),
                )
                for f in found[:20]
            ],
        }


def _single_id(probe: TemplateProbe) -> int | None:
    eot = probe.end_of_turn
    return eot.ids[0] if eot.single_token else None


def _tool_code(message: dict[str, Any]) -> str | None:
    """The ``code`` argument of an assistant message's first execute_code call, if any."""
    calls = message.get("tool_calls") or []
    if not calls:
        return None
    function = calls[0].get("function", {}) if isinstance(calls[0], dict) else {}
    arguments = function.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return arguments
    return arguments.get("code") if isinstance(arguments, dict) else None


def _turn_text(completion: str, end_of_turn: str | None) -> str:
    """The assistant's own text: the completion without the template's end-of-turn marker."""
    if end_of_turn and end_of_turn in completion:
        return completion[: completion.rindex(end_of_turn)]
    return completion


def _check_turn(message: dict[str, Any], text: str) -> str | None:
    """Parse a rendered assistant turn back; return why it differs, or None when it matches."""
    from punie_tools.wire import CodeCall, DirectAnswer, parse_model_output

    parsed = parse_model_output(text)
    code = _tool_code(message)
    if code is not None:
        if not isinstance(parsed, CodeCall):
            why = parsed.reason if not isinstance(parsed, DirectAnswer) else "read as an answer"
            return f"the rendered tool call does not parse back ({why})"
        if parsed.code != code:
            return "the rendered tool call parses back to different code"
        return None
    content = message.get("content")
    if isinstance(content, str) and content.strip():
        if not isinstance(parsed, DirectAnswer):
            return f"the rendered answer parses as {parsed.kind}, not as an answer"
        if parsed.text != content.strip():
            return "the rendered answer parses back to different text"
    return None


def _percentile(values: list[int], q: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_gate(
    model_dir: Path,
    data_dir: Path,
    *,
    max_seq_length: int,
    every_turn: bool = True,
    mask_prompt: bool = True,
    tokenizer: Any = None,
) -> GateReport:
    """Run every check of the gate on ``model_dir`` and ``data_dir``; never trains anything.

    Raises TrainError subclasses for usage problems (no model, unreadable data); problems the
    gate finds are in the report (``passed``, ``reason``), not raised.
    """
    model_dir, data_dir = Path(model_dir), Path(data_dir)
    if not data_dir.is_dir():
        raise DatasetError(data_dir, "data directory not found")
    tokenizer = tokenizer if tokenizer is not None else load_tokenizer(model_dir)
    probe = probe_template(tokenizer)
    eos = read_eos(model_dir, tokenizer)
    report = GateReport(
        model=str(model_dir),
        data=str(data_dir),
        max_seq_length=max_seq_length,
        probe=probe,
        eos=eos,
    )
    eot_text = probe.end_of_turn.text
    trained_lengths: list[int] = []
    lengths = Lengths(limit=max_seq_length)
    files = [data_dir / f"{s}.jsonl" for s in SPLITS if (data_dir / f"{s}.jsonl").is_file()]
    if not any(f.name == "train.jsonl" for f in files):
        raise DatasetError(data_dir / "train.jsonl", "file not found")
    for path in files:
        for line, example in enumerate(read_examples(path), start=1):
            report.examples += 1
            messages = example["messages"]
            tools = example.get("tools")
            assistant = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
            for turn, index in enumerate(assistant, start=1):
                report.assistant_turns += 1
                message = messages[index]
                if _tool_code(message) is not None:
                    report.tool_call_turns += 1
                try:
                    prompt = render(
                        tokenizer, messages[:index], tools=tools, add_generation_prompt=True
                    )
                    full = render(tokenizer, messages[: index + 1], tools=tools)
                except Exception as exc:  # any template error is a finding, with its line
                    report.render_failures.append(
                        Finding(path.name, line, turn, f"{type(exc).__name__}: {exc}")
                    )
                    continue
                prompt_ids, full_ids = encode(tokenizer, prompt), encode(tokenizer, full)
                if not full.startswith(prompt) or full_ids[: len(prompt_ids)] != prompt_ids:
                    report.prefix_failures.append(
                        Finding(
                            path.name,
                            line,
                            turn,
                            "the prompt's tokens are not a prefix of the conversation's, so "
                            "prompt masking would train on the wrong tokens",
                        )
                    )
                    continue
                why = _check_turn(message, _turn_text(full[len(prompt) :], eot_text))
                if why is not None:
                    report.parse_failures.append(Finding(path.name, line, turn, why))
                if path.name == "train.jsonl" and (every_turn or index == assistant[-1]):
                    trained_lengths.append(len(full_ids))
                    if mask_prompt and len(prompt_ids) >= max_seq_length - 1:
                        lengths.prompt_over_limit += 1
    if trained_lengths:
        lengths.count = len(trained_lengths)
        lengths.max = max(trained_lengths)
        lengths.p50 = int(statistics.median(trained_lengths))
        lengths.p95 = _percentile(trained_lengths, 0.95)
        lengths.over_limit = sum(n > max_seq_length for n in trained_lengths)
    report.lengths = lengths
    report.checks = _checks(report)
    return report


def _checks(r: GateReport) -> list[Check]:
    probe, eos = r.probe, r.eos
    checks: list[Check] = []
    eot = probe.end_of_turn
    checks.append(
        Check(
            "end-of-turn is one token",
            eot.text is not None and eot.single_token,
            "fail",
            f"{eot.text!r} is {len(eot.ids)} token(s) {list(eot.pieces)}"
            if eot.text
            else "the template writes no end-of-turn marker after an assistant turn",
        )
    )
    if not probe.renders_tool_calls:
        checks.append(
            Check(
                "tool-call delimiters are tokens",
                False,
                "fail",
                "the template does not render tool calls at all",
            )
        )
    else:
        multi = [
            d
            for d in (probe.tool_call_open, probe.tool_call_close)
            if d.text is None or not d.single_token
        ]
        checks.append(
            Check(
                "tool-call delimiters are tokens",
                not multi,
                "fail",
                "; ".join(
                    f"{d.role} {d.text!r} is {len(d.ids)} pieces {list(d.pieces)}: the "
                    "tokenizer has no token for the template's tool-call format"
                    if d.text
                    else f"the template writes no {d.role} delimiter"
                    for d in multi
                )
                or f"{probe.tool_call_open.text!r} and {probe.tool_call_close.text!r}",
            )
        )
    resp = [d for d in (probe.tool_response_open, probe.tool_response_close) if d.text]
    split = [d for d in resp if not d.single_token]
    checks.append(
        Check(
            "tool-response delimiters are tokens",
            not split,
            "warn",
            "; ".join(f"{d.text!r} is {len(d.ids)} pieces {list(d.pieces)}" for d in split)
            or (", ".join(repr(d.text) for d in resp) or "the template writes none"),
        )
    )
    eot_id = _single_id(probe)
    in_union = eot_id is not None and eot_id in eos.union
    checks.append(
        Check(
            "end-of-sequence ids include end-of-turn",
            in_union,
            "fail",
            f"config.json eos_token_id {eos.config} and generation_config.json {eos.generation_config} "
            f"do not include the template's end-of-turn {eot.text!r} (id {eot_id}): generation "
            "would run to the token limit"
            if not in_union
            else f"{eot.text!r} (id {eot_id}) is in {eos.union}",
        )
    )
    if in_union and eot_id not in eos.config:
        checks.append(
            Check(
                "config.json names end-of-turn",
                False,
                "warn",
                f"config.json eos_token_id {eos.config} lacks {eot.text!r} (id {eot_id}); servers "
                "that read only config.json will not stop (fuse and quantize patch their output)",
            )
        )
    for name, found in (
        ("every example renders", r.render_failures),
        ("prompt is a token prefix", r.prefix_failures),
        ("rendered turns parse back", r.parse_failures),
    ):
        checks.append(
            Check(
                name,
                not found,
                "fail",
                f"{len(found)} turn(s); first {found[0].where()}: {found[0].reason}"
                if found
                else f"{r.assistant_turns} assistant turns ({r.tool_call_turns} tool calls)",
            )
        )
    n = r.lengths
    if n is not None:
        checks.append(
            Check(
                "lengths within max_seq_length",
                n.over_limit == 0,
                "warn",
                f"{n.over_limit} of {n.count} trained examples exceed {n.limit} tokens "
                f"({n.prompt_over_limit} with the prompt alone over it); max {n.max}, p95 {n.p95}"
                if n.over_limit
                else f"max {n.max}, p95 {n.p95}, p50 {n.p50} of {n.count} (limit {n.limit})",
            )
        )
    return checks


def write_gate_report(report: GateReport, path: Path) -> Path:
    """Write the report's JSON atomically (``RUN/gate.json``)."""
    from punie_train._io import atomic_write_json

    atomic_write_json(Path(path), report.to_json())
    return Path(path)
