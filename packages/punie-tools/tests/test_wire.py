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
from punie_tools.wire.hermes import parse_hermes_call

# Mutants `nox -s mutation` reports as surviving that cannot change what the wire code returns:
# mutant name -> (the mutated line, why it is equivalent).
EQUIVALENT_MUTANTS = {
    "punie_tools.wire.x__strip_thinking__mutmut_18": (
        "end = text.rfind(_THINK_END, None, limit)",
        "a start of None means 0 to str.rfind",
    ),
    "punie_tools.wire.hermes.x_render_hermes__mutmut_5": (
        'arguments = json.dumps({"code": code}, ensure_ascii=None)',
        "json.dumps only tests ensure_ascii for truth: None acts as False",
    ),
    "punie_tools.wire.qwen3_coder.x_parse_qwen3_coder_call__mutmut_99": (
        "return CodeCall(code=value, )",
        'CodeCall.format defaults to "qwen3_coder"',
    ),
    "punie_tools.wire.x_parse_model_output__mutmut_65": (
        'block, after = rest, "XXXX"',
        "`after` only feeds the count of further <tool_call> tags, and 'XXXX' holds none",
    ),
    "punie_tools.wire.x__without_tool_call__mutmut_22": (
        'block, after = (rest[: match.end()], rest[match.end() :]) if match else (rest, "XXXX")',
        "`after` only feeds the count of further <function= tags, and 'XXXX' holds none",
    ),
}

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


# --------------------------------------------------------------------------- exact behaviour
# Found by `nox -s mutation`: the reasons and texts below are what datagen stores and eval
# reports, so each one is pinned.


def test_renderers_match_the_chat_templates() -> None:
    assert wire.render_hermes('print("é")') == (
        '<tool_call>\n{"name": "execute_code", "arguments": {"code": "print(\\"é\\")"}}\n'
        "</tool_call>"
    )
    assert wire.render_hermes("x", name="shell") == (
        '<tool_call>\n{"name": "shell", "arguments": {"code": "x"}}\n</tool_call>'
    )
    assert wire.render_qwen3_coder("x = 1", name="shell") == (
        "<tool_call>\n<function=shell>\n<parameter=code>\nx = 1\n</parameter>\n</function>\n"
        "</tool_call>"
    )


def _hermes(payload: str) -> str:
    return f"<tool_call>\n{payload}\n</tool_call>"


def _xml(inner: str) -> str:
    return f"<tool_call>\n{inner}\n</tool_call>"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_hermes('{"name": "execute_code"}'), "tool call has no arguments object"),
        (_hermes('{"name": "execute_code", "arguments": [1]}'), "tool call has no arguments object"),
        (_hermes('{"name": "execute_code", "arguments": "[1"}'), "arguments is a string but not valid JSON"),
        (_hermes('{"name": "execute_code", "arguments": {"code": 1}}'), "execute_code needs a string argument 'code'"),
        (_hermes('{"name": "execute_code", "arguments": {"code": "x", "b": 1, "a": 2}}'),
         "execute_code takes only code, got also ['a', 'b']"),
        (_hermes('{"name": "execute_code", "arguments": {"code": " \\n"}}'), "execute_code was called with empty code"),
        (_hermes('{"name": "run", "arguments": {"code": "x"}}'), "unknown function 'run'; the only tool is execute_code"),
        (_hermes('{"name": "execute_code", "arguments": {"code": "x"}} trailing'), "unexpected text after the tool call's JSON"),
        ("<tool_call>\n{'name': 1}\n</tool_call>", "tool call is not valid JSON: Expecting property name enclosed in double quotes at 1"),
        (_xml("<function=execute code>\n</function>"), "tool call has no <function=NAME> tag"),
        (_xml("<function=shell>\n<parameter=code>\nx\n</parameter>\n</function>"),
         "unknown function 'shell'; the only tool is execute_code"),
        (_xml("<function=execute_code>\n</function>"), "execute_code call has no <parameter=code>"),
        (_xml("<function=execute_code></function>"), "execute_code call has no <parameter=code>"),
        (_xml("<function=execute_code><parameter=code></parameter></function>"),
         "execute_code was called with empty code"),
        (_xml("<function=execute_code>\n<parameter=cmd>\nls\n</parameter>\n</function>"),
         "unknown parameter 'cmd'; execute_code takes only code"),
        (_xml("<function=execute_code>\n<parameter=code>\nx\n</function>"),
         "<parameter=code> is not closed by </parameter>"),
        (_xml("<function=execute_code>\n<parameter=code>\nx\n</parameter>\n<parameter=y>\n1\n</function>"),
         "execute_code takes exactly one parameter, code"),
        (_xml("<function=execute_code>\n<parameter=code>\n \n</parameter>\n</function>"),
         "execute_code was called with empty code"),
        ("<tool_call>\n<function=execute_code>\n<parameter=code>\nx\n</parameter>", "tool call is not closed by </function></tool_call>"),
        ("<tool_call>\nrun it\n</tool_call>", "<tool_call> holds neither JSON nor <function=...>"),
        ("<function=execute_code>\n<parameter=code>\nx\n</parameter>", "<function=execute_code> is not closed by </function>"),
        ("<function=run>\n<parameter=code>\nx\n</parameter>\n</function>", "unknown function 'run'; the only tool is execute_code"),
        ("done.\n</tool_call>", "</tool_call> without an opening <tool_call>"),
        ("  <think>still thinking", "the turn ended inside an unclosed <think> block"),
        (" \n\t", "empty output"),
        ("<think>plan</think>\n", "empty output"),
    ],
)  # fmt: skip
def test_malformed_reasons_exactly(text: str, reason: str) -> None:
    assert wire.parse_model_output(text) == Malformed(reason=reason, raw=text)


