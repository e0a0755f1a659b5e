"""``framing serve --workers N`` (N > 1, Linux): each uvicorn worker on its own SO_REUSEPORT socket.

uvicorn's own multi-worker mode hands every worker one shared listening socket. When a
burst of connections arrives (a client pool, a proxy, a load generator opening its
keep-alive connections), the worker that wakes first accepts all that are waiting, and a
keep-alive connection stays with the worker that accepted it: that worker's queue then
sets the tail latency. Measured on this project's 2-core machine with 2 workers, 40 runs
of ``wrk -t2 -c32``: the busier worker held 18.9 of 32 connections on average, and 21 or
more in 8 runs (24/8 twice). wrk with one thread, opening its connections in one burst,
gave 26/6, 31/1 and 32/0.

Here the parent binds one socket per worker to the same address with ``SO_REUSEPORT`` (the
kernel then picks a socket for each new connection by a hash of its addresses, and a
socket only takes part once its worker listens, i.e. after the model is loaded) and runs
``uvicorn.Server.run(sockets=[its socket])`` in each worker, the entry point uvicorn offers
for process managers such as gunicorn. Over 40 runs made the same way: 17.95 on average,
21 or more in 2. The split is random, not exact. Since the lean ``/v1/score`` path scores
the requests that arrive together in one call (service/app.py), a busier worker also
batches more, and the split now weighs less on the tail: in 10 s runs with ``wrk -t2``
the p99 of the two modes was within run-to-run noise; with ``wrk -t1`` (splits of 29/3
and 28/4 on the shared socket) 10.6-15.5 ms shared, 8.2-13.5 ms here.

The parent restarts a worker that dies (on the same socket, so connections waiting on it
are kept) and stops all on SIGINT or SIGTERM. uvicorn's supervisor extras (health pings,
SIGHUP restart, SIGTTIN/SIGTTOU) are not offered here; ``framing serve --shared-socket``
gives uvicorn's own supervisor back.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading

log = logging.getLogger("uvicorn.error")
STARTUP_FAILURE = 3  # uvicorn's exit code for a worker that could not start; it would fail again


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to one address with SO_REUSEPORT (port 0: one free port for all)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _worker(config: dict, sock: socket.socket) -> None:
    import uvicorn

    try:
        uvicorn.Server(uvicorn.Config(**config)).run(sockets=[sock])
    except KeyboardInterrupt:
        pass


def _forget_metrics(pid: int) -> None:
    """A dead worker's live-only gauges (the model version it served) leave /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def run(config: dict, sockets: list[socket.socket]) -> int:
    """Serve ``uvicorn.Config(**config)``, one worker process per socket, until SIGINT or SIGTERM."""
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(i: int):
        process = spawn.Process(target=_worker, args=(config, sockets[i]), name=f"framing-worker-{i}")
        process.start()
        return process

    processes = [start(i) for i in range(len(sockets))]
    code = 0
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive() or stop.is_set():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("worker %s failed to start; stopping", process.pid)
                    stop.set()
                    code = STARTUP_FAILURE
                    break
                log.warning("worker %s exited (code %s); starting another", process.pid, process.exitcode)
                _forget_metrics(process.pid)
                processes[i] = start(i)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
