"""The system prompt is built from the stubs and stays compact."""

from __future__ import annotations

from punie_tools.backends import DEFAULT_ALLOWED_COMMANDS
from punie_tools.prompt import SYSTEM_PROMPT, build_system_prompt
from punie_tools.stubs import STUBS


def test_prompt_contains_the_stubs_and_the_guidelines() -> None:
    assert STUBS.rstrip() in SYSTEM_PROMPT
    assert "execute_code" in SYSTEM_PROMPT
    for name in ("typecheck()", "ruff_check()", "pytest_run()", "tool_error", "print()"):
        assert name in SYSTEM_PROMPT
    assert 'run_command("ty" | "ruff" | "pytest"' in SYSTEM_PROMPT
    assert "Answer directly" in SYSTEM_PROMPT
    assert "except FileNotFoundError:" in SYSTEM_PROMPT  # tool errors can be caught
    assert "class PermissionError(OSError)" in SYSTEM_PROMPT
    for command in DEFAULT_ALLOWED_COMMANDS:
        assert command in SYSTEM_PROMPT


def test_prompt_follows_the_stubs() -> None:
    changed = build_system_prompt(STUBS + "def extra_tool() -> None: ...\n")
    assert "def extra_tool()" in changed
    assert build_system_prompt() == SYSTEM_PROMPT


def test_prompt_is_compact() -> None:
    # Budget: < 1200 tokens. BPE tokenizers of code-heavy English average ~3.7 characters per
    # token, so 4400 characters is the proxy (no real tokenizer is available offline here).
    assert len(SYSTEM_PROMPT) < 4400
    assert len(SYSTEM_PROMPT.split()) < 700
