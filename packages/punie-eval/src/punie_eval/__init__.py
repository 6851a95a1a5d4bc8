"""The 20-query validation harness for code-mode models, run in the sandbox, scored by behaviour."""

from punie_eval.backends import Backend, BackendSpecError, Completion, make_backend
from punie_eval.report import Report, load_report, write_report
from punie_eval.suite import Query, Suite, SuiteError, load_suite

__version__ = "0.1.1"

__all__ = [
    "Backend",
    "BackendSpecError",
    "Completion",
    "Query",
    "Report",
    "Suite",
    "SuiteError",
    "__version__",
    "evaluate_query",
    "load_report",
    "load_suite",
    "make_backend",
    "run_heldout",
    "run_suite",
    "write_report",
]


def __getattr__(name: str) -> object:
    """Lazy re-exports of the parts that need the sandbox (keeps `import punie_eval` light)."""
    if name in ("run_suite", "evaluate_query"):
        from punie_eval import harness

        return getattr(harness, name)
    if name == "run_heldout":
        from punie_eval.heldout import run_heldout

        return run_heldout
    raise AttributeError(name)
