from punie.agent.toolset import KNOWN_TOOLS, select_tools


def test_select_tools_keeps_the_order_given():
    chosen = select_tools(["pytest_run", "read_file"])
    assert [tool.name for tool in chosen] == ["pytest_run", "read_file"]


def test_select_tools_ignores_unknown_names():
    assert select_tools(["grep", "typecheck"]) == [KNOWN_TOOLS["typecheck"]]


def test_select_tools_respects_the_limit():
    chosen = select_tools(["read_file", "typecheck", "ruff_check"], limit=2)
    assert [tool.name for tool in chosen] == ["read_file", "typecheck"]
