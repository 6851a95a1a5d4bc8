"""Check that every span a mined example quotes still matches its source."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from punie_mine.plan import span_hash
from punie_mine.sources import resolve_source

__all__ = ["VerifyReport", "verify_file"]


@dataclass
class VerifyReport:
    examples: int = 0
    spans: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.examples > 0


def verify_file(path: Path, source: str | None, cache: Path) -> VerifyReport:
    """Re-read every quoted file range and compare its hash with the recorded one."""
    report = VerifyReport()
    roots: dict[str, Path] = {}
    lines_cache: dict[Path, list[str] | None] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            example = json.loads(line)
            meta = example["meta"]
            spec = source or meta["workspace"]["source"]
            provenance = meta.get("provenance", [])
        except (ValueError, KeyError, TypeError) as exc:
            report.problems.append(f"line {number}: not a mined example ({exc})")
            continue
        report.examples += 1
        if spec not in roots:
            roots[spec] = resolve_source(spec, cache).root
        for item in provenance:
            report.spans += 1
            file = roots[spec] / item["file"]
            if file not in lines_cache:
                try:
                    lines_cache[file] = file.read_text(
                        encoding="utf-8", errors="replace"
                    ).splitlines()
                except OSError:
                    lines_cache[file] = None
            lines = lines_cache[file]
            where = f"line {number}: {item['file']}:{item['start_line']}-{item['end_line']}"
            if lines is None:
                report.problems.append(f"{where}: file not in the source")
            elif item["end_line"] > len(lines):
                report.problems.append(f"{where}: beyond the end of the file ({len(lines)} lines)")
            elif (
                span_hash("\n".join(lines[item["start_line"] - 1 : item["end_line"]]))
                != item["sha256"]
            ):
                report.problems.append(f"{where}: text changed since it was mined")
    return report
