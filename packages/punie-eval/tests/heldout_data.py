"""A small held-out split in the dataset's format (wire.Example lines), for heldout tests."""

from __future__ import annotations

import json
from pathlib import Path

from punie_tools import wire
from punie_tools.prompt import SYSTEM_PROMPT

EXAMPLES = [
    ("ruff_check", "Lint the src folder", 'r = ruff_check("src")\nprint(r.error_count)'),
    ("pytest_run", "Run the tests", 'r = pytest_run("tests")\nprint(r.passed, r.failed)'),
    ("base", "What does E501 mean?", None),
]


def write_heldout_file(path: Path) -> Path:
    """Write three examples (two code, one direct answer) as JSONL."""
    lines = []
    for group, request, code in EXAMPLES:
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
        meta = {"group": group, "category": "simple", "source": "test", "request": request}
        lines.append(json.dumps({"messages": messages, "tools": wire.TOOLS, "meta": meta}))
    path.write_text("\n".join(lines) + "\n")
    return path
