"""score-folder survives the folder: symlink loops, a 200 MB file, files that vanish mid-run,
unreadable permissions. Each is reported in the errors file and the rest is scored."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from framing.service.batch_cli import score_folder_main
from tests.conftest import SEEDS


def _good(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEEDS / "001_3050bd540e1a339e.txt", folder / "good.txt")
    (folder / "other.md").write_text("Islamabad blamed Kabul for the attack on the border post.\n", encoding="utf-8")


def _run(folder: Path, out: Path, store: Path) -> tuple[int, dict, list[dict]]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = score_folder_main(folder, out, model=store, jobs=1, progress=False, stdout=stdout, stderr=stderr)
    errors = out.with_name(out.stem + ".errors.jsonl")
    problems = {p["path"]: p for p in map(json.loads, errors.read_text().splitlines())} if errors.exists() else {}
    rows = [json.loads(l) for l in out.read_text().splitlines()] if out.exists() else []
    return code, problems, rows


def test_symlink_loops_are_reported_not_followed(tmp_path, store_copy):
    folder = tmp_path / "in"
    _good(folder)
    (folder / "sub").mkdir()
    os.symlink(folder, folder / "sub" / "loop")
    os.symlink(folder / "missing.txt", folder / "dangling.txt")
    code, problems, rows = _run(folder, tmp_path / "out.jsonl", store_copy)
    assert code == 0
    assert problems["sub/loop"]["kind"] == "symlink" and problems["dangling.txt"]["kind"] == "unreadable"
    assert {r["path"] for r in rows} == {"good.txt", "other.md"}


def test_a_200_megabyte_file_is_refused_before_reading(tmp_path, store_copy):
    folder = tmp_path / "in"
    _good(folder)
    with open(folder / "huge.txt", "wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    code, problems, rows = _run(folder, tmp_path / "out.jsonl", store_copy)
    assert code == 0 and problems["huge.txt"]["kind"] == "too-large"
    assert {r["path"] for r in rows} == {"good.txt", "other.md"}


def test_files_that_vanish_mid_run_are_reported(tmp_path, store_copy, monkeypatch):
    from framing.service import readers

    folder = tmp_path / "in"
    _good(folder)
    (folder / "gone.txt").write_text("Kabul accused Islamabad of shelling.\n", encoding="utf-8")
    original = readers.Walker._read

    def vanish_then_read(self, path, parts, kind, chain, sides):
        if path.name == "gone.txt":
            path.unlink()
        yield from original(self, path, parts, kind, chain, sides)

    monkeypatch.setattr(readers.Walker, "_read", vanish_then_read)
    code, problems, rows = _run(folder, tmp_path / "out.jsonl", store_copy)
    assert code == 0 and problems["gone.txt"]["kind"] == "unreadable"
    assert "No such file" in problems["gone.txt"]["message"]
    assert {r["path"] for r in rows} == {"good.txt", "other.md"}


def test_unreadable_files_and_folders_are_reported(store_copy):
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and not setpriv:
        pytest.skip("running as root without setpriv: permissions cannot be denied")
    base = Path(tempfile.mkdtemp(prefix="framing-perm-"))
    try:
        base.chmod(0o777)
        folder = base / "in"
        _good(folder)
        (folder / "secret.txt").write_text("Kabul blamed Islamabad.\n", encoding="utf-8")
        (folder / "secret.txt").chmod(0o000)
        (folder / "locked").mkdir()
        (folder / "locked" / "inner.txt").write_text("Islamabad blamed Kabul.\n", encoding="utf-8")
        (folder / "locked").chmod(0o000)
        store = base / "store"
        shutil.copytree(store_copy, store)
        for path in [base, folder, store, *store.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
            elif path.parent.name != "locked" and path.name != "secret.txt":
                path.chmod(0o644)
        out = base / "out" / "rows.jsonl"
        out.parent.mkdir(mode=0o777)
        out.parent.chmod(0o777)
        command = [
            sys.executable,
            "-m",
            "framing",
            "score-folder",
            str(folder),
            "--out",
            str(out),
            "--model",
            str(store),
            "--jobs",
            "1",
            "--no-progress",
        ]
        if os.geteuid() == 0:
            command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=base,
            env=dict(os.environ, HOME=str(base), MPLCONFIGDIR=str(base)),
        )
        assert done.returncode == 0, done.stderr
        problems = {p["path"]: p for p in map(json.loads, out.with_name("rows.errors.jsonl").read_text().splitlines())}
        assert (
            problems["secret.txt"]["kind"] == "unreadable" and "Permission denied" in problems["secret.txt"]["message"]
        )
        assert problems["locked"]["kind"] == "unreadable"
        assert {json.loads(l)["path"] for l in out.read_text().splitlines()} == {"good.txt", "other.md"}
    finally:
        for path in base.rglob("*"):
            try:
                path.chmod(0o755)
            except OSError:
                pass
        shutil.rmtree(base, ignore_errors=True)