def test_not_text_is_malformed() -> None:
    parsed = wire.parse_model_output(b"<tool_call>")  # ty: ignore[invalid-argument-type]

    assert parsed == Malformed(reason="model output is bytes, not text", raw="b'<tool_call>'")


def test_hermes_call_parser_alone() -> None:
    # parse_model_output sends only text starting with "{" here; other JSON is still refused.
    assert parse_hermes_call("  [1] x", "raw") == (
        Malformed(reason="tool call JSON is not an object", raw="raw"),
        5,
    )
    bad = parse_hermes_call("{", "r")
    assert (bad[0].kind, bad[1]) == ("malformed", 0)  # nothing consumed
    call, end = parse_hermes_call('\n {"name": "execute_code", "arguments": {"code": "x"}}  ', "r")
    assert (call, end) == (CodeCall(code="x", format="hermes"), 54)


def test_hermes_variants() -> None:
    parameters = _hermes('{"name": "execute_code", "parameters": {"code": "x = 1"}}')
    assert wire.parse_model_output(parameters) == CodeCall(code="x = 1", format="hermes")
    spaced = (
        "Let me look.  \n<tool_call>  \n" + '{"name": "execute_code", "arguments": {"code": "a"}}'
    )
    assert wire.parse_model_output(spaced + "  </tool_call>") == CodeCall(
        code="a", format="hermes", content="Let me look."
    )
    two = wire.render_hermes("a") + "\n" + wire.render_hermes("b") + wire.render_qwen3_coder("c")
    assert wire.parse_model_output(two) == CodeCall(code="a", format="hermes", ignored_calls=2)


def test_qwen3_coder_variants() -> None:
    loose = "<tool_call><function=execute_code><parameter=code>x</parameter></function></tool_call>"
    assert wire.parse_model_output(loose) == CodeCall(code="x")
    blank_lines = _xml(
        "<function=execute_code>\n<parameter=code>\n\nx\n\n</parameter>\n</function>"
    )
    assert wire.parse_model_output(blank_lines) == CodeCall(code="\nx\n")
    unclosed_call = (
        "<tool_call>\n<function=execute_code>\n<parameter=code>\ny\n</parameter>\n</function>  \n"
    )
    assert wire.parse_model_output(unclosed_call) == CodeCall(code="y")
    two = wire.render_qwen3_coder("a") + "\n  " + wire.render_qwen3_coder("b")
    assert wire.parse_model_output(two) == CodeCall(code="a", ignored_calls=1)
    # A call followed by prose: the prose is not a second call.
    assert wire.parse_model_output(wire.render_qwen3_coder("z") + "\nDone.") == CodeCall(code="z")
    # Code that itself holds the closing tags, followed by prose.
    inner = "s = '</function></tool_call>'"
    text = wire.render_qwen3_coder(inner) + "\nthat was it"
    assert wire.parse_model_output(text) == CodeCall(code=inner)
    bare = "Running it.\n<function=execute_code>\n<parameter=code>\nq\n</parameter>\n</function>"
    assert wire.parse_model_output(bare) == CodeCall(code="q", content="Running it.")


def _bare(code: str) -> str:
    return f"<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>"


def test_bare_calls_only_the_first_runs() -> None:
    # Qwen3-Coder without the <tool_call> wrapper, twice in one turn: the first call's code
    # stops at its own </function> (it used to run on into the second call).
    text = "<think>a</think>Two steps.\n" + _bare("print('</think>')") + "\n" + _bare("b")
    assert wire.parse_model_output(text) == CodeCall(
        code="print('</think>')", content="Two steps.", ignored_calls=1
    )
    holds_tag = _bare("s = '</function>'")
    assert wire.parse_model_output(holds_tag + _bare("t")) == CodeCall(
        code="s = '</function>'", ignored_calls=1
    )
    assert wire.parse_model_output(_bare("u") + "\nDone.") == CodeCall(code="u")


