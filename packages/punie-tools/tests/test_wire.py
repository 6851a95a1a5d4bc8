"""Wire format: messages, tool output text, and parsing what models emit (with round trips)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from punie_tools import wire
from punie_tools.models import ExecutionError, ExecutionRecord
from punie_tools.wire import CodeCall, DirectAnswer, Malformed

# Code as models write it: any text, including markup-like strings, quotes and unicode.
code_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300
).filter(lambda s: s.strip() != "")
markup = st.sampled_from(
    ["<tool_call>", "</tool_call>", "<think>", "</think>", "</parameter>", "<parameter=code>", "</function>", '"}',
     "\\n", "```", "\n"]
)  # fmt: skip
tricky_code = (
    st.lists(st.one_of(code_text, markup), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda s: s.strip() != "")
)


@given(tricky_code)
def test_qwen3_coder_round_trip(code: str) -> None:
    # The XML form cannot tell apart code that itself ends a call and starts another one.
    assume(not re.search(r"</function>\s*</tool_call>\s*<tool_call>", code))
    parsed = wire.parse_model_output(wire.render_qwen3_coder(code))
    assert parsed == CodeCall(code=code, format="qwen3_coder")


@given(tricky_code)
def test_hermes_round_trip(code: str) -> None:
    parsed = wire.parse_model_output(wire.render_hermes(code))
    assert parsed == CodeCall(code=code, format="hermes")


@given(tricky_code, st.text(max_size=80))
def test_round_trip_with_prose_before(code: str, prose: str) -> None:
    prose = prose.replace("<", "(")
    parsed = wire.parse_model_output(prose + "\n" + wire.render_hermes(code))
    assert isinstance(parsed, CodeCall)
    assert parsed.code == code
    assert parsed.content == prose.strip()


@given(st.text(max_size=400))
def test_parser_never_raises(text: str) -> None:
    parsed = wire.parse_model_output(text)
    assert isinstance(parsed, CodeCall | DirectAnswer | Malformed)


@given(tricky_code, st.integers(min_value=0, max_value=400))
def test_truncated_calls_never_raise(code: str, cut: int) -> None:
    for text in (wire.render_qwen3_coder(code), wire.render_hermes(code)):
        parsed = wire.parse_model_output(text[:cut])
        assert isinstance(parsed, CodeCall | DirectAnswer | Malformed)


def test_message_shapes() -> None:
    msg = wire.assistant_code_message("print(1)", "call_1")
    assert msg == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "execute_code", "arguments": {"code": "print(1)"}},
            }
        ],
    }
    assert wire.tool_message("1", "call_1") == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "1",
    }
    assert wire.TOOLS == [wire.EXECUTE_CODE_TOOL]
    assert wire.EXECUTE_CODE_TOOL["function"]["parameters"]["required"] == ["code"]


def test_example_round_trips_as_one_json_line() -> None:
    ex = wire.Example(
        messages=[
            {"role": "user", "content": "lint?"},
            wire.assistant_code_message("print(ruff_check('.').success)", "c0"),
            wire.tool_message("True", "c0"),
            wire.assistant_text_message("Clean."),
        ],
        meta=wire.ExampleMeta(
            group="ruff_check",
            category="clean",
            source="unit",
            request="lint?",
            workspace={"template": "x"},
            provenance=[{"repository": "r", "file": "f.py", "lines": [1, 2], "hash": "h"}],
        ),
    )
    line = ex.model_dump_json()
    assert "\n" not in line
    data = json.loads(line)
    assert set(data) == {"messages", "tools", "meta"}
    assert data["tools"] == wire.TOOLS
    assert wire.Example.model_validate_json(line) == ex
    with pytest.raises(ValueError):
        wire.ExampleMeta(group="nonsense", category="c", source="s", request="r")  # ty: ignore[invalid-argument-type]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('<tool_call>\n{"name": "shell", "arguments": {"code": "x"}}\n</tool_call>', "unknown function"),
        ("<tool_call>\n<function=shell>\n<parameter=code>\nx\n</parameter>\n</function>\n</tool_call>",
         "unknown function"),
        ('<tool_call>\n{"name": "execute_code", "arguments": {"cmd": "x"}}\n</tool_call>', "string argument"),
        ('<tool_call>\n{"name": "execute_code", "arguments": {"code": "x"\n</tool_call>', "not valid JSON"),
        ("<tool_call>\n<function=execute_code>\n<parameter=code>\nprint(1)\n", "not closed"),
        ("<tool_call>\n<function=execute_code>\n<parameter=cmd>\nls\n</parameter>\n</function>\n</tool_call>",
         "unknown parameter"),
        ("<tool_call>\nrun this please\n</tool_call>", "neither JSON"),
        ('<tool_call>\n{"name": "execute_code", "arguments": {"code": "  "}}\n</tool_call>', "empty code"),
        ("print(1)\n</tool_call>", "without an opening"),
        ("<think>\nlet me think about", "unclosed <think>"),
        ("   \n", "empty output"),
        ('<tool_call>\n{"name": "execute_code", "arguments": "{not json"}\n</tool_call>', "not valid JSON"),
    ],
)  # fmt: skip
def test_malformed_outputs(text: str, reason: str) -> None:
    parsed = wire.parse_model_output(text)
    assert isinstance(parsed, Malformed), parsed
    assert reason in parsed.reason
    assert parsed.raw == text


def test_variants_models_emit() -> None:
    # OpenAI-style arguments given as a JSON string.
    as_string = '<tool_call>\n{"name": "execute_code", "arguments": "{\\"code\\": \\"x = 1\\"}"}\n</tool_call>'
    assert wire.parse_model_output(as_string) == CodeCall(code="x = 1", format="hermes")
    # Thinking is dropped, prose before the call is kept, extra calls are counted.
    text = "<think>plan</think>Checking.\n" + wire.render_qwen3_coder("print(1)") * 2
    parsed = wire.parse_model_output(text)
    assert parsed == CodeCall(code="print(1)", content="Checking.", ignored_calls=1)
    # Qwen3-Coder without the <tool_call> wrapper.
    bare = "<function=execute_code>\n<parameter=code>\nprint(2)\n</parameter>\n</function>"
    assert wire.parse_model_output(bare) == CodeCall(code="print(2)")
    # Missing </tool_call> at the end of the turn (stop token eaten).
    assert wire.parse_model_output(wire.render_hermes("y")[: -len("</tool_call>")]) == CodeCall(
        code="y", format="hermes"
    )
    # Prose answer, and fenced code only when asked for.
    answer = "Use `ruff check --fix`.\n```python\nprint(1)\n```"
    assert wire.parse_model_output(answer) == DirectAnswer(text=answer)
    fenced = wire.parse_model_output(answer, allow_fenced=True)
    assert fenced == CodeCall(code="print(1)", format="fenced", content="Use `ruff check --fix`.")


def test_format_tool_output() -> None:
    ok = ExecutionRecord(code="", stdout="a\nb\n")
    assert wire.format_tool_output(ok) == "a\nb"
    empty = ExecutionRecord(code="")
    assert wire.format_tool_output(empty) == "(no output)"
    failed = ExecutionRecord(
        code="", stdout="start\n", error=ExecutionError(kind="runtime", message="E: x", line=3)
    )
    assert wire.format_tool_output(failed) == "start\nError (runtime, line 3): E: x"
    no_line = ExecutionRecord(code="", error=ExecutionError(kind="timeout", message="T"))
    assert wire.format_tool_output(no_line) == "Error (timeout): T"
    long = ExecutionRecord(code="", stdout="x" * 100)
    assert wire.format_tool_output(long, max_chars=10) == (
        "x" * 10 + "\n… [output truncated: 90 more characters]"
    )
    timed = ExecutionRecord(code="", stdout="s\n", duration=1.5)
    assert wire.format_tool_output(timed) == wire.format_tool_output(
        timed.model_copy(update={"duration": 9.0})
    )


def test_code_mode_messages_carry_each_real_run(tmp_path) -> None:
    from punie_tools.sandbox import run_code

    (tmp_path / "notes.txt").write_text("alpha\nbeta\n")
    codes = ['print(read_file("notes.txt").splitlines()[0])\n', "print(undefined_name)\n"]
    turns = [(code, run_code(code, tmp_path)) for code in codes]
    messages = wire.code_mode_messages("SYS", "read the notes", turns, "The first line is alpha.")
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]
    assert messages[2]["tool_calls"][0]["function"]["arguments"]["code"] == codes[0]
    assert [m["tool_call_id"] for m in messages if m["role"] == "tool"] == ["call_0", "call_1"]
    assert messages[3]["content"] == "alpha"
    assert (
        messages[5]["content"].startswith("Error (") and "undefined_name" in messages[5]["content"]
    )
    assert messages[-1] == wire.assistant_text_message("The first line is alpha.")
