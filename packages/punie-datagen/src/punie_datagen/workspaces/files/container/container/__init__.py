"""A small dependency-injection container."""