def test_thinking_is_stripped_only_before_the_call() -> None:
    call = wire.render_hermes("print('</think>')")
    parsed = wire.parse_model_output("<think>a</think>\nb</think> Sure.\n" + call)
    assert parsed == CodeCall(code="print('</think>')", format="hermes", content="Sure.")
    xml = "<think>plan</think>" + wire.render_qwen3_coder("print('</think>')")
    assert wire.parse_model_output(xml) == CodeCall(code="print('</think>')")
    bare = "<think>x</think><function=execute_code>\n<parameter=code>\nk('</think>')\n</parameter>\n</function>"
    assert wire.parse_model_output(bare) == CodeCall(code="k('</think>')")
    unclosed_bare = (
        "<think>hmm <function=execute_code>\n<parameter=code>\nw\n</parameter>\n</function>"
    )
    assert wire.parse_model_output(unclosed_bare) == CodeCall(code="w", content="<think>hmm")
    assert wire.parse_model_output("</think>The answer.") == DirectAnswer(text="The answer.")
    # An unclosed <think> followed by a call still runs the call.
    assert wire.parse_model_output("<think>hmm " + wire.render_hermes("v")) == CodeCall(
        code="v", format="hermes", content="<think>hmm"
    )
    assert wire.parse_model_output("<think>a</think>  The answer. ") == DirectAnswer(
        text="The answer."
    )
    # Two Hermes calls, the first mentioning the tag: the thinking ends before the first call.
    two = "<think>a</think>\n" + wire.render_hermes("print('</think>')") + wire.render_hermes("y")
    assert wire.parse_model_output(two) == CodeCall(
        code="print('</think>')", format="hermes", ignored_calls=1
    )


def test_fenced_code_only_when_allowed_and_not_empty() -> None:
    fenced = "Try:\n```py  \nx = 1\n\n```\nthen more"
    assert wire.parse_model_output(fenced, allow_fenced=True) == CodeCall(
        code="x = 1", format="fenced", content="Try:"
    )
    empty = "```python\n  \n```"
    assert wire.parse_model_output(empty, allow_fenced=True) == DirectAnswer(text=empty)
    other = "```bash\nls\n```"
    assert wire.parse_model_output(other, allow_fenced=True) == DirectAnswer(text=other)
    assert wire.parse_model_output("prose", allow_fenced=True) == DirectAnswer(text="prose")
    spaces = "```python\nx = 1  \n```"
    assert wire.parse_model_output(spaces, allow_fenced=True) == CodeCall(
        code="x = 1  ", format="fenced"
    )
    ends_in_x = "```python\nx = X\n```"
    assert wire.parse_model_output(ends_in_x, allow_fenced=True) == CodeCall(
        code="x = X", format="fenced"
    )


def test_format_tool_output_limits_and_whitespace() -> None:
    def run(stdout: str, **kw: int) -> str:
        return wire.format_tool_output(ExecutionRecord(code="", stdout=stdout), **kw)

    assert run("x" * 10, max_chars=10) == "x" * 10
    assert run("y" * 8000) == "y" * 8000
    assert run("y" * 8001) == "y" * 8000 + "\n… [output truncated: 1 more characters]"
    assert run(" \n\n") == "(no output)"
    assert run("  a  \n\n") == "  a  "
    assert run("maX\n") == "maX"
    zero = ExecutionRecord(code="", error=ExecutionError(kind="syntax", message="bad", line=0))
    assert wire.format_tool_output(zero) == "Error (syntax, line 0): bad"
    spaces = ExecutionRecord(
        code="", stdout="   ", error=ExecutionError(kind="runtime", message="m")
    )
    assert wire.format_tool_output(spaces) == "Error (runtime): m"


def test_code_mode_messages_shape_without_a_sandbox() -> None:
    record = ExecutionRecord(code="print(1)", stdout="1\n")
    messages = wire.code_mode_messages("S", "R", [("print(1)", record), ("x", record)], "A")

    assert messages == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "R"},
        wire.assistant_code_message("print(1)", "call_0"),
        wire.tool_message("1", "call_0"),
        wire.assistant_code_message("x", "call_1"),
        wire.tool_message("1", "call_1"),
        {"role": "assistant", "content": "A"},
    ]
    assert wire.assistant_code_message("c", "i", content="Looking.")["content"] == "Looking."
