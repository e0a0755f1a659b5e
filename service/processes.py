"""Whether a process is still running, for the state that outlives one: a retrain job's and a
server worker's metrics."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Is ``pid`` running? A process that has exited but not been reaped (a zombie) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
