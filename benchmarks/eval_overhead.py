"""Harness overhead of punie-eval per query: everything except model time and tool time.

Runs the 20-query suite with the oracle backend (model time ≈ 0) several times and splits each
query's wall time into: tool calls (the real ruff/ty/pytest/file work inside the sandbox), the
sandbox's own cost around them, final-workspace scoring (real tool re-runs) and the harness's
own work (workspace copy, prompt and messages, parsing, AST scoring). Target: harness ≤ 50 ms
median per query. Ratios are against the raw tool time measured in the same run.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
TARGET_MS = 50.0


def main() -> int:
    from punie_eval.backends.oracle import OracleBackend
    from punie_eval.harness import evaluate_query
    from punie_eval.suite import load_suite

    suite = load_suite(ROOT / "data" / "eval")
    backend = OracleBackend(suite)
    rows: dict[str, list[dict[str, float]]] = {q.id: [] for q in suite.queries}
    for _ in range(RUNS):
        for query in suite.queries:
            start = time.perf_counter()
            result, _episode = evaluate_query(query, backend, suite)
            total = time.perf_counter() - start
            sandbox_own = result.sandbox_s - result.tool_s
            harness = total - result.model_s - result.sandbox_s - result.scoring_s
            rows[query.id].append(
                {
                    "total": total,
                    "model": result.model_s,
                    "tools": result.tool_s,
                    "sandbox": sandbox_own,
                    "scoring": result.scoring_s,
                    "harness": harness,
                }
            )
    table = Table(
        title=f"punie-eval overhead per query (oracle backend, median of {RUNS} runs, ms)"
    )
    for column in (
        "query",
        "total",
        "model",
        "tools (raw)",
        "sandbox",
        "scoring",
        "harness",
        "harness/tools ratio",
    ):
        table.add_column(column, justify="right" if column != "query" else "left")
    harness_medians, tool_medians = [], []
    for qid, samples in rows.items():
        med = {k: statistics.median(s[k] for s in samples) * 1000 for k in samples[0]}
        harness_medians.append(med["harness"])
        tool_medians.append(med["tools"])
        ratio = f"{med['harness'] / med['tools']:.3f}" if med["tools"] > 0 else "-"
        table.add_row(
            qid,
            *(
                f"{med[k]:.1f}"
                for k in ("total", "model", "tools", "sandbox", "scoring", "harness")
            ),
            ratio,
        )
    median_harness = statistics.median(harness_medians)
    console = Console(width=150)
    console.print(table)
    console.print(
        f"harness overhead per query: median {median_harness:.1f} ms "
        f"(max {max(harness_medians):.1f} ms); target ≤ {TARGET_MS:.0f} ms: "
        + ("[green]met[/green]" if median_harness <= TARGET_MS else "[red]missed[/red]")
    )
    console.print(f"raw tool time per query: median {statistics.median(tool_medians):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
