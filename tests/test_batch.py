"""score-folder end to end: rows, file kinds, broken inputs, resuming, the process pool and Dask.

Nothing here depends on what the model predicts: rows are checked for shape, offsets,
completeness and equality between runs and engines, never for particular labels.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from bench.folder import build_folder  # the benchmark's synthetic-folder builder
from framing.model.paragraphs import split_paragraphs
from framing.model.sides import default_sides
from framing.service.batch import BatchError, errors_path, score_folder
from framing.service.batch_cli import score_folder_main
from framing.service.folder import engines, worker
from framing.service.folder import rows as row_format
from framing.service.folder.rows import unflatten

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

DIRECTIONS = default_sides().directions


# ------------------------------------------------------------------ fixtures


def prepare_store(tmp_path_factory) -> Path:
    """A private model store for this session: a copy of the project's current version when it
    loads, else one trained into a temporary folder (shared by this session's test files)."""
    from framing.model.store import load_current

    target = tmp_path_factory.getbasetemp() / "batch-model-store"
    if (target / "CURRENT").is_file():
        return target
    project = ROOT / "model" / "store"
    if (project / "CURRENT").is_file():
        try:
            version = (project / "CURRENT").read_text().strip()
            shutil.copytree(project / version, target / version)
            (target / "CURRENT").write_text(version + "\n")
            loaded = load_current(target)
            texts = [p.text for f in sorted(SEEDS.glob("*.txt")) for p in split_paragraphs(f.read_text())]
            loaded.classifier.score(texts, default_sides(), loaded.version)  # loads and scores with this code
            return target
        except Exception:
            shutil.rmtree(target, ignore_errors=True)
    from framing.training.train import train

    labels = tmp_path_factory.getbasetemp() / "batch-labels"  # a small corpus: enough for shapes, quick to fit
    (labels / "sides").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "labels" / "seed.jsonl", labels)
    shutil.copy(ROOT / "labels" / "authored-pakistan-afghanistan.jsonl", labels)
    shutil.copy(ROOT / "labels" / "sides" / "pakistan-afghanistan.toml", labels / "sides")
    train(labels_dir=labels, out=target, folds=2, jobs=2)
    return target


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    return prepare_store(tmp_path_factory)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory) -> Path:
    """About 60 kB of plain-text articles in four outlet subfolders."""
    folder = tmp_path_factory.mktemp("synthetic")
    build_folder(folder, 0.06, seed=11)
    return folder


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            return [unflatten(record, row_format.directions_of_columns(reader.fieldnames)) for record in reader]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def canonical(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def expected_paragraphs(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): len(split_paragraphs(p.read_text(encoding="utf-8"))) for p in folder.rglob("*.txt")
    }


def check_complete(rows: list[dict], folder: Path) -> None:
    """Every article's rows exactly once, paragraphs 0..n-1, offsets into the article."""
    expected = expected_paragraphs(folder)
    by_article: dict[str, list[dict]] = {}
    for row in rows:
        by_article.setdefault(row["path"], []).append(row)
    assert set(by_article) == set(expected)
    for path, article_rows in by_article.items():
        assert [r["paragraph"] for r in article_rows] == list(range(expected[path])), path
        article = (folder / path).read_text(encoding="utf-8")
        for row in article_rows:
            assert article[row["start"] : row["end"]] == row["text"]
            assert row["article_paragraphs"] == expected[path]


# ------------------------------------------------------------------ rows


