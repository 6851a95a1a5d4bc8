"""A csv sales parser."""
