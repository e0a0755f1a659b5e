"""The model store: versioned joblib artifacts, their manifests, and which one is current.

Layout of a store directory::

    CURRENT                      one line: the current version's name
    <version>/model.joblib       the fitted FramingClassifier as plain data (``model.artifact``),
                                 saved with joblib, i.e. pickle
    <version>/manifest.json      version, created-at, versions, label sets, data hash, metrics,
                                 the SHA-256 of model.joblib and of the lexicons it was made with
    <version>/evaluation.json    the full evaluation report

joblib files are pickles, which run code when loaded, so ``load_current`` unpickles only
a file that lies inside the store (no symlink out), whose SHA-256 matches its manifest,
whose artifact format this code reads, and whose lexicon fingerprints match the installed
word lists (scoring reads them). Anything else is refused with a ``ModelStoreError`` that
says why; nothing is unpickled. Versions are written to a
temporary directory and renamed into place, and CURRENT is replaced atomically, so a
crash never leaves a half-written artifact current.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import joblib

from framing.model.artifact import FORMAT, ArtifactError, from_data, to_data
from framing.model.lexicon import fingerprints
from framing.paths import DEFAULT_STORE

# Recorded for the reader of a manifest; the artifact holds no scikit-learn object, so a model
# loads under any version. Read from the package metadata: importing scikit-learn takes most of a second.
SKLEARN_VERSION = package_version("scikit-learn")

ARTIFACT, MANIFEST, EVALUATION, CURRENT = "model.joblib", "manifest.json", "evaluation.json", "CURRENT"
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,80}$")


class ModelStoreError(RuntimeError):
    """The store has no usable current model; the message says why and what to do."""


@dataclass
class LoadedModel:
    classifier: object
    manifest: dict
    directory: Path

    @property
    def version(self) -> str:
        return self.manifest["version"]


def store_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The store to use: an explicit --model DIR, else $FRAMING_MODEL_DIR, else the project's own."""
    chosen = explicit or os.environ.get("FRAMING_MODEL_DIR") or DEFAULT_STORE
    return Path(chosen)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_version(data_hash: str) -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{data_hash[:8]}"


def save_version(store: Path, classifier, manifest: dict, evaluation: dict, make_current: bool = True) -> str:
    """Write a new version atomically (and make it current); returns the version name."""
    store.mkdir(parents=True, exist_ok=True)
    version = manifest["version"]
    if not _VERSION.match(version):
        raise ModelStoreError(f"invalid version name {version!r}")
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=store))
    try:
        staging.chmod(0o755)
        joblib.dump(to_data(classifier), staging / ARTIFACT, compress=3)
        manifest = dict(
            manifest,
            sha256=sha256_of(staging / ARTIFACT),
            artifact_bytes=(staging / ARTIFACT).stat().st_size,
            artifact_format=FORMAT,
            lexicons=fingerprints(),
            sklearn_version=SKLEARN_VERSION,
            python_version=platform.python_version(),
        )
        _write_json(staging / MANIFEST, manifest)
        _write_json(staging / EVALUATION, evaluation)
        for name in (ARTIFACT, MANIFEST, EVALUATION):
            _fsync_file(staging / name)
        os.replace(staging, store / version)
        _fsync_dir(store)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if make_current:
        set_current(store, version)
    return version


def set_current(store: Path, version: str) -> None:
    """Point CURRENT at ``version`` atomically (write a temp file, fsync, rename)."""
    if not _VERSION.match(version) or not (store / version / MANIFEST).is_file():
        raise ModelStoreError(f"no version {version!r} in {store}")
    fd, tmp = tempfile.mkstemp(prefix=".current-", dir=store)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w") as handle:
            handle.write(version + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, store / CURRENT)
        _fsync_dir(store)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_version(store: Path) -> str:
    try:
        version = (store / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ModelStoreError(
            f"no current model in {store}: run 'framing train' (or 'framing train --out {store}')"
        ) from None
    except OSError as exc:
        raise ModelStoreError(f"cannot read {store / CURRENT}: {exc.strerror or exc}") from None
    if not _VERSION.match(version):
        raise ModelStoreError(f"{store / CURRENT} names an invalid version {version!r}")
    return version


def read_manifest(store: Path, version: str) -> dict:
    directory = _inside(store, store / version)
    try:
        manifest = json.loads(_inside(store, directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelStoreError(f"version {version!r} has no {MANIFEST} in {store}") from None
    except (OSError, ValueError) as exc:
        raise ModelStoreError(f"cannot read the manifest of {version!r}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("version") != version:
        raise ModelStoreError(f"the manifest in {directory} does not describe version {version!r}")
    return manifest


def verify(store: Path, version: str) -> dict:
    """Check everything that can be checked without unpickling; returns the manifest."""
    manifest = read_manifest(store, version)
    artifact = _inside(store, store / version / ARTIFACT)
    if not artifact.is_file():
        raise ModelStoreError(f"version {version!r} has no {ARTIFACT}")
    expected = manifest.get("sha256")
    if not isinstance(expected, str) or sha256_of(artifact) != expected:
        raise ModelStoreError(
            f"{artifact}: SHA-256 does not match its manifest; the file was changed or damaged, refusing to load it"
        )
    if manifest.get("artifact_format") != FORMAT:
        raise ModelStoreError(
            f"{artifact} has artifact format {manifest.get('artifact_format')!r}, this code reads format "
            f"{FORMAT}; retrain with 'framing train' or install the framing version that made it"
        )
    installed = fingerprints()
    changed = sorted(name for name, digest in installed.items() if (manifest.get("lexicons") or {}).get(name) != digest)
    if changed:
        raise ModelStoreError(
            f"{artifact} was made with other word lists than the installed ones ({', '.join(changed)} differ: "
            "vaderSentiment or textblob changed); refusing to load it. Retrain with 'framing train' or "
            "install the versions it was made with"
        )
    return manifest


def list_versions(store: Path) -> list[dict]:
    """Every readable version's manifest, oldest first."""
    found = []
    for directory in (
        sorted(p for p in Path(store).iterdir() if p.is_dir() and _VERSION.match(p.name))
        if Path(store).is_dir()
        else []
    ):
        try:
            found.append(read_manifest(store, directory.name))
        except ModelStoreError:
            continue
    return found


def load_version(store: Path, version: str) -> LoadedModel:
    manifest = verify(store, version)
    try:
        classifier = from_data(joblib.load(store / version / ARTIFACT))
    except ArtifactError as exc:
        raise ModelStoreError(f"{store / version / ARTIFACT}: {exc}") from None
    return LoadedModel(classifier=classifier, manifest=manifest, directory=store / version)


def load_current(store: Path | None = None) -> LoadedModel:
    store = store_dir(store)
    return load_version(store, current_version(store))


def _inside(store: Path, path: Path) -> Path:
    """``path`` resolved, refusing anything (a symlink, '..') that leads out of the store."""
    root = store.resolve()
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise ModelStoreError(f"{path} leads outside the model store {root}; refusing to use it")
    return resolved


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
