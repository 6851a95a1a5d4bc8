"""Check mined examples: every quoted span still matches its source, and no call is clairvoyant."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from punie_mine.grounding import check_messages
from punie_mine.plan import span_hash
from punie_mine.sources import resolve_source

__all__ = ["VerifyReport", "verify_file"]


@dataclass
class VerifyReport:
    examples: int = 0
    spans: int = 0
    clairvoyant: int = 0  # examples with a number neither the request nor an output revealed
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.examples > 0


def verify_file(path: Path, source: str | None, cache: Path) -> VerifyReport:
    """Re-read every quoted file range, compare its hash, and apply the no-clairvoyance rule."""
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
            messages = example["messages"]
        except (ValueError, KeyError, TypeError) as exc:
            report.problems.append(f"line {number}: not a mined example ({exc})")
            continue
        report.examples += 1
        if spec not in roots:
            roots[spec] = resolve_source(spec, cache).root
        quoted: list[str] = []
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
            else:
                quoted.append("\n".join(lines[item["start_line"] - 1 : item["end_line"]]))
        quoted += [str(item.get("file", "")) for item in provenance]  # cited by name
        violations = check_messages(messages, quoted)
        if violations:
            report.clairvoyant += 1
            for violation in violations:
                report.problems.append(
                    f"line {number}: message {violation.turn}: {violation.detail}, which neither "
                    "the request nor an earlier tool output revealed"
                )
    return report
