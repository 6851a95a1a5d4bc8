"""The punie agent: configuration, construction and the tools it may call."""

from punie.agent.config import AgentConfig, default_config
from punie.agent.factory import build_agent
from punie.agent.toolset import Tool, select_tools

__all__ = ["AgentConfig", "Tool", "build_agent", "default_config", "select_tools"]