def test_seed_folder_rows(tmp_path, store):
    out = tmp_path / "seeds.jsonl"
    summary = score_folder(SEEDS, out, model_dir=store, jobs=1, progress=False)
    rows = read_rows(out)
    check_complete(rows, SEEDS)
    assert summary.articles == 5 and summary.paragraphs == len(rows) and summary.problem_count == 0
    assert errors_path(out).read_text() == ""

    outlets = {r["path"]: r["outlet"] for r in rows}
    with open(SEEDS / "sources.csv", encoding="utf-8") as handle:
        assert outlets == {r["file"]: r["outlet"] for r in csv.DictReader(handle)}
    version = (store / "CURRENT").read_text().strip()
    for row in rows:
        assert list(row)[:12] == list(row_format.ROW_FIELDS)
        assert row["line"] is None and len(row["article_hash"]) == 32
        assert row["direction"]["label"] in DIRECTIONS
        assert list(row["direction"]["probabilities"]) == list(DIRECTIONS)
        assert abs(sum(row["direction"]["probabilities"].values()) - 1) < 1e-3
        assert row["loaded"]["label"] in ("none", "quoted", "editorial")
        assert -1 <= row["lean"] <= 1 and 0 <= row["framing_score"] <= 1
        assert row["model_version"] == version
        for span in row["loaded"]["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["text"]


def test_csv_output_holds_the_same_rows(tmp_path, store):
    sides = default_sides()
    score_folder(SEEDS, tmp_path / "a.jsonl", sides=sides, model_dir=store, jobs=1, progress=False)
    score_folder(SEEDS, tmp_path / "a.csv", sides=sides, model_dir=store, jobs=1, progress=False)
    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == row_format.csv_columns(DIRECTIONS)
    assert "direction.probabilities.afghanistan->pakistan" in header and "loaded.spans" in header
    assert canonical(read_rows(tmp_path / "a.csv")) == canonical(read_rows(tmp_path / "a.jsonl"))
    assert errors_path(tmp_path / "a.csv").read_text().splitlines() == ["path,line,kind,message"]


def test_other_sides_name_the_directions(tmp_path, store):
    sides = default_sides().swapped()
    score_folder(SEEDS, tmp_path / "s.jsonl", sides=sides, model_dir=store, jobs=1, progress=False)
    rows = read_rows(tmp_path / "s.jsonl")
    assert list(rows[0]["direction"]["probabilities"]) == list(sides.directions)
    # resuming with other sides is refused rather than mixing the two
    with pytest.raises(BatchError, match="other sides"):
        score_folder(SEEDS, tmp_path / "s.jsonl", sides=default_sides(), model_dir=store, jobs=1, progress=False)


# ------------------------------------------------------------------ bad inputs

PAGE = (
    "<html><head><title>Kabul accuses Islamabad</title></head><body><nav>Home | World | Sport</nav><article>"
    "<p>Kabul accused Islamabad of violating its airspace during an overnight strike on the border town.</p>"
    "<p>Pakistan denied the accusation and said its forces had only responded to fire from across the line.</p>"
    "</article><footer>Subscribe to our newsletter</footer></body></html>"
)


def broken_folder(root: Path) -> dict[str, str]:
    """A folder mixing good articles of every kind with broken files; returns {problem path: kind}."""
    (root / "wire").mkdir(parents=True)
    shutil.copy(SEEDS / "001_3050bd540e1a339e.txt", root / "wire" / "good.txt")
    (root / "notes.md").write_text(
        "# Pakistan blames Kabul\n\nPakistan blamed Kabul for the attack.\n", encoding="utf-8"
    )
    (root / "page.html").write_text(PAGE, encoding="utf-8")
    lines = [
        json.dumps({"text": "Islamabad accused Kabul of sheltering militants.", "id": "a1", "outlet": "Feed"}),
        '{"text": "broken',
        json.dumps({"text": "Kabul rejected the charge as baseless.", "url": "https://x.example/2"}),
        json.dumps({"no_text": True}),
        json.dumps({"text": ""}),
    ]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "binary.txt").write_bytes(b"\x00\x01\x02 not text \x00" * 50)
    (root / "latin1.txt").write_bytes("Caf\u00e9 diplomacy fails".encode("latin-1"))
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.md").write_text("   \n\n  \n", encoding="utf-8")
    (root / "furniture.txt").write_text("Read more\nUnrelated teaser about cricket\n", encoding="utf-8")
    (root / "nav.html").write_text("<html><body></body></html>", encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "sources.csv").write_text("wrong,columns\n", encoding="utf-8")
    return {
        "feed.jsonl:2": "bad-json",
        "feed.jsonl:4": "missing-text",
        "feed.jsonl:5": "empty",
        "picture.png": "unsupported",
        "binary.txt": "binary",
        "latin1.txt": "undecodable",
        "empty.txt": "empty",
        "blank.md": "empty",
        "furniture.txt": "no-paragraphs",
        "nav.html": "no-article",
        "sub/sources.csv:1": "metadata",
    }


