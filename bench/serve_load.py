"""HTTP throughput and latency of ``framing serve --workers 2`` on loopback.

The load comes from ``wrk`` (Debian's package) in its own process: single-paragraph
``POST /v1/score`` at 32 connections for a bounded time, after a warm-up. The servers'
resident memory is read from /proc after warm-up and at the end (flat memory: the ratio
stays near 1). Without wrk, a bounded asyncio httpx client does the same, more slowly.

wrk runs two threads (``-t2``), as in the issue's measurements. uvicorn's workers share one
listening socket, and a keep-alive connection stays with the worker that accepted it;
``connections_per_worker`` records the measured run's split (from ``ss``), busier worker
first. A socket per worker (SO_REUSEPORT, a former ``service/workers.py``) was measured
against it in 27 alternating pairs and gave no gain beyond the spread (BENCHMARKS.md,
"Optimisations measured"), so it was removed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from framing.paths import PROJECT_ROOT

BODY = {
    "text": "Pakistan's Information Minister Attaullah Tarar said the dialogue failed because the "
    "Taliban-led government in Kabul refused to act against militant groups blamed for a surge "
    "in cross-border attacks, and accused Kabul of operating on a \u201cwar economy\u201d.",
    "explain": 0,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn workers), in MB."""
    total = 0
    for p in [pid] + _children(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def _split(port: int, workers: list[int]) -> list[int] | None:
    """Established connections on ``port`` per worker process, largest first (None without ss)."""
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    counts = {pid: 0 for pid in workers}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[int(pid)] = counts.get(int(pid), 0) + 1
    return sorted(counts.values(), reverse=True)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _is_worker(pid: int) -> bool:
    """A uvicorn worker, not multiprocessing's resource tracker."""
    try:
        return b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _wrk(url: str, seconds: int, connections: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(BODY))}\n"
    )
    script.close()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url + "/v1/score"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    os.unlink(script.name)

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 3)

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "tool": "wrk",
        "requests": requests,
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "latency_ms": {"p50": ms("50"), "p99": ms("99")},
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
    }


def _httpx(url: str, seconds: int, connections: int) -> dict:
    import asyncio

    async def main():
        latencies, errors = [], 0
        deadline = time.perf_counter() + seconds
        async with httpx.AsyncClient(timeout=10) as client:

            async def worker():
                nonlocal errors
                while time.perf_counter() < deadline:
                    t = time.perf_counter()
                    r = await client.post(url + "/v1/score", json=BODY)
                    latencies.append(time.perf_counter() - t)
                    errors += r.status_code != 200

            started = time.perf_counter()
            await asyncio.gather(*[worker() for _ in range(connections)])
            return latencies, errors, time.perf_counter() - started

    latencies, errors, elapsed = asyncio.run(main())
    latencies.sort()
    return {
        "tool": "httpx",
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": round(1000 * latencies[len(latencies) // 2], 3),
            "p99": round(1000 * latencies[int(len(latencies) * 0.99)], 3),
        },
        "errors": errors,
    }


def run(quick: bool = False, seconds: int | None = None, connections: int = 32, workers: int = 2) -> dict:
    seconds = seconds or (3 if quick else 60)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "framing", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("framing serve did not become ready")
            time.sleep(0.2)
        load = _wrk if shutil.which("wrk") else _httpx
        load(url, 2 if quick else 5, connections)
        rss_warm = _tree_rss_mb(server.pid)
        split: dict = {}
        sampler = threading.Timer(
            min(2.0, seconds / 2),
            lambda: split.update(value=_split(port, [p for p in _children(server.pid) if _is_worker(p)])),
        )
        sampler.start()
        figures = load(url, seconds, connections)
        sampler.join()
        figures.update(
            seconds=seconds,
            connections=connections,
            workers=workers,
            connections_per_worker=split.get("value"),
            rss_mb_after_warmup=rss_warm,
            rss_mb_at_end=_tree_rss_mb(server.pid),
        )
        return figures
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=1))
