"""Slice, filter and summarise Python logging output."""

__version__ = "0.9.1"
