"""Where score-folder's chunks are scored: inline, in a pool of local worker processes, or on a Dask cluster."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from framing.service.folder.errors import BatchError, WorkerModelError
from framing.service.folder.worker import Job, init_worker, score_chunk, worker_model
from framing.service.readers import Problem

MAX_POOL_RESTARTS = 5

# --------------------------------------------------------------------------- engines


class Inline:
    """Scores in this process (one job, or a folder small enough that starting workers costs more)."""

    name, window = "local", 1

    def __init__(self, job: Job):
        self.job = job
        self.workers = 1
        worker_model(job.store, job.version)

    def submit(self, items):
        return items

    def result(self, handle):
        return score_chunk(handle, self.job)

    def close(self, cancel: bool = False):
        pass


class _Handle:
    def __init__(self, items):
        self.items, self.future, self.failures = items, None, 0


def _can_fork() -> bool:
    """Forking is safe here: Linux, and this process runs no other thread (a fork copies only the
    calling thread, so a lock another thread holds would stay locked in the child)."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


class Pool:
    """A pool of worker processes with the verified model loaded.

    On Linux, while this process has a single thread, the workers are forked from it after it
    has loaded the model, so they start scoring at once (spawned workers would each import
    the code and load the model first: about 0.4 s here, a tenth of scoring 32 MB). Otherwise
    (other systems, a restart after a worker died) they are spawned and load the model once each.
    """

    name = "local"

    def __init__(self, job: Job, jobs: int):
        self.job, self.workers = job, jobs
        self.window = 2 * jobs + 1
        self.inflight: list[_Handle] = []
        self.restarts = 0
        self._start()

    def _start(self):
        fork = _can_fork()
        if fork:
            worker_model(self.job.store, self.job.version)
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
            initializer=init_worker,
            initargs=(self.job.store, self.job.version),
        )
        if fork:
            self.pool.submit(int)  # the first call forks every worker, before any thread starts here

    def submit(self, items):
        handle = _Handle(items)
        try:
            handle.future = self.pool.submit(score_chunk, items, self.job)
        except BrokenProcessPool as exc:  # a worker died while this chunk was being sent: ``result`` restarts
            handle.future = Future()
            handle.future.set_exception(exc)
        self.inflight.append(handle)
        return handle

    def result(self, handle: _Handle):
        while True:
            try:
                outcome = handle.future.result()
                self.inflight.remove(handle)
                return outcome
            except BrokenProcessPool as exc:
                self.restarts += 1
                if self.restarts > MAX_POOL_RESTARTS:
                    raise BatchError(
                        f"the scoring processes keep dying ({exc}); rerun the same command to "
                        f"resume, with fewer --jobs if memory is short",
                        1,
                    ) from None
                self.pool.shutdown(wait=False, cancel_futures=True)
                self._start()
                handle.failures += 1
                if handle.failures >= 2:
                    self.inflight.remove(handle)
                    for other in self.inflight:
                        other.future = self.pool.submit(score_chunk, other.items, self.job)
                    return [], [
                        Problem(
                            i.path,
                            i.line,
                            "worker-died",
                            "a scoring process died twice on the chunk holding this article (out of memory?)",
                        )
                        for i in handle.items
                    ]
                for other in self.inflight:
                    other.future = self.pool.submit(score_chunk, other.items, self.job)
            except WorkerModelError:
                raise
            except Exception as exc:
                self.inflight.remove(handle)
                return [], [
                    Problem(i.path, i.line, "scoring-failed", f"scoring failed: {type(exc).__name__}: {exc}")
                    for i in handle.items
                ]

    def close(self, cancel: bool = False):
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class Dask:
    """Chunks as tasks on a Dask distributed cluster; every worker loads the verified model once
    (from the same store path, which the workers must be able to read)."""

    name = "dask"

    def __init__(self, job: Job, scheduler: str | None, jobs: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise BatchError(f"the dask engine needs dask[distributed]: {exc}") from None
        self.job, self.cluster = job, None
        try:
            if scheduler:
                import dask

                self.client = Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
            else:
                self.cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", 2) from None
        self.workers = max(sum(self.client.nthreads().values()), 1)
        self.window = 2 * self.workers + 2

    def submit(self, items):
        handle = _Handle(items)
        handle.future = self.client.submit(score_chunk, items, self.job, pure=False)
        return handle

    def result(self, handle: _Handle):
        try:
            return handle.future.result()
        except WorkerModelError:
            raise
        except Exception as exc:
            if self.client.status != "running":
                raise BatchError(
                    f"lost the Dask scheduler ({type(exc).__name__}: {exc}); rerun the same command to resume", 1
                ) from None
            return [], [
                Problem(i.path, i.line, "scoring-failed", f"scoring failed on the cluster: {type(exc).__name__}: {exc}")
                for i in handle.items
            ]

    def close(self, cancel: bool = False):
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
