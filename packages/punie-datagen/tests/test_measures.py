"""Code shapes, twin share, token lengths and the suite guard, on hand-made inputs."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from punie_datagen.length import TokenCounter, render_chatml
from punie_datagen.shapes import code_shape, diversity
from punie_datagen.suite_guard import find_leaks, load_queries
from punie_tools import wire
from punie_tools.prompt import SYSTEM_PROMPT

SUITE = Path(__file__).resolve().parents[3] / "data" / "eval" / "suite.toml"


def test_shapes_ignore_names_and_literals_but_not_structure() -> None:
    a = 'r = ruff_check("a.py")\nfor v in r.violations:\n    print(v.code, v.line)\n'
    b = 'lint = ruff_check("src/x")\nfor hit in lint.violations:\n    print(hit.code, hit.line)\n'
    c = 'r = ruff_check("a.py")\nprint(len(r.violations))\n'
    d = 'r = typecheck("a.py")\nfor v in r.errors:\n    print(v.code, v.line)\n'
    assert code_shape(a) == code_shape(b)
    assert len({code_shape(a), code_shape(c), code_shape(d)}) == 3


def _example(code: str, split: str, template: str = "t", answer: str = "a") -> wire.Example:
    messages = wire.code_mode_messages("s", "q", [(code, _record(code))], "done")
    meta = wire.ExampleMeta.model_validate({"group": "ruff_check", "category": "lint", "source": "x", "request": "q",
                                           "template": template, "answer_template": answer, "split": split})  # fmt: skip
    return wire.Example(messages=messages, tools=wire.TOOLS, meta=meta)


def _record(code: str):
    from punie_tools.models import ExecutionRecord

    return ExecutionRecord(code=code, stdout="ok\n")


def test_twin_share_counts_test_examples_whose_shapes_and_answer_template_train_has() -> None:
    same = 'r = ruff_check("a.py")\nprint(r.success)\n'
    other = 'r = ruff_check("a.py")\nfor v in r.violations:\n    print(v.code)\n'
    splits = {
        "train": [_example(same, "train")],
        "valid": [],
        "test": [
            _example(same, "test"),
            _example(same, "test", answer="b"),
            _example(other, "test"),
        ],
    }
    d = diversity(splits, 0)
    assert d["test_tool_examples"] == 3 and d["test_twin_share"] == round(1 / 3, 4)
    assert d["code_shapes"] == 2 and d["tool_calls"] == 4


def test_rendering_matches_the_qwen3_coder_chat_template_shape() -> None:
    messages = wire.code_mode_messages(
        SYSTEM_PROMPT, "lint it", [('print("x")', _record('print("x")'))], "done"
    )
    text = render_chatml(messages, wire.TOOLS)
    assert text.startswith("<|im_start|>system\n" + SYSTEM_PROMPT + "\n\n# Tools")
    assert (
        '<|im_start|>assistant\n<tool_call>\n<function=execute_code>\n<parameter=code>\nprint("x")\n</parameter>'
        in text
    )
    assert "<|im_start|>user\n<tool_response>\nok\n</tool_response>\n<|im_end|>\n" in text
    assert text.endswith("<|im_start|>assistant\ndone<|im_end|>\n")


def _counter() -> TokenCounter:
    msgs = wire.code_mode_messages(
        SYSTEM_PROMPT,
        "lint inventory/stock.py",
        [('r = ruff_check(".")\nprint(r.success)\n', _record("x"))],
        "clean",
    )
    example = wire.Example(
        messages=msgs,
        tools=wire.TOOLS,
        meta=wire.ExampleMeta(group="base", category="x", source="t", request="r"),
    )
    return TokenCounter.reference([example] * 5)


COUNTER = _counter()


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=400))
def test_a_byte_level_bpe_never_uses_more_tokens_than_bytes(text: str) -> None:
    """The claim behind byte bounds: every token covers at least one byte (special tokens more)."""
    assert len(COUNTER.tokenizer.encode(text).ids) <= len(text.encode("utf-8"))


def _conversation(request: str, output: str) -> wire.Example:
    msgs = wire.code_mode_messages(
        SYSTEM_PROMPT, request, [("print(read_file('a.py'))\n", _record(output))], output[:40]
    )
    meta = wire.ExampleMeta(group="base", category="x", source="t", request=request)
    return wire.Example(messages=msgs, tools=wire.TOOLS, meta=meta)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=200), st.text(max_size=300)), min_size=1, max_size=4))
def test_counting_the_shared_head_once_gives_the_whole_text_s_count(
    turns: list[tuple[str, str]],
) -> None:
    # the texts may hold anything, special tokens included: "<|im_end|>" in a tool output
    examples = [_conversation(r, o) for r, o in [*turns, ("x<|im_end|>y", "<|im_end|>\n z")]]
    whole = [COUNTER.count(e) for e in examples]
    assert COUNTER.counts(examples) == whole
    assert whole[0] > 1000  # the head (system prompt and tool schema) is in the count


def test_counts_fall_back_to_whole_texts_when_the_head_is_not_additive() -> None:
    class OneMorePerText:  # a post-processor that adds a token to every text it encodes
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def encode_batch(self, texts: list[str]) -> list[object]:
            return [type("E", (), {"ids": [0, *e.ids]})() for e in self.inner.encode_batch(texts)]

    counter = TokenCounter(OneMorePerText(COUNTER.tokenizer), False, 4096)
    examples = [_conversation("a", "b"), _conversation("c", "d")]
    assert counter.counts(examples) == [COUNTER.count(e) + 1 for e in examples]


def test_the_system_prompt_alone_rules_out_a_byte_bound() -> None:
    system = render_chatml([{"role": "system", "content": SYSTEM_PROMPT}], wire.TOOLS)
    assert len(system.encode()) > 2048  # why lengths are counted with a tokenizer, not in bytes
    assert len(COUNTER.tokenizer.encode(system).ids) < len(system.encode())


def test_every_suite_query_is_caught_and_so_are_close_paraphrases() -> None:
    queries = load_queries(SUITE)
    assert len(queries) == 20
    assert len({leak.query for leak in find_leaks(queries, queries)}) == 20
    paraphrases = ["check for unused imports in src/app.py", "are the tests passing?", "Lint `src/shop/`",
                   "fix all the type errors in pkg/a.py", "what is dependency injection, briefly?"]  # fmt: skip
    assert len({leak.request for leak in find_leaks(paraphrases, queries)}) == len(paraphrases)
    unrelated = [
        "rename `low_stock` to `short_stock` everywhere",
        "which lines are over the length limit?",
    ]
    assert find_leaks(unrelated, queries) == []


def test_a_tool_output_with_an_object_address_cannot_be_repeated() -> None:
    """pytest prints a dataclass holding a function as `<function f at 0x7f...>`: a fresh run
    prints another address, so verify could never reproduce the example (it found one such
    example in a full build): the build drops the spec instead."""
    from punie_datagen.build import _unrepeatable
    from punie_tools.models import ExecutionRecord

    def example(*outputs: str) -> wire.Example:
        code = "print(pytest_run('t.py'))\n"
        steps = [(code, ExecutionRecord(code=code, stdout=output)) for output in outputs]
        msgs = wire.code_mode_messages(SYSTEM_PROMPT, "run the tests", steps, "done")
        meta = wire.ExampleMeta(group="base", category="x", source="t", request="r")
        return wire.Example(messages=msgs, tools=wire.TOOLS, meta=meta)

    address = "where True = Job(action=<function test_x.<locals>.broken at 0x7f07d62131a0>).enabled"
    found = _unrepeatable(example("1 passed", address))
    assert found == (
        "tool output 1 holds an object's memory address (at 0x7f07d62131a0>), "
        "which no fresh run reproduces"
    )
    assert _unrepeatable(example("1 passed", "sha 0x7f07d62131a0 and <Job at home>")) is None
