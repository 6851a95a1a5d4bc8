"""Shared pieces of the red-team tests: the leftover processes an attack leaves, and how the
host finds them."""

from __future__ import annotations

from pathlib import Path

__all__ = ["daemons", "marker_processes", "workspace"]


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


def workspace(tmp_path: Path) -> Path:
    """A workspace inside the host's /tmp (as pytest's tmp_path is), with one file: a session's
    launcher empties the sandbox's /tmp after every call and must never reach into the
    workspace mounted there."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "keep.txt").write_text("workspace file\n")
    return root
