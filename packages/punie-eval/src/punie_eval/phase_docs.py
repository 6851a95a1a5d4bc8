"""Write docs/phase24-progress.md and docs/phase25-plan.md from a pipeline run's artefacts.

Every number in the documents is read from a file the pipeline wrote (the dataset manifest, the
training run's summary and metrics, the eval reports); the documents name those files, so each
number can be traced. Nothing here is typed by hand. A sidecar `phase24-results.json` keeps the
headline numbers so the next run can show a comparison with this one. The documents are
rewritten only from a complete run (`missing_artefacts`): never with placeholders.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from punie_tools.cli_support import write_atomic

__all__ = ["IncompleteArtefacts", "collect", "missing_artefacts", "write_docs"]

RESULTS_FILE = "phase24-results.json"
LOSS_IMAGE = "phase24-loss.png"
VAL_LOSS_TARGET = 0.8


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        text = path.read_text()
    except OSError:
        return rows
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            rows.append(value)
    return rows


def _atomic_write(path: Path, text: str) -> None:
    write_atomic(path, text)


def _num(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _mib(value: Any) -> str:
    return f"{value / 2**20:,.1f} MiB" if isinstance(value, int | float) else "—"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += [
        "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in r) + " |"
        for r in rows
    ]
    return out


def collect(data: Path, run: Path, learn_check: Path | None = None) -> dict[str, Any]:
    """Read every artefact the documents draw on; missing ones are None.

    ``learn_check`` is punie-train's learn-check.json (default: RUN/learn-check/learn-check.json;
    the pipeline keeps one per dataset, beside the runs, since it depends on no run).
    """
    learn_check = learn_check or run / "learn-check" / "learn-check.json"
    return {
        "manifest": _read_json(data / "manifest.json"),
        "manifest_path": str(data / "manifest.json"),
        "summary": _read_json(run / "summary.json"),
        "summary_path": str(run / "summary.json"),
        "metrics": _read_jsonl(run / "metrics.jsonl"),
        "metrics_path": str(run / "metrics.jsonl"),
        "loss_png": run / "loss.png",
        "report": _read_json(run / "eval" / "report.json"),
        "report_path": str(run / "eval" / "report.json"),
        "heldout": _read_json(run / "eval" / "heldout" / "report.json"),
        "heldout_path": str(run / "eval" / "heldout" / "report.json"),
        "gate": _read_json(run / "gate.json"),
        "gate_path": str(run / "gate.json"),
        "learn_check": _read_json(learn_check),
        "learn_check_path": str(learn_check),
    }


def _losses(metrics: list[dict[str, Any]], key: str) -> list[tuple[int, float]]:
    return [
        (int(m.get("iteration", m.get("step", 0))), float(m[key]))
        for m in metrics
        if isinstance(m.get(key), int | float)
    ]


def headline(art: dict[str, Any], profile: str) -> dict[str, Any]:
    """The numbers the next run compares against."""
    manifest = art["manifest"] or {}
    summary = art["summary"] or {}
    report = art["report"] or {}
    heldout = art["heldout"] or {}
    overall = report.get("overall") or {}
    return {
        "profile": profile,
        "examples": manifest.get("total"),
        "final_val_loss": summary.get("final_val_loss"),
        "perplexity": summary.get("perplexity"),
        "train_seconds": summary.get("train_seconds", summary.get("time_s")),
        "queries_passed": overall.get("passed"),
        "queries_total": overall.get("total"),
        "tool_choice_accuracy": heldout.get("tool_choice_accuracy"),
        "format_validity_rate": heldout.get("format_validity_rate"),
    }


def _dataset_section(art: dict[str, Any]) -> list[str]:
    manifest = art["manifest"]
    lines = ["## Dataset", ""]
    if not manifest:
        return [*lines, f"No dataset manifest at `{art['manifest_path']}`: run `nox -s data`.", ""]
    lines.append(f"Source: `{art['manifest_path']}`.")
    lines.append("")
    total = manifest.get("total")
    lines.append(f"- examples: **{_num(total)}**")
    for key, label in [
        ("distinct_request_ratio", "distinct user requests"),
        ("duplicates_dropped", "duplicates dropped"),
    ]:
        if key in manifest:
            lines.append(f"- {label}: {_num(manifest[key])}")
    splits = manifest.get("splits") or {}
    if splits:
        lines.append("- split: " + ", ".join(f"{k} {_num(v)}" for k, v in splits.items()))
    verify = manifest.get("verify")
    if isinstance(verify, dict):
        lines.append(
            f"- verification: {_num(verify.get('checked'))} examples re-run in the sandbox, "
            f"{_num(verify.get('mismatches'))} mismatches"
        )
    lines.append("")
    by_category = manifest.get("by_group_category") or manifest.get("categories") or {}
    if by_category:
        rows = []
        for group, cats in sorted(by_category.items()):
            if isinstance(cats, dict):
                for cat, count in sorted(cats.items()):
                    rows.append([group, cat, _num(count)])
            else:
                rows.append([group, "", _num(cats)])
        lines += _table(["group", "category", "examples"], rows)
        lines.append("")
    by_split = manifest.get("by_group_split") or {}
    if by_split:
        split_names = sorted({s for v in by_split.values() for s in v})
        rows = [[g, *(_num(v.get(s, 0)) for s in split_names)] for g, v in sorted(by_split.items())]
        lines += _table(["group", *split_names], rows)
        lines.append("")
    return lines


def _training_section(art: dict[str, Any], out: Path) -> list[str]:
    summary = art["summary"]
    lines = ["## Training", ""]
    if not summary:
        return [*lines, f"No training summary at `{art['summary_path']}`: run `nox -s train`.", ""]
    lines.append(f"Source: `{art['summary_path']}` and `{art['metrics_path']}`.")
    lines.append("")
    val = summary.get("final_val_loss")
    target = summary.get("target_val_loss", VAL_LOSS_TARGET)
    met = summary.get("target_met")
    lines += _table(
        ["measure", "value"],
        [
            ["model", f"`{summary.get('model', '—')}`"],
            ["MLX backend", summary.get("backend", "—")],
            ["BLAS (MLX on CPU)", summary.get("blas") or "—"],
            ["iterations", _num(summary.get("iterations"))],
            [
                "final validation loss",
                f"{_num(val)} (target < {target}: {'met' if met else 'not met'})",
            ],
            ["perplexity", _num(summary.get("perplexity"), 2)],
            ["training time", f"{_num(summary.get('train_seconds', summary.get('time_s')), 1)} s"],
            ["peak memory", _mib(summary.get("peak_memory_bytes"))],
            ["tokens/s", _num(summary.get("tokens_per_second"), 1)],
            ["adapter size", _mib(summary.get("adapter_bytes"))],
            [
                f"fused model size ({summary.get('fused_dtype', 'float16')})",
                _mib(summary.get("fused_bytes")),
            ],
            ["quantized model size", _mib(summary.get("quantized_bytes"))],
            *_length_rows(summary.get("lengths")),
        ],
    )
    lines.append("")
    train = _losses(art["metrics"], "train_loss")
    valid = _losses(art["metrics"], "val_loss")
    if train or valid:
        rows = []
        if train:
            rows.append(
                [
                    "train",
                    f"{train[0][1]:.3f} (it {train[0][0]})",
                    f"{train[-1][1]:.3f} (it {train[-1][0]})",
                ]
            )
        if valid:
            rows.append(
                [
                    "validation",
                    f"{valid[0][1]:.3f} (it {valid[0][0]})",
                    f"{valid[-1][1]:.3f} (it {valid[-1][0]})",
                ]
            )
        lines += _table(["loss", "first", "last"], rows)
        lines.append("")
    if art["loss_png"].is_file():
        write_atomic(out / LOSS_IMAGE, art["loss_png"].read_bytes())
        lines += [f"![loss curve]({LOSS_IMAGE})", ""]
    return lines


def _length_rows(lengths: Any) -> list[list[Any]]:
    """Rows for the token lengths punie-train measured (summary.json `lengths`)."""
    if not isinstance(lengths, dict):
        return []
    rows: list[list[Any]] = [["max_seq_length", _num(lengths.get("max_seq_length"))]]
    dropped = 0
    for split in ("train", "valid"):
        s = lengths.get(split)
        if isinstance(s, dict):
            rows.append(
                [
                    f"{split} tokens per example (max / p95 / median)",
                    f"{_num(s.get('max'))} / {_num(s.get('p95'))} / {_num(s.get('p50'))}",
                ]
            )
            dropped += int(s.get("dropped_sequences") or 0)
    how = (
        "allowed by --allow-drop" if lengths.get("allow_drop") else "an error without --allow-drop"
    )
    rows.append(["sequences dropped for length", f"{dropped} ({how})"])
    return rows


def _learn_check_section(art: dict[str, Any]) -> list[str]:
    """punie-train learn-check: does the training path teach, through fuse and quantization?"""
    report = art["learn_check"]
    lines = ["## Learn-check", ""]
    if not report:
        return [
            *lines,
            f"No learn-check report at `{art['learn_check_path']}` "
            "(`nox -s learn-check` writes one).",
            "",
        ]
    targets = report.get("targets") or {}
    met = report.get("met") or {}
    load = report.get("load_average") or []
    lines.append(
        f"Source: `{art['learn_check_path']}`. The smoke model is trained on a fixed slice of "
        f"{_num(report.get('examples'))} training examples (every group), cut after the first "
        "assistant turn, then fused and quantized as the pipeline does and asked for each first "
        f"turn: **{'passed' if report.get('passed') else 'failed'}**."
    )
    lines.append("")
    ratio = report.get("loss_ratio")
    lines += _table(
        ["measure", "value", "target", "met"],
        [
            [
                f"tool choice ({report.get('model_stage')}, {report.get('quantize_bits')} bits)",
                _pct(report.get("tool_choice_accuracy")),
                f"≥ {_pct(targets.get('tool_choice_accuracy'))}",
                _num(met.get("tool_choice_accuracy")),
            ],
            [
                "loss initial → final",
                f"{_num(report.get('initial_loss'))} → {_num(report.get('final_loss'))} "
                f"(× {_num(ratio)})",
                f"× ≤ {targets.get('loss_ratio')}",
                _num(met.get("loss_ratio")),
            ],
            [
                "time (wall / CPU)",
                f"{_num(report.get('seconds'), 0)} s / {_num(report.get('cpu_seconds'), 0)} s "
                f"(load {load[0] if load else '—'} on {report.get('cpu_count')} CPUs)",
                f"≤ {_num(targets.get('seconds'), 0)} s on 2 cores",
                _num(met.get("seconds")),
            ],
            ["BLAS (MLX on CPU)", report.get("blas") or "—", "", ""],
        ],
    )
    lines.append("")
    groups = report.get("groups") or {}
    if groups:
        rows = [[g, f"{v.get('correct')}/{v.get('examples')}"] for g, v in groups.items()]
        lines += _table(["group", "tool choice"], rows)
        lines.append("")
    return lines


def _eval_section(art: dict[str, Any]) -> list[str]:
    report = art["report"]
    lines = ["## The 20-query validation", ""]
    if not report:
        return [*lines, f"No eval report at `{art['report_path']}`: run `nox -s eval`.", ""]
    overall = report.get("overall") or {}
    lines.append(
        f"Source: `{art['report_path']}` (backend `{report.get('backend')}`). "
        f"Overall **{overall.get('passed')}/{overall.get('total')}** "
        f"(target {overall.get('threshold')}): {'met' if overall.get('met') else 'not met'}."
    )
    lines.append("")
    cats = report.get("categories") or {}
    rows = [
        [
            c.get("title", k),
            f"{c.get('passed')}/{c.get('total')}",
            c.get("threshold"),
            "yes" if c.get("met") else "no",
        ]
        for k, c in cats.items()
    ]
    lines += _table(["category", "passed", "threshold", "met"], rows)
    lines.append("")
    rows = [
        [
            q.get("id"),
            q.get("category"),
            q.get("request"),
            "pass" if q.get("passed") else "fail",
            q.get("turns"),
            _num(q.get("latency_s"), 2),
            q.get("why", ""),
        ]
        for q in report.get("queries") or []
    ]
    lines += _table(["query", "category", "request", "result", "turns", "latency (s)", "why"], rows)
    lines.append("")
    heldout = art["heldout"]
    if heldout:
        lines += [
            "### Held-out test split",
            "",
            f"Source: `{art['heldout_path']}`: {_num(heldout.get('total'))} examples, tool-choice "
            f"accuracy {_pct(heldout.get('tool_choice_accuracy'))}, format validity "
            f"{_pct(heldout.get('format_validity_rate'))}.",
            "",
        ]
        if "score" in heldout:
            rows = [
                [
                    "the model",
                    _pct(heldout.get("score")),
                    _pct(heldout.get("tool_choice_accuracy")),
                    _pct(heldout.get("arguments_accuracy")),
                    _pct(heldout.get("runs_rate")),
                ]
            ]
            rows += [
                [
                    f"baseline: {b.get('name')}",
                    _pct(b.get("score")),
                    _pct(b.get("tool_choice")),
                    "—",
                    "—",
                ]
                for b in heldout.get("baselines") or []
            ]
            lines += _table(["predictor", "score", "tool choice", "arguments", "code runs"], rows)
            lines.append("")
    return lines


def _pct(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else "—"


def _comparison(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    lines = ["## Compared with the previous run", ""]
    if not previous:
        return [*lines, "This is the first recorded run.", ""]
    rows = [[k, _num(previous.get(k)), _num(current.get(k))] for k in current if k != "profile"]
    rows.insert(0, ["profile", str(previous.get("profile")), str(current.get("profile"))])
    return [*lines, *_table(["measure", "previous", "this run"], rows), ""]


def _progress(art: dict[str, Any], profile: str, run: Path, out: Path, previous: Any) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Phase 24 progress",
        "",
        f"Generated by `nox -s docs` on {stamp} from the artefacts of run `{run}` "
        f"(profile **{profile}**). Do not edit by hand; rerun the pipeline.",
        "",
    ]
    if profile == "smoke":
        lines += [
            "> These numbers come from the embedded **smoke** profile: a tiny randomly initialised "
            "model trained for minutes on a CPU. They prove the pipeline runs end to end; they say "
            "nothing about how well Qwen3-Coder-30B will do. Run the `phase24` profile for that.",
            "",
        ]
    lines += _dataset_section(art)
    lines += _learn_check_section(art)
    lines += _training_section(art, out)
    lines += _gates_section(art)
    lines += _eval_section(art)
    lines += _comparison(previous, headline(art, profile))
    return "\n".join(lines)


def _risks(art: dict[str, Any]) -> list[str]:
    risks: list[str] = []
    summary = art["summary"] or {}
    report = art["report"] or {}
    manifest = art["manifest"] or {}
    heldout = art["heldout"] or {}
    val = summary.get("final_val_loss")
    if isinstance(val, int | float) and val >= VAL_LOSS_TARGET:
        risks.append(
            f"Validation loss ended at {val:.3f}, above the < {VAL_LOSS_TARGET} target "
            f"(`{art['summary_path']}`): the 7B model, with less capacity, may need more iterations."
        )
    for key, cat in (report.get("categories") or {}).items():
        if not cat.get("met"):
            risks.append(
                f"Category '{cat.get('title', key)}' passed {cat.get('passed')}/{cat.get('total')}, "
                f"below its threshold of {cat.get('threshold')} (`{art['report_path']}`)."
            )
    fmt = heldout.get("format_validity_rate")
    if isinstance(fmt, int | float) and fmt < 0.95:
        risks.append(
            f"Only {fmt:.1%} of held-out replies were well-formed tool calls or answers "
            f"(`{art['heldout_path']}`): Qwen2.5 emits Hermes-style calls, so check its parser first."
        )
    groups = manifest.get("by_group_category") or {}
    if "mined" not in groups:
        risks.append(
            "The dataset holds no mined domain examples (no source could be mined): domain queries "
            "rely on the fixture workspace alone."
        )
    if not risks:
        risks.append(
            "The phase-24 run met every target it measured; the risk is in the model swap."
        )
    return [f"- {r}" for r in risks]


def _plan(art: dict[str, Any], profile: str, run: Path) -> str:
    current = headline(art, profile)
    baseline = (
        f"{current['queries_passed']}/{current['queries_total']} queries"
        if current["queries_total"]
        else "no eval result yet"
    )
    lines = [
        "# Phase 25 plan: Qwen2.5-Coder-7B against Qwen3-Coder-30B-A3B",
        "",
        f"Generated by `nox -s docs` from run `{run}` (profile **{profile}**; baseline {baseline}).",
        "",
        *_plan_gates(),
        "## The experiment",
        "",
        "Train `Qwen2.5-Coder-7B-Instruct-4bit` with the `phase25-7b` profile on the same dataset "
        f"({_num(current['examples'])} examples, `{art['manifest_path']}`) and evaluate it on the "
        "same 20 queries and held-out split. Compare with the `phase24` run of "
        "Qwen3-Coder-30B-A3B-Instruct-4bit on:",
        "",
        "- **accuracy**: queries passed per category against the thresholds (8/8, ≥ 6/7, 5/5, "
        "overall ≥ 19/20), held-out tool-choice accuracy and format validity;",
        "- **speed**: generation tokens/s in the eval report, and latency per query;",
        "- **memory**: peak training memory and model size after quantization (`summary.json`).",
        "",
        "## Commands",
        "",
        "```bash",
        "python -m nox -s phase24 -- --profile phase24 --model PATH/TO/Qwen3-Coder-30B-A3B-Instruct-4bit",
        "python -m nox -s phase24 -- --profile phase25-7b --model PATH/TO/Qwen2.5-Coder-7B-Instruct-4bit",
        "punie-eval compare runs/phase24/eval/report.json runs/phase25-7b/eval/report.json",
        "```",
        "",
        "Or against a served model (mlx_lm.server, LM Studio, Ollama):",
        "",
        "```bash",
        "python -m nox -s eval -- --endpoint http://127.0.0.1:8080/v1 --run phase25-served",
        "```",
        "",
        *_memory_section(art),
        "## Decision",
        "",
        "- Choose 7B if it meets every category threshold and its overall score is within one "
        "query of 30B's, while generating at least 1.5× faster or needing at most half the memory.",
        "- Keep 30B if 7B misses any category threshold, or its format validity on the held-out "
        "split is below 95%.",
        "- If both miss thresholds, the data is the problem: grow the categories that failed.",
        "",
        "## Risks seen in the phase-24 results",
        "",
        *_risks(art),
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- train-side sections
# Issues 21 and 22 (punie-train's side): the gate, the checkpoint chosen by behaviour, the checks
# after fuse and quantize, and the memory each stage needs.


def _gates_section(art: dict[str, Any]) -> list[str]:
    summary = art["summary"] or {}
    gate = art["gate"]
    lines = ["## Gates and the checkpoint fused", ""]
    if gate:
        lines.append(
            f"Gate (`{art['gate_path']}`): **{'passed' if gate.get('passed') else 'failed'}**. "
            f"{_num(gate.get('assistant_turns'))} assistant turns of "
            f"{_num(gate.get('examples'))} examples were rendered with the model's own chat "
            "template and read back by the wire parsers."
        )
        lines.append("")
        rows = [
            [
                d.get("role"),
                f"`{d['text']}`" if d.get("text") else "none",
                len(d.get("ids") or []),
                " ".join(f"`{p}`" for p in d.get("pieces") or []),
            ]
            for d in gate.get("delimiters") or []
        ]
        lines += _table(["delimiter", "text", "tokens", "pieces"], rows)
        lines.append("")
        rows = [
            [c.get("name"), "pass" if c.get("ok") else c.get("severity"), c.get("detail")]
            for c in gate.get("checks") or []
        ]
        lines += _table(["check", "result", "detail"], rows)
        lines.append("")
    else:
        lines += [f"No gate report at `{art['gate_path']}` (trained with `--skip-gate`).", ""]
    loss = summary.get("best_by_loss") or {}
    behaviour = summary.get("best_by_behaviour") or {}
    fused = summary.get("fused_checkpoint") or {}
    rows = [
        [
            "best by validation loss",
            f"`{loss['file']}`" if loss.get("file") else "—",
            _num(loss.get("iteration")),
            f"validation loss {_num(loss.get('val_loss'))}" if loss else "—",
        ],
        [
            "best by held-out behaviour",
            f"`{behaviour['file']}`" if behaviour.get("file") else "—",
            _num(behaviour.get("iteration")),
            f"score {_num(behaviour.get('score'))} (`{behaviour.get('report')}`)"
            if behaviour
            else "not scored (no `select` step in this run)",
        ],
        [
            "fused",
            f"`{fused['file']}`" if fused.get("file") else "—",
            _num(fused.get("iteration")),
            fused.get("choice", "—"),
        ],
    ]
    lines.append(f"Checkpoints (`{art['summary_path']}`):")
    lines.append("")
    lines += _table(["checkpoint", "file", "iteration", "measure"], rows)
    lines.append("")
    for label, key in (("fused", "fused_check"), ("quantized", "quantized_check")):
        check = summary.get(key)
        if not isinstance(check, dict):
            continue
        eos = check.get("eos") or {}
        ids = sorted(set(eos.get("config") or []) | set(eos.get("generation_config") or []))
        patched = check.get("patched") or []
        generate = check.get("generate")
        stops = (
            f"greedy generation stopped on {check.get('stopped')} training prompts within "
            f"{check.get('stop_tokens')} tokens (stop check: {check.get('stop_policy')})"
            if generate == "done"
            else f"greedy generation {generate}"
        )
        lines.append(
            f"- after {'fuse' if label == 'fused' else 'quantize'}: end-of-turn "
            f"`{check.get('end_of_turn')}` (id {check.get('end_of_turn_id')}) is among the "
            f"end-of-sequence ids {ids}; "
            + (f"patched {'; '.join(patched)}" if patched else "nothing patched")
            + f"; {stops}."
        )
    lines.append("")
    return lines


def _plan_gates() -> list[str]:
    return [
        "## First steps: the gates",
        "",
        "Before an hour of 7B training, each step below stops the experiment at the cheapest "
        "point where a failure recorded in the upstream project's 7B runs would show (they "
        "scored 7/20 with 0 of 13 tool queries, twice).",
        "",
        "1. **Render and read back.** `punie-train gate --model "
        "PATH/TO/Qwen2.5-Coder-7B-Instruct-4bit --data data/phase24 --profile phase25-7b` "
        "renders every example with Qwen2.5's own chat template, as training will, and reads "
        "each rendered assistant turn back with the wire parsers, requiring the same code. "
        "*Prevents:* data in Qwen3's XML tool-call format while Qwen2.5 expects JSON, and two "
        "wrapper formats mixed in one dataset.",
        "2. **Delimiters as tokens.** The same gate reports how `<tool_call>`, `</tool_call>`, "
        "`<tool_response>`, `</tool_response>` and the end-of-turn marker tokenize in Qwen2.5's "
        "tokenizer; it fails when the end of turn or the tool-call delimiters are not single "
        "tokens and warns on split tool-response delimiters. *Prevents:* training on "
        "`<tool_response>` without knowing it is one token in Qwen3 but about five pieces in "
        "Qwen2.5.",
        "3. **End of sequence before training.** The same gate requires config.json or "
        "generation_config.json to name the template's end-of-turn token. *Prevents:* a model "
        "whose configuration names a different end-of-sequence token than `<|im_end|>`.",
        "4. **Lengths.** The same gate reports token lengths against the profile's "
        "`max_seq_length` in Qwen2.5's tokenizer. *Prevents:* answers cut off or examples "
        "dropped unnoticed when the tokenizer changes.",
        "5. **After fuse and after quantize.** The end-of-sequence ids must include "
        "`<|im_end|>` (config patched when the tokenizer names it, and the patch recorded in "
        "`summary.json`), and greedy generation on three training prompts must stop before "
        "512 tokens; the model is published only then. *Prevents:* the fused 7B whose config "
        "named a different end-of-sequence token than the template's `<|im_end|>`, so every "
        "reply ran to the token limit (19 s per query).",
        "6. **Checkpoint by behaviour.** `nox -s select` scores every saved adapter checkpoint "
        "on a fixed held-out sample and `fuse` uses the best by behaviour; both it and the best "
        "by loss are recorded. *Prevents:* trusting validation loss, which did not predict "
        "behaviour upstream (0.083 / 0.111 / 0.176 against 18.5 / 38.9 / 22.2 %).",
        "7. **Reproducible eval.** The eval reports record temperature, seed and the model's "
        "identity (punie-eval). *Prevents:* an untested temperature or thinking mode changing "
        "scores, and a port collision silently evaluating the wrong model.",
        "",
    ]


# The two profiles' models, from their published config.json, and the profiles' settings
# (profiles.toml: LoRA rank 8 on the last 8 layers, max_seq_length 2048, a 4-bit base,
# 5-bit export, group size 64 with a bfloat16 scale and bias per group).
ARCHITECTURES: dict[str, dict[str, int | str]] = {
    "phase24": {
        "model": "Qwen3-Coder-30B-A3B-Instruct",
        "layers": 48,
        "hidden": 2048,
        "heads": 32,
        "kv_heads": 4,
        "head_dim": 128,
        "experts": 128,
        "active": 8,
        "ffn": 768,
        "vocab": 151936,
    },
    "phase25-7b": {
        "model": "Qwen2.5-Coder-7B-Instruct",
        "layers": 28,
        "hidden": 3584,
        "heads": 28,
        "kv_heads": 4,
        "head_dim": 128,
        "experts": 0,
        "active": 0,
        "ffn": 18944,
        "vocab": 152064,
    },
}
LORA_LAYERS, LORA_RANK, SEQ, BASE_BITS, EXPORT_BITS, GROUP = 8, 8, 2048, 4, 5, 64
EVAL_CONTEXT = 8192


def _per_param(bits: int) -> float:
    """Bytes per weight of a `bits`-bit MLX-quantized matrix (bfloat16 scale+bias per group)."""
    return bits / 8 + 4 / GROUP


def memory_estimates(arch: dict[str, int | str]) -> dict[str, float]:
    """Estimated peak bytes of each stage for one architecture (see the plan's memory table)."""
    a = {k: v for k, v in arch.items() if isinstance(v, int)}
    h, hd, r = a["hidden"], a["head_dim"], LORA_RANK
    attention = 2 * h * a["heads"] * hd + 2 * h * a["kv_heads"] * hd
    lora = r * (2 * (h + a["heads"] * hd) + 2 * (h + a["kv_heads"] * hd))
    if a["experts"]:
        mlp = a["experts"] * 3 * h * a["ffn"] + h * a["experts"]
        lora += r * (h + a["experts"]) + 3 * a["experts"] * r * (h + a["ffn"])
        width = a["active"] * a["ffn"]
    else:
        mlp = 3 * h * a["ffn"]
        lora += 3 * r * (h + a["ffn"])
        width = a["ffn"]
    layer, embed = attention + mlp, a["vocab"] * h
    total = a["layers"] * layer + 2 * embed  # untied input and output embeddings
    q_base, q_out, bf16 = _per_param(BASE_BITS), _per_param(EXPORT_BITS), 2
    adapters = LORA_LAYERS * lora * 4  # float32
    activations = (
        SEQ * a["vocab"] * 4 * 2  # float32 logits and their gradient
        + a["layers"] * SEQ * h * bf16  # one checkpointed hidden state per layer
        + a["heads"] * SEQ * SEQ * bf16  # one layer's attention scores, recomputed
        + SEQ * width * 3 * bf16  # and its MLP / active experts
    )
    kv_cache = a["layers"] * 2 * a["kv_heads"] * hd * EVAL_CONTEXT * bf16
    return {
        "parameters": float(total),
        "train": total * q_base + adapters * 4 + activations,  # weights, grads, Adam m and v
        # One layer 4-bit in, de-quantized, fused and one module's delta: 2.9x a layer's
        # bfloat16 size measured on a 12-layer MoE stand-in (benchmarks/fuse_memory.py).
        "fuse": max(layer, embed) * (q_base + 3 * bf16) + adapters,
        "fuse_mlx_lm": total * (q_base + bf16),
        "fused_check": total * bf16,
        "quantize": max(layer, embed) * (bf16 + q_out),
        "quantized": total * q_out + kv_cache,
    }


def _gib(value: Any) -> str:
    return f"{value / 2**30:,.1f} GiB" if isinstance(value, int | float) else "—"


def _memory_section(art: dict[str, Any]) -> list[str]:
    summary = art["summary"] or {}
    big, small = (memory_estimates(ARCHITECTURES[p]) for p in ("phase24", "phase25-7b"))
    fused_check = summary.get("fused_check") or {}
    quantized_check = summary.get("quantized_check") or {}
    rows = [
        [
            "train (QLoRA, gradient checkpointing)",
            "the 4-bit base, LoRA weights + gradients + Adam state (float32), logits, "
            "checkpointed activations",
            "train",
            _mib(summary.get("peak_memory_bytes")),
        ],
        [
            "fuse (layer by layer)",
            "one layer (or embedding) 4-bit in, de-quantized and fused in bfloat16, one "
            "module's LoRA delta, plus the adapters",
            "fuse",
            _mib(summary.get("fuse_peak_memory_bytes")),
        ],
        [
            "*for comparison:* `mlx_lm.fuse --dequantize`",
            "the whole base and the whole fused model",
            "fuse_mlx_lm",
            "—",
        ],
        [
            "check of the fused model (load + generate)",
            "the whole bfloat16 model (float32 on a CPU); skipped when over half the memory, "
            "the module-by-module check still runs",
            "fused_check",
            _mib(fused_check.get("peak_memory_bytes")),
        ],
        [
            "quantize (layer by layer)",
            "one layer (or embedding) in bfloat16 and 5-bit",
            "quantize",
            _mib(summary.get("quantize_peak_memory_bytes")),
        ],
        [
            "check of the quantized model, eval",
            f"the whole 5-bit model and an {EVAL_CONTEXT:,}-token KV cache",
            "quantized",
            _mib(quantized_check.get("peak_memory_bytes")),
        ],
    ]
    table = [
        [stage, holds, _gib(big[key]), _gib(small[key]), measured]
        for stage, holds, key, measured in rows
    ]
    return [
        "## Memory each stage needs",
        "",
        f"Estimates for the two profiles' models ({_num(int(big['parameters']))} and "
        f"{_num(int(small['parameters']))} parameters), from their published architectures "
        "and the profiles' settings (LoRA rank 8 on 8 layers, sequences of 2,048 tokens, "
        "4-bit base, 5-bit export); the formulas are `memory_estimates` in "
        "`punie_eval/phase_docs.py`. The last column is measured (`mx.get_peak_memory()`) on "
        f"this run's model (`{art['summary_path']}`): the smoke model, or the 4-bit MoE "
        "stand-in in `nox -s rehearse`.",
        "",
        *_table(["stage", "holds", "phase24 (30B-A3B)", "phase25-7b (7B)", "this run"], table),
        "",
    ]


def _relative(path: Path) -> Path:
    """`path` relative to the working directory when it lies inside it, else unchanged."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(path)


class IncompleteArtefacts(ValueError):
    """The run's artefacts are missing or unusable: the documents are left as they were."""


def missing_artefacts(art: dict[str, Any]) -> list[str]:
    """What keeps `art` (from `collect`) from being a complete run, each naming its file and the
    stage that writes it; [] when complete. The training summary is not needed for a served
    model (an `openai:` eval backend: nothing was trained)."""
    problems: list[str] = []
    manifest, report, heldout = art["manifest"], art["report"], art["heldout"]
    if not isinstance(manifest, dict) or not manifest.get("total"):
        problems.append(f"no dataset manifest at {art['manifest_path']} (run `nox -s data`)")
    if not isinstance(report, dict) or not isinstance(report.get("overall"), dict):
        problems.append(f"no eval report at {art['report_path']} (run `nox -s eval`)")
    elif report.get("error"):
        problems.append(
            f"the eval report {art['report_path']} records an infrastructure error "
            f"({report['error']}; fix it and rerun `nox -s eval`)"
        )
    elif not report.get("queries"):
        problems.append(f"the eval report {art['report_path']} holds no query (rerun the eval)")
    if not isinstance(heldout, dict) or not heldout.get("total"):
        problems.append(f"no held-out report at {art['heldout_path']} (run `nox -s eval`)")
    served = isinstance(report, dict) and str(report.get("backend", "")).startswith("openai:")
    if not served and not isinstance(art["summary"], dict):
        problems.append(f"no training summary at {art['summary_path']} (run `nox -s train`)")
    return problems


def write_docs(
    *, data: Path, run: Path, profile: str, out: Path, learn_check: Path | None = None
) -> list[Path]:
    """Write both documents (and the results sidecar) into `out`; returns the paths written.

    Raises IncompleteArtefacts, writing nothing, unless the run's artefacts are complete.
    """
    data, run = _relative(data), _relative(run)  # documents name paths as a reader's clone has them
    art = collect(data, run, _relative(learn_check) if learn_check else None)
    missing = missing_artefacts(art)
    if missing:
        raise IncompleteArtefacts("; ".join(missing))
    out.mkdir(parents=True, exist_ok=True)
    previous = _read_json(out / RESULTS_FILE)
    progress = out / "phase24-progress.md"
    plan = out / "phase25-plan.md"
    _atomic_write(progress, _progress(art, profile, run, out, previous))
    _atomic_write(plan, _plan(art, profile, run))
    _atomic_write(out / RESULTS_FILE, json.dumps(headline(art, profile), indent=2) + "\n")
    return [progress, plan]