def test_broken_files_are_reported_and_skipped(tmp_path, store):
    folder = tmp_path / "in"
    expected = broken_folder(folder)
    out = tmp_path / "out.jsonl"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = score_folder_main(folder, out, model=store, jobs=1, progress=False, stdout=stdout, stderr=stderr)
    assert code == 0, stderr.getvalue()

    problems = [json.loads(line) for line in errors_path(out).read_text().splitlines()]
    found = {p["path"] if p["line"] is None else f"{p['path']}:{p['line']}": p["kind"] for p in problems}
    assert found == expected
    assert all(p["message"] for p in problems)
    summary_text = stdout.getvalue()
    assert f"{len(expected)} inputs skipped" in summary_text and str(errors_path(out)) in summary_text
    assert summary_text.startswith("scored 5 articles")  # good.txt, notes.md, page.html, feed lines 1 and 3

    rows = read_rows(out)
    articles = {(r["path"], r["line"]) for r in rows}
    assert articles == {
        ("wire/good.txt", None),
        ("notes.md", None),
        ("page.html", None),
        ("feed.jsonl", 1),
        ("feed.jsonl", 3),
    }
    by_key = {(r["path"], r["line"]): r for r in rows}
    assert by_key[("wire/good.txt", None)]["outlet"] == "wire"
    assert by_key[("feed.jsonl", 1)]["outlet"] == "Feed" and by_key[("feed.jsonl", 1)]["id"] == "a1"
    assert by_key[("feed.jsonl", 3)]["outlet"] == "unknown"
    assert by_key[("feed.jsonl", 3)]["url"] == "https://x.example/2"
    html_texts = [r["text"] for r in rows if r["path"] == "page.html"]
    assert html_texts[0] == "Kabul accuses Islamabad"
    assert any(t.startswith("Pakistan denied") for t in html_texts)
    assert not any("Subscribe" in t or "Home" in t for t in html_texts)


