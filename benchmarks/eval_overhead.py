"""Harness overhead of punie-eval per query: everything except model time and tool time.

Runs the 20-query suite with the oracle backend (model time ≈ 0) several times and splits each
query's wall time into: tool calls (the real ruff/ty/pytest/file work inside the sandbox, and
the scorer's own re-runs of the tools on its fresh pristine copy), the Monty sandbox's own cost
around the model's code, and the harness itself (workspace and scorer copies, prompt and
messages, parsing, fact and rubric checks, suppression scan, tamper checks, report rows).
Target: harness ≤ 50 ms median per query. Ratios are against the raw tool time of the same run.
The fixture's truth (tool runs at load) is measured once, outside the per-query figures.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3  # `python eval_overhead.py 1`
TARGET_MS = 50.0


def main() -> int:
    from punie_eval.backends.oracle import OracleBackend
    from punie_eval.harness import evaluate_query, prepare
    from punie_eval.suite import load_suite

    suite = load_suite(ROOT / "data" / "eval")
    start = time.perf_counter()
    prepared = prepare(suite)
    truth_s = time.perf_counter() - start
    backend = OracleBackend(suite)
    rows: dict[str, list[dict[str, float]]] = {q.id: [] for q in suite.queries}
    for _ in range(RUNS):
        for query in suite.queries:
            start = time.perf_counter()
            result, _episode = evaluate_query(query, backend, suite, prepared=prepared)
            tampered = prepared[0].tampered()  # run_suite checks after every query
            total = time.perf_counter() - start
            assert not tampered, tampered
            tools = result.tool_s + result.scoring_tool_s
            sandbox_own = result.sandbox_s - result.tool_s
            harness = total - result.model_s - tools - sandbox_own
            rows[query.id].append(
                {
                    "total": total,
                    "model": result.model_s,
                    "tools": tools,
                    "sandbox": sandbox_own,
                    "harness": harness,
                }
            )
    table = Table(
        title=f"punie-eval overhead per query (oracle backend, median of {RUNS} runs, ms)"
    )
    columns = ("query", "total", "model", "tools (raw)", "sandbox", "harness", "harness/tools")
    for column in columns:
        table.add_column(column, justify="right" if column != "query" else "left")
    harness_medians, tool_medians = [], []
    for qid, samples in rows.items():
        med = {k: statistics.median(s[k] for s in samples) * 1000 for k in samples[0]}
        harness_medians.append(med["harness"])
        tool_medians.append(med["tools"])
        ratio = f"{med['harness'] / med['tools']:.3f}" if med["tools"] > 0 else "-"
        table.add_row(
            qid,
            *(f"{med[k]:.1f}" for k in ("total", "model", "tools", "sandbox", "harness")),
            ratio,
        )
    median_harness = statistics.median(harness_medians)
    console = Console(width=150)
    console.print(table)
    console.print(
        f"truth of the fixture (tool runs at load, once per run): {truth_s * 1000:.0f} ms"
    )
    console.print(
        f"harness overhead per query: median {median_harness:.1f} ms "
        f"(max {max(harness_medians):.1f} ms); target ≤ {TARGET_MS:.0f} ms: "
        + ("[green]met[/green]" if median_harness <= TARGET_MS else "[red]missed[/red]")
    )
    console.print(f"raw tool time per query: median {statistics.median(tool_medians):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
