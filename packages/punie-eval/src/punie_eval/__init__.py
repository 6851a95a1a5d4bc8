"""The 20-query validation harness for code-mode models, executed in the sandbox and scored by behaviour."""

__version__ = "0.1.0"
