"""A small dataset in punie-datagen's shape for learn-check: groups, categories, first moves.

Each example is a conversation cut after its first assistant turn (what learn-check trains and
scores), so it holds no tool output that would have to come from a real run. The tool
definition is punie-tools' own; the system prompt is a short one, so that the three real
learn-check runs of the tests stay cheap (the real prompt is ~1,200 word-level tokens; the
end-to-end test runs learn-check on real data). Requests name every file or symbol the code uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punie_tools import wire

SYSTEM_PROMPT = (
    "You are Punie, a Python coding assistant. Call execute_code with Python that uses "
    "read_file, write_file, run_command, typecheck, ruff_check and pytest_run; answer "
    "questions that need no tool directly."
)
FILES = ["src/app.py", "src/models.py", "src/cli.py", "src/store.py", "src/report.py"]

# (group, category, request template, code template or None for a direct answer)
KINDS: list[tuple[str, str, str, str | None]] = [
    ("base", "read_file", "Show me {f}.", 'print(read_file("{f}"))'),
    (
        "base",
        "grep",
        "Where is {s} used under src/?",
        'print(run_command("grep", ["-rn", "{s}", "src"]))',
    ),
    ("base", "direct", "What does ruff's {r} rule flag?", None),
    (
        "ruff_check",
        "simple",
        "Lint {f} with ruff.",
        'r = ruff_check("{f}")\nfor v in r.violations:\n    print(v.line, v.code, v.message)',
    ),
    (
        "typecheck",
        "simple",
        "Type-check {f}.",
        'r = typecheck("{f}")\nprint(r.error_count)\nfor e in r.errors:\n    print(e.line, e.message)',
    ),
    (
        "pytest_run",
        "simple",
        "Run the tests in tests/test_{s}.py.",
        'r = pytest_run("tests/test_{s}.py")\nprint(r.passed, r.failed)',
    ),
    (
        "workflow",
        "typecheck+ruff",
        "Type-check and lint {f}.",
        't = typecheck("{f}")\nr = ruff_check("{f}")\nprint(t.error_count, r.error_count)',
    ),
]
SYMBOLS = ["load", "save", "parse", "render", "main"]
RULES = {
    "E501": "a line longer than the configured limit",
    "F401": "an import that is never used",
    "F841": "a local variable that is assigned but never used",
    "E711": "a comparison to None with == instead of is",
    "I001": "imports that are not sorted",
}


def make_example(index: int) -> dict[str, Any]:
    """Example ``index``: kinds cycle, files and symbols shift so every request is distinct."""
    group, category, request, code = KINDS[index % len(KINDS)]
    round_ = index // len(KINDS)
    f = FILES[(index + round_) % len(FILES)]
    s = SYMBOLS[(index + 2 * round_) % len(SYMBOLS)]
    r = list(RULES)[round_ % len(RULES)]
    text = request.format(f=f, s=s, r=r)
    if code is None:
        turn = wire.assistant_text_message(f"{r} flags {RULES[r]}.")
    else:
        turn = wire.assistant_code_message(code.format(f=f, s=s), "call_0")
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": text},
        turn,
    ]
    meta = {"group": group, "category": category, "source": "tests", "request": text}
    return {"messages": messages, "tools": wire.TOOLS, "meta": meta}


def write_learn_dataset(directory: Path, n_train: int = 28, n_valid: int = 7) -> Path:
    """Write train/valid.jsonl (distinct examples) into ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for split, indices in (
        ("train", range(n_train)),
        ("valid", range(n_train, n_train + n_valid)),
    ):
        lines = [json.dumps(make_example(i)) for i in indices]
        (directory / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    return directory
