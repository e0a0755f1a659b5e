"""Retraining in the background: job files any worker can read, one job process at a time.

``start_job`` writes ``<store>/jobs/<id>.json`` (state ``queued``) and starts
``python -m framing.service.retrain <id>`` as a detached process, so a retrain survives the
worker that started it and never blocks serving. The job process takes an exclusive
lock (one retrain at a time), trains a new version without making it current, and makes
it current only if its grouped-CV macro-F1 on the seed paragraphs, for each head, is no
more than the margin below the current model's (or the request said ``force``). Every
state change is an atomic file replace. A job whose process died is reported ``failed``.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from framing.model.store import ModelStoreError, current_version, read_manifest, set_current
from framing.service.processes import alive


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def jobs_dir(store: Path) -> Path:
    return store / "jobs"


def _job_path(store: Path, job_id: str) -> Path:
    if not job_id or not all(c.isalnum() or c == "-" for c in job_id) or len(job_id) > 64:
        raise KeyError(job_id)
    return jobs_dir(store) / f"{job_id}.json"


def write_job(store: Path, job: dict) -> None:
    directory = jobs_dir(store)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".job-", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(job, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, _job_path(store, job["id"]))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_job(store: Path, job_id: str) -> dict:
    """The job's state; a running job whose process is gone is reported failed."""
    path = _job_path(store, job_id)
    try:
        job = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyError(job_id) from None
    if job["state"] in ("queued", "running") and job.get("pid") and not alive(job["pid"]):
        job.update(
            state="failed",
            finished_at=job.get("finished_at") or _now(),
            reason="the retrain process ended without finishing (killed or crashed); the current model is unchanged",
        )
    return job


def start_job(store: Path, labels_dir: Path, margin: float, force: bool) -> dict:
    job = {"id": uuid.uuid4().hex[:16], "state": "queued", "created_at": _now(), "force": force}
    write_job(store, job)
    env = dict(
        os.environ, FRAMING_MODEL_DIR=str(store), FRAMING_LABELS_DIR=str(labels_dir), FRAMING_RETRAIN_MARGIN=str(margin)
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "framing.service.retrain", job["id"]] + (["--force"] if force else []),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    job["pid"] = process.pid
    write_job(store, job)
    return job


def run_job(job_id: str, force: bool) -> int:
    """The job process: train, gate, make current; every outcome written to the job file."""
    from framing.training.data import with_real_news
    from framing.training.train import gate, train

    store = Path(os.environ["FRAMING_MODEL_DIR"])
    labels_dir = Path(os.environ["FRAMING_LABELS_DIR"])
    margin = float(os.environ.get("FRAMING_RETRAIN_MARGIN", "0.05"))
    job = read_job(store, job_id)
    job.update(pid=os.getpid())
    job.update(state="queued", reason="waiting for another retrain to finish")
    write_job(store, job)
    with FileLock(jobs_dir(store) / ".retrain.lock"):
        job.update(state="running", reason=None, started_at=_now())
        write_job(store, job)
        try:
            try:
                current = read_manifest(store, current_version(store))
            except ModelStoreError:
                current = None
            version, report = train(with_real_news(labels_dir)[0], store, jobs=1, make_current=False)
            manifest = read_manifest(store, version)
            ok, why = gate(current, manifest["metrics"], margin)
            why = why if ok else f"{why} (retrain with force to override)"
            if ok or force:
                set_current(store, version)
            job.update(
                state="succeeded",
                version=version,
                made_current=bool(ok or force),
                metrics=manifest["metrics"],
                reason=why if ok else f"{why} (forced)" if force else why,
            )
        except Exception as exc:  # the job reports why; the current model is untouched
            reason = _reason(exc)
            job.update(state="failed", reason=reason, error_type=type(exc).__name__)
            traceback.print_exc()
        job["finished_at"] = _now()
        write_job(store, job)
    return 0 if job["state"] == "succeeded" else 1


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on the device while saving the model; the current model is unchanged"
    return f"{type(exc).__name__}: {exc}; the current model is unchanged"


if __name__ == "__main__":
    sys.exit(run_job(sys.argv[1], "--force" in sys.argv[2:]))
