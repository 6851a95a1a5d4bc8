"""Run pytest many times without paying for its import each time: a fork server.

Started as `python pytest_server.py`, it imports pytest and pytest-json-report once, then reads
one JSON request a line on stdin — {"root": DIR, "args": [...], "out": FILE} — and answers
each with {"rc": EXIT_STATUS}. Every run is a fresh `os.fork()` child that changes into `root`,
puts it first on `sys.path` (as `python -m pytest` does with the current directory), sends its
output to `out` and calls `pytest.main(args)`; so nothing a run imports (the workspace's own
modules) reaches the next one. The parent never runs a test.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import pytest
import pytest_jsonreport.plugin  # noqa: F401  (imported once, here)


def _child(request: dict) -> int:
    os.chdir(request["root"])
    sys.path.insert(0, request["root"])
    fd = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    return int(pytest.main(request["args"]))


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 99
            try:
                code = _child(request)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"rc": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
