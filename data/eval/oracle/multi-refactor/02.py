path = "src/punie/agent/history.py"
write_file(path, '''"""Conversation history helpers."""


def summarize_history(messages: list[dict[str, str]]) -> str:
    """Count the messages per role, e.g. 'user=2 assistant=1 tool=1'."""
    counts: dict[str, int] = {}
    for message in messages:
        role = message.get("role", "")
        if role:
            counts[role] = counts.get(role, 0) + 1
    return " ".join(f"{role}={count}" for role, count in counts.items())
''')
types = typecheck(path)
lint = ruff_check(path)
tests = pytest_run("tests/test_history.py")
print(f"type errors: {types.error_count}, lint: {lint.error_count}, tests passed: {tests.passed}/{tests.total}")
