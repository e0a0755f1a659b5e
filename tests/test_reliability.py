"""Faults and load: retrains that die, raise, or run out of disk; many writers; a minute at saturation."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from framing.model.labels import load_corpus
from framing.model.store import current_version, load_current, save_version
from framing.service import retrain
from tests.test_service import AUTH, TOKEN


def _job(store, force=False):
    job = {"id": "job" + str(int(time.time() * 1e6)), "state": "queued", "created_at": "now", "force": force}
    retrain.write_job(store, job)
    return job["id"]


@pytest.fixture()
def job_env(store_copy, small_labels, tmp_path, monkeypatch):
    labels = tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    monkeypatch.setenv("FRAMING_MODEL_DIR", str(store_copy))
    monkeypatch.setenv("FRAMING_LABELS_DIR", str(labels))
    return store_copy, labels


def _versions(store):
    return sorted(p.name for p in store.iterdir() if p.is_dir() and p.name != "jobs")


def test_a_retrain_that_raises_reports_why_and_leaves_the_current_model(job_env, monkeypatch):
    store, _ = job_env
    before, versions = current_version(store), _versions(store)

    def explode(*args, **kwargs):
        raise RuntimeError("feature extraction blew up")

    monkeypatch.setattr("framing.training.train.train", explode)
    job_id = _job(store)
    assert retrain.run_job(job_id, force=False) == 1
    job = retrain.read_job(store, job_id)
    assert job["state"] == "failed" and "feature extraction blew up" in job["reason"] and "unchanged" in job["reason"]
    assert current_version(store) == before and _versions(store) == versions
    load_current(store)


def test_a_full_disk_while_saving_leaves_no_half_written_version(job_env, monkeypatch):
    store, _ = job_env
    before, versions = current_version(store), _versions(store)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("framing.model.store.joblib.dump", full_disk)
    job_id = _job(store)
    assert retrain.run_job(job_id, force=False) == 1
    job = retrain.read_job(store, job_id)
    assert job["state"] == "failed" and "no space left" in job["reason"]
    assert current_version(store) == before and _versions(store) == versions
    assert not [p for p in store.iterdir() if p.name.startswith(".staging-")]


def test_save_version_cleans_up_after_any_failure(store_copy, monkeypatch):
    before = current_version(store_copy)
    monkeypatch.setattr(
        "framing.model.store.joblib.dump", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error"))
    )
    with pytest.raises(OSError):
        save_version(store_copy, load_current(store_copy).classifier, {"version": "v-new"}, {})
    assert current_version(store_copy) == before and not (store_copy / "v-new").exists()
    assert not [p for p in store_copy.iterdir() if p.name.startswith(".staging-")]


def test_a_retrain_killed_midway_is_reported_and_the_next_one_runs(job_env):
    store, labels = job_env
    before = current_version(store)
    job = retrain.start_job(store, labels, 0.05, force=True)
    deadline = time.monotonic() + 60
    while retrain.read_job(store, job["id"])["state"] != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(job["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while retrain.read_job(store, job["id"])["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    dead = retrain.read_job(store, job["id"])
    assert dead["state"] == "failed" and "ended without finishing" in dead["reason"]
    assert current_version(store) == before
    load_current(store)
    again = retrain.start_job(store, labels, 0.05, force=True)
    deadline = time.monotonic() + 240
    while retrain.read_job(store, again["id"])["state"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert retrain.read_job(store, again["id"])["state"] == "succeeded"
    assert current_version(store) != before


_POSTER = """
import sys, httpx
url, token, prefix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with httpx.Client(timeout=30) as client:
    for i in range(n):
        r = client.post(url + "/v1/labels", headers={"Authorization": "Bearer " + token}, json={"items": [{
            "id": f"{prefix}-{i}", "text": f"Writer {prefix} reports paragraph {i}: Kabul blamed Islamabad again.",
            "direction": "afghanistan->pakistan", "loaded": "none", "spans": []}]})
        assert r.status_code == 201, r.text
