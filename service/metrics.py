"""Prometheus metrics: request counts and latencies by route, and the model version served.

With several workers, ``framing serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` so that every
worker writes its samples there and /metrics adds them up across workers.
"""

from __future__ import annotations

import os
import re

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from framing.service.processes import alive

REQUESTS = Counter("framing_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "framing_request_seconds",
    "HTTP request latency in seconds",
    ["route"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
PARAGRAPHS = Counter("framing_paragraphs_scored_total", "Paragraphs scored")
MODEL = Gauge(
    "framing_model_info", "The model version a worker serves (value 1)", ["version"], multiprocess_mode="liveall"
)


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db")


def set_model_version(previous: str | None, version: str) -> None:
    if previous and previous != version:
        MODEL.remove(previous)
    MODEL.labels(version=version).set(1)


def _forget_dead_workers(path: str) -> None:
    """Drop the live gauges of workers that are gone (killed workers never clean up after themselves;
    uvicorn starts new ones), so /metrics shows only the versions served now."""
    from prometheus_client import multiprocess

    for name in os.listdir(path):
        match = _LIVE_GAUGE_FILE.fullmatch(name)
        if match and not alive(int(match[1])):
            multiprocess.mark_process_dead(int(match[1]), path)


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        _forget_dead_workers(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
