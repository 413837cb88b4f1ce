"""Whether a process is still running, for the local Neo4j's life cycle and the analysis workers' watch; pausing
this process's cyclic garbage collector while it builds millions of objects that cannot form cycles."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, and restore it as it was.

    Its full collections walk every live object: with a large graph in memory, work that allocates millions of
    small lists, tuples and dicts, none in a cycle (reference counting frees them), would otherwise walk the graph
    again and again (docs/performance.md).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
