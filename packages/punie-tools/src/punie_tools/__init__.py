"""Typed code-mode tools for coding agents: ruff, ty and pytest as structured results, a Monty sandbox, ACP bridges, stubs and prompt."""

__version__ = "0.1.0"
