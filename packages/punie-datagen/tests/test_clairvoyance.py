"""The no-clairvoyance rule on hand-written turns: what it must catch and what it must allow."""

from __future__ import annotations

from punie_datagen.clairvoyance import api_names, check_answer, check_code, check_messages
from punie_tools import wire

FILES = {
    "inventory/stock.py": (
        "class Item:\n    quantity: int = 0\n\n\ndef low_stock(items):\n    return []\n\n\n"
        "def total_units(inventory):\n    total = 0\n    return total\n"
    ),
    "tests/test_stock.py": "def test_total():\n    assert True\n",
}
API = api_names(FILES)


def test_the_api_is_module_and_class_level_names_not_conventions() -> None:
    assert {"low_stock", "total_units", "Item", "quantity", "stock", "inventory"} <= API
    assert "total" not in API  # a local variable is not API
    assert not {"tests", "test", "self", "print", "os"} & API


def test_a_line_window_nothing_revealed_is_caught() -> None:
    code = 'lines = read_file("inventory/stock.py").splitlines()\nfor n in range(115, 160):\n    print(lines[n])\n'
    problems = check_code(code, "show me inventory/stock.py", API)
    assert any("115" in p for p in problems) and any("160" in p for p in problems)


def test_a_line_number_an_earlier_output_printed_may_be_used() -> None:
    code = 'lines = read_file("inventory/stock.py").splitlines()\nprint(lines[12 - 1])\n'
    context = "fix it\ninventory/stock.py:12:5 F401 `os` imported but unused"
    assert check_code(code, context, API) == []


def test_small_offsets_are_allowed_anywhere() -> None:
    assert check_code("x = [1, 2, 3]\nprint(x[0], x[-1])\n", "", API) == []


def test_numbers_passed_to_run_command_count_too_but_rule_codes_do_not() -> None:
    problems = check_code(
        'print(run_command("head", ["-n", "40", "tests/test_stock.py"]))\n', "", API
    )
    assert any("40" in p for p in problems)
    assert check_code('print(run_command("grep", ["-rn", "F401", "."]))\n', "", API) == []


def test_a_workspace_name_nobody_printed_is_caught_but_print_labels_are_not() -> None:
    fix = 'source = read_file("inventory/stock.py")\nwrite_file("inventory/stock.py", source.replace("itme", "total_units"))\n'
    problems = check_code(fix, "inventory/stock.py has an F821", API)
    assert any("total_units" in p for p in problems)
    labels = 'r = ruff_check(".")\nprint("low_stock" if r.success else "quantity")\nprint(f"total_units: {r.error_count}")\n'
    assert check_code(labels, "lint it", API) == []


def test_a_file_the_code_writes_may_define_its_own_names() -> None:
    code = 'write_file("tests/test_new.py", "class Item:\\n    pass\\n\\ndef test_x():\\n    assert Item\\n")\n'
    assert check_code(code, "add a test", API) == []


def test_answers_may_only_state_numbers_and_names_the_conversation_showed() -> None:
    context = "how many tests?\n5 passed, 0 failed"
    assert check_answer("5 passed and 0 failed; F401 is not involved.", context, API) == []
    assert check_answer("6 passed.", context, API) != []
    assert check_answer("`low_stock` is fine.", context, API) != []


def test_a_whole_conversation_is_walked_turn_by_turn() -> None:
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "show me low_stock"},
        wire.assistant_code_message(
            'print(run_command("grep", ["-rn", "def low_stock", "."]))\n', "call_0"
        ),
        wire.tool_message("./inventory/stock.py:5:def low_stock(items):", "call_0"),
        wire.assistant_code_message(
            'print(read_file("inventory/stock.py").splitlines()[5 - 1])\n', "call_1"
        ),
        wire.tool_message("def low_stock(items):", "call_1"),
        wire.assistant_text_message("`low_stock` starts on line 5."),
    ]
    assert check_messages(messages, API) == []
    messages[4] = wire.assistant_code_message(
        'print(read_file("inventory/stock.py").splitlines()[9])\n', "call_1"
    )
    assert check_messages(messages, API) == [
        "turn 1: uses the number 9, which nothing before it revealed"
    ]


def test_a_path_the_request_never_named_is_clairvoyant() -> None:
    problems = check_code('print(read_file("inventory/stock.py"))\n', "show me low_stock", API)
    assert any("'inventory'" in p for p in problems)
