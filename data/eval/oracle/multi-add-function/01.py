path = "src/punie/agent/history.py"
source = read_file(path)
source = source + '''

def truncate(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters, ending with "..." when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."
'''
write_file(path, source)
write_file("tests/test_truncate.py", '''from punie.agent.history import truncate


def test_short_text_is_unchanged():
    assert truncate("abc", 5) == "abc"


def test_text_of_exactly_limit_is_unchanged():
    assert truncate("abcdef", 6) == "abcdef"


def test_long_text_is_cut_with_an_ellipsis():
    assert truncate("abcdefgh", 6) == "abc..."
''')
result = pytest_run("tests/test_truncate.py")
print(f"{result.passed}/{result.total} passed")
for failure in result.failures:
    print(failure.test_id, failure.message)
