"""A small held-out split in the dataset's format (wire.Example lines), for heldout tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punie_tools import wire
from punie_tools.prompt import SYSTEM_PROMPT

# (group, category, request, reference first-turn code or None, meta.workspace)
EXAMPLES: list[tuple[str, str, str, str | None, dict[str, Any]]] = [
    (
        "ruff_check",
        "simple",
        "Lint the src folder",
        'r = ruff_check("src")\nprint(r.error_count)',
        {},
    ),
    (
        "pytest_run",
        "simple",
        "Run the tests",
        'r = pytest_run("tests")\nprint(r.passed, r.failed)',
        {},
    ),
    ("base", "knowledge", "What does E501 mean?", None, {}),
]

# An example whose workspace punie-datagen can rebuild: its code really runs there.
INVENTORY = (
    "ruff_check",
    "simple",
    "Lint the inventory package",
    'r = ruff_check("inventory")\nprint(r.error_count)',
    {"project": "inventory"},
)


def write_heldout_file(path: Path, examples: list[Any] | None = None) -> Path:
    """Write examples (default: two code, one direct answer) as JSONL."""
    lines = []
    for group, category, request, code, workspace in examples or EXAMPLES:
        messages: list[dict] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": request},
        ]
        if code is None:
            messages.append({"role": "assistant", "content": "E501 means the line is too long."})
        else:
            messages.append(wire.assistant_code_message(code, "call_0"))
            messages.append(wire.tool_message("0", "call_0"))
            messages.append({"role": "assistant", "content": "Done."})
        meta = {
            "group": group,
            "category": category,
            "source": "test",
            "request": request,
            "workspace": workspace,
        }
        lines.append(json.dumps({"messages": messages, "tools": wire.TOOLS, "meta": meta}))
    path.write_text("\n".join(lines) + "\n")
    return path
