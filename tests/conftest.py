"""Shared fixtures: copies of the project's labels and model store, so tests never touch the real ones."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "labels"
STORE = ROOT / "model" / "store"
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def shipped_store() -> Path:
    """The project's own model store (read-only use)."""
    assert (STORE / "CURRENT").is_file(), "the project ships a trained model in model/store"
    return STORE


@pytest.fixture()
def store_copy(tmp_path) -> Path:
    """A private copy of the shipped store's current version, safe to tamper with or retrain into."""
    version = (STORE / "CURRENT").read_text().strip()
    target = tmp_path / "store"
    target.mkdir()
    shutil.copytree(STORE / version, target / version)
    (target / "CURRENT").write_text(version + "\n")
    return target


@pytest.fixture()
def labels_copy(tmp_path) -> Path:
    target = tmp_path / "labels"
    shutil.copytree(LABELS, target, ignore=shutil.ignore_patterns("*.lock", "*.partial"))
    return target


@pytest.fixture(scope="session")
def small_labels(tmp_path_factory) -> Path:
    """A small but complete labels folder (two disputes' authored rows plus the seed rows) for fast training."""
    target = tmp_path_factory.mktemp("small-labels")
    (target / "sides").mkdir()
    for name in ("pakistan-afghanistan", "armenia-azerbaijan"):
        shutil.copy(LABELS / "sides" / f"{name}.toml", target / "sides")
        shutil.copy(LABELS / f"authored-{name}.jsonl", target)
    shutil.copy(LABELS / "seed.jsonl", target)
    return target


@pytest.fixture(scope="session")
def model(shipped_store):
    from framing.model.store import load_current

    return load_current(shipped_store)


@pytest.fixture(scope="session")
def seed_rows() -> list[dict]:
    return [json.loads(line) for line in (LABELS / "seed.jsonl").read_text(encoding="utf-8").splitlines()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited early with {process.returncode}: {process.stderr.read().decode()[-2000:]}"
            )
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready in {seconds}s")


@pytest.fixture()
def serve(tmp_path):
    """Start ``framing serve`` as a subprocess on a free loopback port; yields a function returning the base URL."""
    started: list[subprocess.Popen] = []

    def start(*args: str, env: dict | None = None, workers: int = 1) -> str:
        import os

        port = free_port()
        full_env = dict(os.environ, **(env or {}))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "framing",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                *args,
            ],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, process)
        return url

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
