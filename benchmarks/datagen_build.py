"""Dataset build time: a cold full build (empty sandbox cache) and a warm one (same cache).

Both run `punie-datagen build` as a user would, in their own process, into temporary
directories; the warm build must produce byte-identical splits. Targets on the 2-core dev
machine: cold ≤ 180 s, warm ≤ 10 s. The machine's load average is reported beside the times
(other work on the machine inflates them), and each build's CPU seconds (user + sys of the
build and every process it waited for), which other work inflates much less. Usage:
``python benchmarks/datagen_build.py [--scale S]``.

The warm build recomputes nothing that the cache remembers (punie-datagen's README, "Cache and
determinism"): it reports whether the generated examples were remembered, how many of its
verify checks were served from earlier fresh runs, and how many derived results it computed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

TARGETS = {"cold": 180.0, "warm": 10.0}
SUITE = Path(__file__).resolve().parents[1] / "data" / "eval" / "suite.toml"


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_build(out: Path, cache: Path, scale: float) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one build: the CPU time (user + sys) of the build's
    process and of every process it waited for (tools, sandboxes, Monty workers)."""
    command = [
        sys.executable,
        "-m",
        "punie_datagen.cli",
        "build",
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--scale",
        str(scale),
        "--suite",
        str(SUITE),
    ]
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the dataset (1.0 = full)"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="copy the cold build's dataset here"
    )
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="punie-bench-datagen-") as tmp:
        root = Path(tmp)
        load_before = os.getloadavg()[0]
        cold, cold_cpu = run_build(root / "cold", root / "cache", args.scale)
        load_cold = os.getloadavg()[0]
        warm, warm_cpu = run_build(root / "warm", root / "cache", args.scale)
        load_warm = os.getloadavg()[0]
        manifest = json.loads((root / "cold" / "manifest.json").read_text())
        warm_manifest = json.loads((root / "warm" / "manifest.json").read_text())
        if args.keep is not None:
            shutil.copytree(root / "cold", args.keep, dirs_exist_ok=True)
        same = all(
            (root / "cold" / n).read_bytes() == (root / "warm" / n).read_bytes()
            for n in ("train.jsonl", "valid.jsonl", "test.jsonl")
        )
    table = Table(title=f"punie-datagen build, {manifest['total']} examples (scale {args.scale})")
    for column in ("build", "seconds", "CPU seconds", "target", "met"):
        table.add_column(column)
    for name, seconds, cpu in (("cold", cold, cold_cpu), ("warm", warm, warm_cpu)):
        target = TARGETS[name] if args.scale == 1.0 else float("nan")
        table.add_row(
            name, f"{seconds:.1f}", f"{cpu:.1f}", f"≤ {target:.0f}",
            "yes" if seconds <= target else "no",
        )  # fmt: skip
    console.print(table)
    console.print(f"warm/cold ratio {warm / cold:.3f}; warm build byte-identical: {same}")
    remembered = {
        "generation": warm_manifest.get("tool_cache", {}).get("generation", "run"),
        "verify_remembered": warm_manifest.get("verify", {}).get("remembered", 0),
        "derived_computed": sum(
            t.get("computed", 0) for t in warm_manifest.get("derived_cache", {}).values()
        ),
    }
    console.print(
        f"warm build: generated examples {remembered['generation']}, "
        f"{remembered['verify_remembered']} of {warm_manifest['verify']['checked']} verify checks "
        f"remembered, {remembered['derived_computed']} derived results computed again"
    )
    console.print(
        f"load average (1 min) before {load_before:.1f}, after the cold build {load_cold:.1f}, "
        f"after the warm build {load_warm:.1f}, on {os.cpu_count()} CPUs"
    )
    print(
        json.dumps(
            {
                "cold_seconds": round(cold, 1),
                "warm_seconds": round(warm, 1),
                "cold_cpu_seconds": round(cold_cpu, 1),
                "warm_cpu_seconds": round(warm_cpu, 1),
                "examples": manifest["total"],
                "identical": same,
                "load_before": round(load_before, 2),
                "load_after_cold": round(load_cold, 2),
                "load_after_warm": round(load_warm, 2),
                "warm": remembered,
            }
        )
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