def test_model_failure_on_one_article_is_reported(tmp_path, store, monkeypatch):
    from framing.model.store import load_current

    loaded = load_current(store)
    classifier_type = type(loaded.classifier)
    original = classifier_type.score

    def fragile(self, texts, *args, **kwargs):
        if any("EXPLODE" in t for t in texts):
            raise ValueError("cannot score this")
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(classifier_type, "score", fragile)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "003_abc7d57044bbd6c6.txt", folder / "fine.txt")
    (folder / "bad.txt").write_text("Kabul said EXPLODE in the statement.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    assert summary.articles == 1 and dict(summary.problems) == {"scoring-failed": 1}
    assert {r["path"] for r in read_rows(out)} == {"fine.txt"}
    problem = json.loads(errors_path(out).read_text())
    assert problem["path"] == "bad.txt" and "cannot score this" in problem["message"]


# ------------------------------------------------------------------ resuming


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_resume_cuts_a_half_written_tail_and_loses_nothing(tmp_path, store, synthetic, suffix):
    full = tmp_path / f"full{suffix}"
    score_folder(synthetic, full, model_dir=store, jobs=1, progress=False)
    reference = canonical(read_rows(full))
    data = full.read_bytes()
    last_article = read_rows(full)[-1]["path"]
    keep = len(data) * 2 // 3
    for cut in (keep, keep + 7, len(data) - 3):
        partial = tmp_path / f"partial{suffix}"
        partial.write_bytes(data[:cut])  # a crash in the middle of a write
        summary = score_folder(synthetic, partial, model_dir=store, jobs=1, progress=False)
        rows = read_rows(partial)
        assert canonical(rows) == reference
        check_complete(rows, synthetic)
        assert summary.cut_bytes > 0 and summary.already_done > 0
        assert summary.articles + summary.already_done == len(expected_paragraphs(synthetic))
    # the last cut only damaged the last article: everything else was kept
    assert summary.articles == 1 and any(r["path"] == last_article for r in rows)

    # a finished output is left as it is
    before = full.read_bytes()
    again = score_folder(synthetic, full, model_dir=store, jobs=1, progress=False)
    assert again.articles == 0 and again.already_done == len(expected_paragraphs(synthetic))
    assert full.read_bytes() == before


def test_resume_after_the_process_is_killed(tmp_path, store):
    folder = tmp_path / "in"
    build_folder(folder, 0.5, seed=5)
    out = tmp_path / "out.jsonl"
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from service.batch_cli import score_folder_main\n"
        "if __name__ == '__main__':\n"
        f"    sys.exit(score_folder_main(Path({str(folder)!r}), Path({str(out)!r}), model=Path({str(store)!r}),"
        " jobs=1, progress=False))\n"
    )
    (tmp_path / "run.py").write_text(script)

    def run_until_output(grow_to: int, sig: int) -> tuple[int, str, str]:
        process = subprocess.Popen(
            [sys.executable, str(tmp_path / "run.py")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if out.exists() and out.stat().st_size > grow_to:
                process.send_signal(sig)
                break
            time.sleep(0.01)
        stdout, stderr = process.communicate(timeout=60)
        return process.returncode, stdout, stderr

    code, _, _ = run_until_output(0, signal.SIGKILL)
    assert code == -signal.SIGKILL, "scoring finished before it could be interrupted"
    first = len(read_rows(out)) if out.read_bytes().endswith(b"\n") else None

    code, stdout, stderr = run_until_output(out.stat().st_size, signal.SIGINT)
    assert code == 130, stderr
    assert "interrupted: rerun the same command to resume" in stdout
    assert "resumed" in stdout

    summary = score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    assert summary.already_done > 0 and summary.articles > 0
    rows = read_rows(out)
    check_complete(rows, folder)
    assert len({(r["path"], r["paragraph"]) for r in rows}) == len(rows)  # no duplicated rows
    if first is not None:
        assert len(rows) > first


def test_resume_refuses_another_model_version(tmp_path, store):
    out = tmp_path / "seeds.jsonl"
    score_folder(SEEDS, out, model_dir=store, jobs=1, progress=False)
    rows = read_rows(out)
    for row in rows:
        row["model_version"] = "20200101T000000000000Z-00000000"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code = score_folder_main(
        SEEDS, out, model=store, jobs=1, progress=False, stdout=io.StringIO(), stderr=(err := io.StringIO())
    )
    assert code == 2 and "20200101T000000000000Z-00000000" in err.getvalue() and "--overwrite" in err.getvalue()
    summary = score_folder(SEEDS, out, model_dir=store, jobs=1, progress=False, overwrite=True)
    assert summary.articles == 5 and summary.already_done == 0
    assert len(read_rows(out)) == len(rows)


def test_changed_article_is_reported_not_duplicated(tmp_path, store):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "003_abc7d57044bbd6c6.txt", folder / "a.txt")
    out = tmp_path / "out.jsonl"
    score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    rows = read_rows(out)
    (folder / "a.txt").write_text((folder / "a.txt").read_text() + "\nA new closing paragraph.\n")
    summary = score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    assert dict(summary.problems) == {"changed": 1}
    assert read_rows(out) == rows


def test_output_inside_the_folder_is_not_scored(tmp_path, store):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    out = folder / "results.jsonl"
    first = score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    second = score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    assert first.articles == 5 and first.problem_count == 0
    assert second.articles == 0 and second.already_done == 5 and second.problem_count == 0


# ------------------------------------------------------------------ engines

# A fork needs a single-threaded process, and this test process is not one (the OpenAPI fuzz tests
# start an event-loop thread), so runs that should fork go in a fresh interpreter.
POOL_RUN = """
import json, os, sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from framing.service import batch
from framing.service.folder import engines, worker

folder, out, store, fault = sys.argv[1:5]
methods = []
def pool(**kw):
    methods.append(kw["mp_context"].get_start_method())
    return ProcessPoolExecutor(**kw)
engines.ProcessPoolExecutor = pool
if fault:  # kill the scoring process the first time it meets 'Kabul' (once: the marker file)
    real = worker.split_paragraphs
    def split(text):
        if "Kabul" in text and not os.path.exists(fault):
            open(fault, "w").close()
            os._exit(17)
        return real(text)
    worker.split_paragraphs = split
summary = batch.score_folder(Path(folder), Path(out), model_dir=Path(store), jobs=2, progress=False, chunk_bytes=6000)
print(json.dumps({"methods": methods, "articles": summary.articles, "problems": summary.problem_count}))
"""


def pool_run(folder: Path, out: Path, store: Path, fault: Path | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", POOL_RUN, str(folder), str(out), str(store), str(fault or "")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_forked_process_pool_matches_inline(tmp_path, store, synthetic):
    inline = score_folder(synthetic, tmp_path / "inline.jsonl", model_dir=store, jobs=1, progress=False)
    pooled = pool_run(synthetic, tmp_path / "pool.jsonl", store)
    assert pooled["methods"] == ["fork"] and pooled["articles"] == inline.articles
    # chunks are written in order, so the files are identical byte for byte
    assert (tmp_path / "pool.jsonl").read_bytes() == (tmp_path / "inline.jsonl").read_bytes()


def test_spawned_process_pool_matches_inline(tmp_path, store, synthetic, monkeypatch):
    methods = []
    monkeypatch.setattr(engines, "_can_fork", lambda: False)
    monkeypatch.setattr(
        engines,
        "ProcessPoolExecutor",
        lambda **kw: methods.append(kw["mp_context"].get_start_method()) or ProcessPoolExecutor(**kw),
    )
    inline = score_folder(synthetic, tmp_path / "inline.jsonl", model_dir=store, jobs=1, progress=False)
    pooled = score_folder(synthetic, tmp_path / "pool.jsonl", model_dir=store, jobs=2, progress=False, chunk_bytes=6000)
    assert methods == ["spawn"] and inline.workers == 1 and pooled.workers == 2
    assert canonical(read_rows(tmp_path / "pool.jsonl")) == canonical(read_rows(tmp_path / "inline.jsonl"))
    assert (tmp_path / "pool.jsonl").read_bytes() == (tmp_path / "inline.jsonl").read_bytes()


def test_a_scoring_process_that_dies_is_replaced_and_nothing_is_lost(tmp_path, store, synthetic):
    inline = score_folder(synthetic, tmp_path / "inline.jsonl", model_dir=store, jobs=1, progress=False)
    pooled = pool_run(synthetic, tmp_path / "pool.jsonl", store, fault=tmp_path / "died")
    assert (tmp_path / "died").exists(), "no scoring process was killed"
    assert pooled["methods"][0] == "fork" and len(pooled["methods"]) == 2  # the pool was started again
    assert pooled["articles"] == inline.articles and pooled["problems"] == 0
    assert (tmp_path / "pool.jsonl").read_bytes() == (tmp_path / "inline.jsonl").read_bytes()


def test_dask_local_cluster_matches_local_engine(tmp_path, store, synthetic):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "in"
    shutil.copytree(synthetic, folder)
    broken_folder(folder / "mixed")
    local = score_folder(folder, tmp_path / "local.jsonl", model_dir=store, jobs=1, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        summary = score_folder(
            folder,
            tmp_path / "dask.jsonl",
            model_dir=store,
            engine="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
            chunk_bytes=8000,
        )
        loads = client.run(worker.worker_loads)
    assert summary.engine == "dask" and summary.workers == 2
    assert canonical(read_rows(tmp_path / "dask.jsonl")) == canonical(read_rows(tmp_path / "local.jsonl"))
    assert summary.articles == local.articles and summary.problems == local.problems
    assert sorted(errors_path(tmp_path / "dask.jsonl").read_text().splitlines()) == sorted(
        errors_path(tmp_path / "local.jsonl").read_text().splitlines()
    )
    assert all(n <= 1 for n in loads.values()) and sum(loads.values()) >= 1  # the model loaded once per worker


def test_unreachable_scheduler_is_an_error(tmp_path, store):
    dask = pytest.importorskip("dask")
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = score_folder_main(
            SEEDS,
            tmp_path / "o.jsonl",
            model=store,
            engine="dask",
            scheduler="tcp://127.0.0.1:9",
            progress=False,
            stdout=io.StringIO(),
            stderr=(err := io.StringIO()),
        )
    assert code == 2 and "cannot reach the Dask scheduler" in err.getvalue()


# ------------------------------------------------------------------ command line and progress


def test_command_line_errors(tmp_path, store):
    def run(*args, **kwargs):
        err = io.StringIO()
        code = score_folder_main(*args, stdout=io.StringIO(), stderr=err, progress=False, **kwargs)
        return code, err.getvalue()

    code, err = run(tmp_path / "missing", tmp_path / "o.jsonl", model=store)
    assert code == 2 and "does not exist" in err
    code, err = run(SEEDS, tmp_path / "o.parquet", model=store)
    assert code == 2 and ".jsonl or .csv" in err
    (tmp_path / "empty-store").mkdir()
    code, err = run(SEEDS, tmp_path / "o.jsonl", model=tmp_path / "empty-store")
    assert code == 3 and "no current model" in err
    (tmp_path / "bad.toml").write_text("dispute = 'x'\n")
    code, err = run(SEEDS, tmp_path / "o.jsonl", model=store, sides=tmp_path / "bad.toml")
    assert code == 2 and "side" in err
    code, err = run(SEEDS, tmp_path / "o.jsonl", model=store, engine="spark")
    assert code == 2 and "unknown engine" in err
    code, err = run(SEEDS, tmp_path / "o.jsonl", model=store, scheduler="tcp://x:1")
    assert code == 2 and "--engine dask" in err


def test_progress_plain_lines_when_not_a_terminal(tmp_path, store, synthetic):
    stream = io.StringIO()
    score_folder(
        synthetic, tmp_path / "o.jsonl", model_dir=store, jobs=1, progress=None, progress_interval=0, stream=stream
    )
    lines = stream.getvalue().splitlines()
    assert lines and all(line.startswith("score-folder: ") for line in lines)
    assert any("articles (" in line and "/s)" in line for line in lines)
    quiet = io.StringIO()
    score_folder(synthetic, tmp_path / "q.jsonl", model_dir=store, jobs=1, progress=False, stream=quiet)
    assert quiet.getvalue() == ""


def test_progress_bar_on_request(tmp_path, store):
    stream = io.StringIO()
    score_folder(SEEDS, tmp_path / "o.jsonl", model_dir=store, jobs=1, progress=True, stream=stream)
    assert "score-folder" in stream.getvalue() and "articles" in stream.getvalue()


# ------------------------------------------------------------------ many disputes in one folder

INDIA = (
    "India blames Pakistan after Kashmir attack\n\n"
    "India accused Pakistan of sponsoring terrorism in Kashmir and said Islamabad must shut the camps.\n\n"
    "Pakistan rejected the charge as baseless and said New Delhi wanted a pretext for aggression.\n"
)
NO_SIDE = "The harvest was good this year.\n\nFarmers sold their grain at the weekly market in town.\n"
VAGUE = "Officials met again to discuss the border.\n\nThe minister blamed the other side for the delay.\n"


def mixed_folder(root: Path) -> Path:
    """Seed articles, an India-Pakistan article, one naming no side, a subfolder whose sides.toml sets
    the dispute, and a sources.csv that sets one file's dispute by name."""
    (root / "seeds").mkdir(parents=True)
    shutil.copy(SEEDS / "001_3050bd540e1a339e.txt", root / "seeds" / "a.txt")
    (root / "india").mkdir()
    (root / "india" / "kashmir.txt").write_text(INDIA, encoding="utf-8")
    (root / "farm.txt").write_text(NO_SIDE, encoding="utf-8")
    (root / "desk").mkdir()
    shutil.copy(ROOT / "labels" / "sides" / "russia-ukraine.toml", root / "desk" / "sides.toml")
    (root / "desk" / "vague.txt").write_text(VAGUE, encoding="utf-8")
    (root / "desk" / "named.txt").write_text(VAGUE, encoding="utf-8")
    (root / "desk" / "sources.csv").write_text(
        "file,outlet,sides\nnamed.txt,Desk,thailand-cambodia\n", encoding="utf-8"
    )
    return root


def by_path(rows: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["path"], []).append(row)
    return found


def test_each_article_is_read_with_its_own_dispute(tmp_path, store):
    folder = mixed_folder(tmp_path / "in")
    summary = score_folder(folder, tmp_path / "out.jsonl", model_dir=store, jobs=1, progress=False)
    assert summary.problem_count == 0
    rows = by_path(read_rows(tmp_path / "out.jsonl"))
    india = rows["india/kashmir.txt"]
    assert {r["sides"]["dispute"] for r in india} == {"india-pakistan"} and india[1]["sides"]["detected"]
    assert india[1]["direction"]["label"] == "india->pakistan"
    assert list(india[1]["direction"]["probabilities"]) == ["india->pakistan", "pakistan->india", "mutual", "none"]
    assert {r["sides"]["dispute"] for r in rows["seeds/a.txt"]} == {"pakistan-afghanistan"}
    # an article naming no side of any known dispute gets no direction, and says why
    assert all(
        r["direction"]["label"] == "none" and r["lean"] == 0.0 and "no side" in r["warning"] for r in rows["farm.txt"]
    )
    # a folder's sides.toml sets the dispute below it; a sources.csv entry wins for its file
    assert {(r["sides"]["dispute"], r["sides"]["detected"]) for r in rows["desk/vague.txt"]} == {
        ("russia-ukraine", False)
    }
    assert {r["sides"]["dispute"] for r in rows["desk/named.txt"]} == {"thailand-cambodia"}
    assert rows["desk/named.txt"][0]["outlet"] == "Desk"
    # sides given on the command line are used for every article, folder settings aside
    score_folder(folder, tmp_path / "fixed.jsonl", sides=default_sides(), model_dir=store, jobs=1, progress=False)
    fixed = read_rows(tmp_path / "fixed.jsonl")
    assert {r["sides"]["dispute"] for r in fixed} == {"pakistan-afghanistan"}
    assert not any(r.get("warning") for r in fixed)


def test_mixed_disputes_in_csv_use_side_neutral_columns(tmp_path, store):
    folder = mixed_folder(tmp_path / "in")
    score_folder(folder, tmp_path / "out.jsonl", model_dir=store, jobs=1, progress=False)
    score_folder(folder, tmp_path / "out.csv", model_dir=store, jobs=1, progress=False)
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert "direction.probabilities.A->B" in header and "sides.a" in header and "sides.dispute" in header
    assert canonical(read_rows(tmp_path / "out.csv")) == canonical(read_rows(tmp_path / "out.jsonl"))
    # resuming a finished mixed output skips everything
    again = score_folder(folder, tmp_path / "out.csv", model_dir=store, jobs=1, progress=False)
    assert again.articles == 0 and again.already_done == 5


def test_a_bad_sides_setting_skips_only_its_articles(tmp_path, store):
    folder = mixed_folder(tmp_path / "in")
    (folder / "desk" / "sides.toml").write_text("dispute = 'broken'\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = score_folder_main(
        folder, out, model=store, jobs=1, progress=False, stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert code == 0
    problems = {p["path"]: p for p in map(json.loads, errors_path(out).read_text().splitlines())}
    assert problems["desk/vague.txt"]["kind"] == "sides" and "sides.toml" in problems["desk/vague.txt"]["message"]
    assert "desk/named.txt" not in problems  # its sources.csv entry names a good dispute
    assert {r["path"] for r in read_rows(out)} == {"seeds/a.txt", "india/kashmir.txt", "farm.txt", "desk/named.txt"}


def test_the_report_covers_one_dispute_and_names_the_others(tmp_path, store):
    from framing.service.report import ReportError, write_report

    folder = mixed_folder(tmp_path / "in")
    out = tmp_path / "out.csv"
    score_folder(folder, out, model_dir=store, jobs=1, progress=False)
    summary = write_report(out, tmp_path / "r.html")
    assert summary.dispute == "pakistan-afghanistan" and summary.articles == 1  # the most paragraphs
    assert set(summary.other_disputes) == {"india-pakistan", "russia-ukraine", "thailand-cambodia"}
    assert summary.skipped_rows == {"naming no side of a known dispute": 2}
    page = (tmp_path / "r.html").read_text()
    assert "This report is on pakistan-afghanistan" in page and "--dispute NAME" in page
    india = write_report(out, tmp_path / "i.html", dispute="india-pakistan")
    assert india.paragraphs == 3 and india.outlets == 1
    assert "india (A) and pakistan (B)" in (tmp_path / "i.html").read_text()
    with pytest.raises(ReportError, match="no paragraphs of dispute 'nowhere'.*india-pakistan"):
        write_report(out, tmp_path / "n.html", dispute="nowhere")


def test_attributions_read_each_paragraph_with_its_article_before_it(tmp_path, store):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "talks.txt").write_text(
        "\u201cDuring the talks, the Pakistani delegation kept shifting every security burden onto the "
        "Afghan government,\u201d Mujahid wrote.\n\n"
        "He added that the irresponsible and uncooperative attitude of the Pakistani delegation caused the talks "
        "to remain unproductive, despite the sincere efforts of the Afghan delegation and mediators.\n",
        encoding="utf-8",
    )
    plain = score_folder(folder, tmp_path / "plain.jsonl", model_dir=store, jobs=1, progress=False)
    assert plain.paragraphs == 2 and all("attributions" not in r for r in read_rows(tmp_path / "plain.jsonl"))

    for name in ("with.jsonl", "with.csv"):
        score_folder(folder, tmp_path / name, model_dir=store, jobs=1, progress=False, attributions=True)
        first, second = read_rows(tmp_path / name)
        assert [a["speaker"]["text"] for a in first["attributions"]] == ["Mujahid"]
        speaker = second["attributions"][0]["speaker"]
        assert speaker["text"] == "Mujahid" and speaker["side"] == "afghanistan"
        assert second["text"][speaker["start"] : speaker["end"]] == "He"
        assert second["attributions"][0]["targets"] == ["pakistan"]
    with open(tmp_path / "with.csv", encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == row_format.csv_columns(row_format.GENERIC_DIRECTIONS, attributions=True)

    for name in ("plain.jsonl", "with.csv"):
        code = score_folder_main(
            folder,
            tmp_path / name,
            model=store,
            jobs=1,
            progress=False,
            attributions=name == "plain.jsonl",
            stdout=io.StringIO(),
            stderr=(err := io.StringIO()),
        )
        assert code == 2 and "--attributions" in err.getvalue() and "--overwrite" in err.getvalue()


def test_a_sides_files_speakers_reach_the_workers_that_find_attributions(tmp_path, store):
    from framing.model.sides import sides_from_mapping

    sides = sides_from_mapping(
        {
            "dispute": "israel-iran",
            "side": [
                {"name": "israel", "aliases": ["Israel", "Israeli"]},
                {"name": "iran", "aliases": ["Iran", "Iranian", "Tehran"], "speakers": ["Abbas Araqchi"]},
            ],
        }
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Araqchi warned that Israel would pay for the strikes on Tehran.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    score_folder(folder, out, sides=sides, model_dir=store, jobs=1, progress=False, attributions=True)
    (row,) = read_rows(out)
    assert [(a["speaker"]["text"], a["speaker"]["side"]) for a in row["attributions"]] == [("Araqchi", "iran")]


def test_a_pool_that_breaks_while_a_chunk_is_sent_is_restarted_and_nothing_is_lost(
    tmp_path, store, synthetic, monkeypatch
):
    """A worker can die between two chunks, so that sending the next one finds the pool broken (seen
    once under load); that chunk is sent again to the restarted pool like the ones in flight."""
    from concurrent.futures.process import BrokenProcessPool

    from framing.service.folder import engines

    inline = score_folder(synthetic, tmp_path / "inline.jsonl", model_dir=store, jobs=1, progress=False)
    broken = []

    class BreaksOnce(engines.ProcessPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            if fn is engines.score_chunk and not broken:
                broken.append(fn)
                raise BrokenProcessPool("a child process terminated abruptly")
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(engines, "ProcessPoolExecutor", BreaksOnce)
    pooled = score_folder(synthetic, tmp_path / "pool.jsonl", model_dir=store, jobs=2, progress=False, chunk_bytes=6000)
    assert broken and pooled.articles == inline.articles and pooled.problem_count == 0
    assert (tmp_path / "pool.jsonl").read_bytes() == (tmp_path / "inline.jsonl").read_bytes()


def test_score_folder_with_attributions_gives_what_score_gives_with_the_article_before(tmp_path, store):
    """With --attributions a row's direction reads the statements found with its article's earlier
    paragraphs, exactly as `score` with that context does; without, the text-only head, as `score`
    without attributions."""
    from framing.model.sides import default_sides
    from framing.model.store import load_current

    first = (
        "\u201cDuring the talks, the Pakistani delegation kept shifting every security burden onto the "
        "Afghan government,\u201d Mujahid wrote."
    )
    second = (
        "He added that the irresponsible and uncooperative attitude of the Pakistani delegation caused the talks "
        "to remain unproductive, despite the sincere efforts of the Afghan delegation and mediators."
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "talks.txt").write_text(first + "\n\n" + second + "\n", encoding="utf-8")
    sides = default_sides()
    score_folder(
        folder, tmp_path / "with.jsonl", sides=sides, model_dir=store, jobs=1, progress=False, attributions=True
    )
    score_folder(folder, tmp_path / "plain.jsonl", sides=sides, model_dir=store, jobs=1, progress=False)
    model = load_current(store)
    (expected,) = model.classifier.score([second], sides, model.version, context=[first])
    (text_only,) = model.classifier.score([second], sides, model.version, attributions=False)
    with_row, plain_row = read_rows(tmp_path / "with.jsonl")[1], read_rows(tmp_path / "plain.jsonl")[1]
    assert with_row["direction"] == expected["direction"] and with_row["attributions"] == expected["attributions"]
    assert plain_row["direction"] == text_only["direction"]
    assert with_row["direction"]["probabilities"] != plain_row["direction"]["probabilities"]
