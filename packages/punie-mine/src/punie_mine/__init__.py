"""Mine real Python repositories (src, docs, tests) into grounded code-mode training examples."""

__version__ = "0.1.1"
