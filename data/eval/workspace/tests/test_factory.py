from punie.agent.config import AgentConfig
from punie.agent.factory import agent_banner, build_agent, default_agent_name


def test_build_agent_uses_the_default_config():
    agent = build_agent()
    assert agent.name == "punie"
    assert [tool.name for tool in agent.tools] == ["typecheck", "ruff_check", "pytest_run"]


def test_build_agent_keeps_a_given_config():
    config = AgentConfig(model="small", tools=["read_file"])
    agent = build_agent(config, name="reader")
    assert agent.config is config
    assert agent_banner(agent).startswith("reader on small with tools: read_file")


def test_default_agent_name():
    assert default_agent_name() == "punie"
