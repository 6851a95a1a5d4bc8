"""A warehouse stock module."""
