"""A webhook request handler module."""
