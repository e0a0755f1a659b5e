"""What stops score-folder: its error (with the exit code a CLI should use) and a worker's model failure."""

from __future__ import annotations


class BatchError(Exception):
    """score-folder cannot run or go on; ``code`` is the exit code a CLI should use."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class WorkerModelError(RuntimeError):
    """A scoring worker could not load the model (raised inside workers, fatal in the main process)."""
