from punie.agent.config import AgentConfig, default_config, turn_budget


def test_default_config_offers_the_three_quality_tools():
    config = default_config()
    assert config.model == "qwen3-coder"
    assert config.tools == ["typecheck", "ruff_check", "pytest_run"]


def test_turn_budget_keeps_one_turn_for_the_answer():
    assert turn_budget(AgentConfig(model="m", max_turns=8)) == 7


def test_turn_budget_with_a_larger_reserve():
    assert turn_budget(AgentConfig(model="m", max_turns=8), reserve=3) == 5
