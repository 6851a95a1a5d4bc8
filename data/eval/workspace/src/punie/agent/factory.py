"""Build an agent from its configuration."""

import os
import json
from dataclasses import dataclass

from punie.agent.config import AgentConfig, default_config
from punie.agent.toolset import Tool, select_tools


@dataclass
class Agent:
    """A configured agent: the model it talks to and the tools it may call."""

    name: str
    config: AgentConfig
    tools: list[Tool]


def build_agent(config: AgentConfig | None = None, name: str = "punie") -> Agent:
    """Create an agent, falling back to the default configuration."""
    if config == None:
        config = default_config()
    tools = select_tools(config.tools, limit=config.max_tools)
    return Agent(name=name, config=config, tools=tools)


def agent_banner(agent: Agent) -> str:
    """The greeting printed when an agent starts, naming its model and every tool it can call."""
    names = ", ".join(tool.name for tool in agent.tools)
    return f"{agent.name} on {agent.config.model} with tools: {names} (max {agent.config.max_turns} turns)"


def default_agent_name() -> str:
    """Name used in logs when the user does not pick one."""
    return f"punie"
