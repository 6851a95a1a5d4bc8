"""Agent configuration: which model to use, how long to run and which tools to offer."""

from dataclasses import dataclass, field


@dataclass
class AgentConfig:
    """Settings for one agent session."""

    model: str
    max_turns: int = 8
    max_tools: int = 5
    temperature: float = 0.2
    tools: list[str] = field(default_factory=list)


def default_config() -> AgentConfig:
    """The configuration used when the user gives none."""
    return AgentConfig(model="qwen3-coder", tools=["typecheck", "ruff_check", "pytest_run"])


def turn_budget(config: AgentConfig, reserve: int = 1) -> int:
    """Turns left for tool calls once `reserve` turns are kept for the final answer."""
    remaining = config.max_turns - reserve
    if remaining < 0:
        return None
    return remaining


def describe(config: AgentConfig) -> str:
    """One line that names the model and its turn limit."""
    return config.model + " (" + config.max_turns + " turns)"