"""

_DIRECT = """
import sys
from framing.model.labels import add_labels
folder, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    add_labels(folder, [{"id": f"{prefix}-{i}", "text": f"Direct writer {prefix} line {i} on the border talks.",
                         "source": "t", "origin": "user", "loaded": "none", "spans": []}])
"""


@pytest.mark.slow
def test_eight_writers_through_http_and_eight_direct_lose_and_duplicate_nothing(
    serve, store_copy, small_labels, tmp_path
):
    labels = tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    url = serve("--model", str(store_copy), "--labels", str(labels), workers=2, env={"FRAMING_API_TOKEN": TOKEN})
    writers = [subprocess.Popen([sys.executable, "-c", _POSTER, url, TOKEN, f"h{k}", "500"]) for k in range(8)]
    writers += [subprocess.Popen([sys.executable, "-c", _DIRECT, str(labels), f"d{k}", "500"]) for k in range(8)]
    assert all(w.wait(timeout=600) == 0 for w in writers)
    ids = [json.loads(l)["id"] for l in (labels / "added.jsonl").read_text().splitlines()]
    assert len(ids) == 8000 and len(set(ids)) == 8000
    for prefix in [f"h{k}" for k in range(8)] + [f"d{k}" for k in range(8)]:
        assert {f"{prefix}-{i}" for i in range(500)} <= set(ids)
    assert load_corpus(labels).problems == []


def test_the_token_never_appears_in_logs_or_error_bodies(tmp_path, store_copy, small_labels):
    import socket

    from tests.conftest import wait_ready

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "server.log", "wb")
    env = dict(os.environ, FRAMING_API_TOKEN=TOKEN)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "framing",
            "serve",
            "--port",
            str(port),
            "--model",
            str(store_copy),
            "--labels",
            str(small_labels),
            "--log-level",
            "debug",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.stderr = open(tmp_path / "server.log", "rb")
        wait_ready(url, server)
        bodies = []
        for header in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", f"bearer  {TOKEN} trailing"):
            r = httpx.post(
                url + "/v1/labels", headers={"Authorization": header}, json={"items": [{"text": "x", "loaded": "none"}]}
            )
            bodies.append(r.text)
        r = httpx.post(url + "/v1/labels", headers=AUTH, json={"items": [{"text": "  ", "loaded": "none"}]})
        bodies.append(r.text)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    assert not any(TOKEN in body for body in bodies)
    assert TOKEN not in (tmp_path / "server.log").read_text(errors="replace")


@pytest.mark.slow
def test_a_minute_at_saturation_no_errors_flat_memory_and_ready_through_a_retrain(
    serve, store_copy, small_labels, tmp_path
):
    from bench.serve_load import _httpx, _tree_rss_mb, _wrk

    labels = tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    url = serve("--model", str(store_copy), "--labels", str(labels), workers=2, env={"FRAMING_API_TOKEN": TOKEN})
    server_pid = int(subprocess.check_output(["pgrep", "-f", "--", f"--labels {labels}"]).split()[0])
    load = _wrk if shutil.which("wrk") else _httpx
    load(url, 5, 32)
    rss_warm = _tree_rss_mb(server_pid)
    ready_failures = []

    def watch_readiness(stop: threading.Event):
        job = httpx.post(url + "/v1/retrain", headers=AUTH, json={"force": True}).json()
        while not stop.is_set():
            if httpx.get(url + "/readyz", timeout=5).status_code != 200:
                ready_failures.append(time.time())
            state = httpx.get(f"{url}/v1/retrain/{job['id']}", headers=AUTH).json()["state"]
            if state in ("succeeded", "failed"):
                ready_failures.append(state) if state == "failed" else None
                return
            time.sleep(0.25)

    stop = threading.Event()
    watcher = threading.Thread(target=watch_readiness, args=(stop,))
    watcher.start()
    figures = load(url, 60, 32)
    stop.set()
    watcher.join(timeout=60)
    rss_end = _tree_rss_mb(server_pid)
    assert figures["errors"] == 0 and figures["requests"] > 1000
    assert ready_failures == []
    assert rss_end <= rss_warm * 1.15 + 20, (rss_warm, rss_end)
