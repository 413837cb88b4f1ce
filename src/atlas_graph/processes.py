"""Whether a process is still running, for the local Neo4j's life cycle and the analysis workers' watch."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while `pid` runs; an exited process is dead even before its parent reaps it."""
    try:
        # Reap it if it is our own exited child, so that it does not linger as a zombie that still "exists".
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # another's child, exited, not yet reaped
    except (OSError, IndexError):  # no /proc (macOS): kill() has answered
        return True
