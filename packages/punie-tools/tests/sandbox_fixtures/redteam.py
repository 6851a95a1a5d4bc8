"""Shared pieces of the red-team tests: the leftover processes an attack leaves, and how the
host finds them."""

from __future__ import annotations

from pathlib import Path

__all__ = ["daemons", "marker_processes"]


def marker_processes(marker: str) -> list[int]:
    """Host processes whose command line carries `marker` (what an attack left running)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def daemons(marker: str) -> str:
    """Python code that leaves two sleepers carrying `marker`: one in a session of its own and
    one double-forked (re-parented), each meant to outlive the call that started it."""
    sleeper = f"[sys.executable, '-c', 'import time; time.sleep(300)  # {marker}']"
    return (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen({sleeper}, start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, {sleeper})\n"
        "    os._exit(0)\n"
    )
