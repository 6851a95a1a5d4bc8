"""A command-line word statistics tool."""
