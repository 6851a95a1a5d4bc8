"""The no-clairvoyance rule: numbers in code and answers must have been revealed first."""

from hypothesis import given
from hypothesis import strategies as st

from punie_mine.grounding import check_messages, code_numbers, text_numbers


def _call(code: str) -> dict:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "c", "type": "function",
                        "function": {"name": "execute_code", "arguments": {"code": code}}}],
    }  # fmt: skip


def _conversation(request: str, *turns: tuple[str, str], answer: str) -> list[dict]:
    messages = [
        {"role": "system", "content": "line 115 of nothing"},
        {"role": "user", "content": request},
    ]
    for code, output in turns:
        messages += [_call(code), {"role": "tool", "tool_call_id": "c", "content": output}]
    return [*messages, {"role": "assistant", "content": answer}]


READ = 'lines = read_file("m.py").splitlines()\nfor n in range(115, 160 + 1):\n    print(n, lines[n - 1])\n'


def test_a_first_read_of_unseen_lines_is_clairvoyant() -> None:
    violations = check_messages(_conversation("Show me m.py", (READ, "115 def f():"), answer="ok"))
    assert [(v.kind, v.number) for v in violations] == [("code", 115), ("code", 160)]


def test_the_same_read_after_a_grep_that_printed_the_lines_is_fine() -> None:
    grep = 'print(run_command("grep", ["-n", "def f", "m.py"]))'
    messages = _conversation(
        "Show me f",
        (grep, "115:def f():\n160:def g():"),
        (READ, "115 def f():"),
        answer="f is at line 115.",
    )
    assert check_messages(messages) == []


def test_the_system_prompt_reveals_nothing_and_the_request_does() -> None:
    # the system message mentions 115, but only the request and tool outputs count
    assert check_messages(_conversation("read the top of m.py", (READ, "115 x"), answer="done"))
    # 1 is free, so `160 + 1` needs only 160: the request gives both numbers
    asked = _conversation("read lines 115 to 160 of m.py", (READ, "115 x"), answer="done")
    assert check_messages(asked) == []


def test_answers_may_state_only_numbers_the_outputs_showed() -> None:
    grep = 'print(run_command("grep", ["-c", "def test", "t.py"]))'
    good = _conversation("how many tests?", (grep, "4"), answer="t.py has 4 tests.")
    bad = _conversation("how many tests?", (grep, "4"), answer="t.py has 5 tests.")
    assert check_messages(good) == []
    assert [(v.kind, v.number) for v in check_messages(bad)] == [("answer", 5)]


def test_a_direct_answer_is_checked_against_the_quoted_source() -> None:
    messages = [
        {"role": "user", "content": "what is x?"},
        {"role": "assistant", "content": "x holds 3 items"},
    ]
    assert check_messages(messages, ["x is a list of 3 items"]) == []
    assert check_messages(messages, ["x is a list"])


def test_free_numbers_and_head_caps() -> None:
    code = "for v in result.violations[:8]:\n    print(v.line - 1, lines[0], lines[-1], x[2:])\n"
    assert code_numbers(code) == [(2, 2)]


@given(st.integers(min_value=2, max_value=10**6))
def test_any_number_printed_before_is_revealed(n: int) -> None:
    code = f"print(lines[{n}])"
    assert (
        check_messages(_conversation("q", ("print(1)", f"at {n}:"), (code, "x"), answer="a")) == []
    )
    assert check_messages(_conversation("q", ("print(1)", f"at {n + 1}x"), (code, "x"), answer="a"))


def test_numbers_inside_words_and_versions_are_not_numbers() -> None:
    assert text_numbers("test_v2 uses python3.14 and 7 items, line 12:") == {7, 12}
