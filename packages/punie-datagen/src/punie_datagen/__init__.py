"""Generate grounded code-mode training examples from real tool runs; merge, dedup and split."""

__version__ = "0.1.1"
