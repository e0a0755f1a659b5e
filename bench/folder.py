"""Benchmark: score-folder end to end on a synthetic folder of plain-text articles.

The folder is built from the seed articles' sentences: every paragraph is 2-4 seed
sentences drawn at random with their figures changed, so paragraphs read like the
seeds' (length, vocabulary, quotes) but are (nearly) all different, and the model gets
no help from repeated text. Each article is a headline plus 8-16 paragraphs.

Each size is measured ``--repeats`` times (3 by default), each time in a fresh child
process (so peak RSS figures are per run): wall time, MB of article text per second,
paragraphs per second, and the peak resident memory of the main process and of the
largest worker. The figures reported for a size are those of its median run, with the
slowest and fastest rates beside them, because this shared machine's speed drifts by
10-20% from one minute to the next. The larger default size holds about 100,000
paragraphs (the issue's example); comparing two sizes shows whether memory stays bounded
as the folder grows.

    python -m bench.folder            # 8 MB and 48 MB folders, 3 runs each
    python -m bench.folder --quick    # one 1 MB folder, once, well under 15 s
    python -m bench.folder --mb 100   # a custom size

``run(quick)`` returns the figures as a dict. The model store is ``--model DIR``,
``$FRAMING_MODEL_DIR`` or the project's own; without a usable one a model is trained
into a temporary folder first (not counted in the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/folder.py``, bench/ would come first on sys.path and its http.py would
# shadow the standard library's http (in this process and in every worker it spawns).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SENTENCE = re.compile(r"(?<=[.!?\"\u201d])\s+(?=[A-Z\u201c\"])")
_NUMBER = re.compile(r"\b\d+\b")


def _seed_material() -> tuple[list[str], list[str]]:
    from framing.model.paragraphs import split_paragraphs

    headlines, sentences = [], []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for paragraph in split_paragraphs(path.read_text(encoding="utf-8")):
            text = paragraph.text
            if len(text) < 120:
                headlines.append(text)
                continue
            sentences.extend(s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 30)
    return headlines, sentences


def build_folder(directory: Path, megabytes: float, seed: int = 7) -> dict:
    """Write plain-text articles totalling about ``megabytes`` MB into ``directory`` (4 outlet
    subfolders); returns counts."""
    headlines, sentences = _seed_material()
    rng = random.Random(seed)
    target = int(megabytes * 1e6)
    written = files = paragraphs = 0
    outlets = ["wire", "daily", "tribune", "observer"]
    for name in outlets:
        (directory / name).mkdir(parents=True, exist_ok=True)
    while written < target:
        parts = [rng.choice(headlines)]
        for _ in range(rng.randint(8, 16)):
            chosen = " ".join(rng.sample(sentences, rng.randint(2, 4)))
            parts.append(_NUMBER.sub(lambda m: str(rng.randint(2, 999)), chosen))
        text = "\n\n".join(parts) + "\n"
        path = directory / outlets[files % len(outlets)] / f"article-{files:07d}.txt"
        path.write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
        files += 1
        paragraphs += len(parts)
    return {"files": files, "bytes": written, "paragraphs_written": paragraphs}


def _usable_store(model_dir: str | None) -> Path | None:
    from framing.model.store import ModelStoreError, load_current, store_dir

    try:
        load_current(Path(model_dir) if model_dir else None)
        return store_dir(model_dir).resolve()
    except (ModelStoreError, Exception):
        return None


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(folder: str, out: str, model_dir: str, jobs: int, attributions: bool = False) -> dict:
    """Runs in a child process: score the folder, report speed and peak memory."""
    import resource

    from framing.service.batch import score_folder

    started = time.perf_counter()
    summary = score_folder(
        Path(folder), Path(out), model_dir=Path(model_dir), jobs=jobs, progress=False, attributions=attributions
    )
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: ru_maxrss survives fork+exec and would report the parent's peak.
    main_rss = peak_rss_mb()
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "articles": summary.articles,
        "paragraphs": summary.paragraphs,
        "text_mb": round(summary.text_bytes / 1e6, 2),
        "seconds": round(seconds, 2),
        "mb_per_s": round(summary.text_bytes / 1e6 / seconds, 3),
        "paragraphs_per_s": round(summary.paragraphs / seconds, 1),
        "workers": summary.workers,
        "problems": summary.problem_count,
        "peak_rss_main_mb": round(main_rss, 1),
        "peak_rss_worker_mb": round(worker_rss, 1),
        "output_mb": round(Path(out).stat().st_size / 1e6, 2),
    }


def _measure_in_child(folder: Path, out: Path, store: Path, jobs: int, attributions: bool = False) -> dict:
    command = [sys.executable, "-m", "bench.folder", "--measure", str(folder), str(out), str(store), str(jobs)]
    command += ["--attributions"] if attributions else []
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    quick: bool,
    model_dir: str | None = None,
    sizes: list[float] | None = None,
    jobs: int = 0,
    repeats: int | None = None,
) -> dict:
    """Build synthetic folders, score each with the local engine, return the figures."""
    sizes = sizes or ([1.0] if quick else [8.0, 48.0])
    repeats = repeats or (1 if quick else 3)
    with tempfile.TemporaryDirectory(prefix="framing-bench-") as tmp:
        tmp_path = Path(tmp)
        store = _usable_store(model_dir)
        if store is None:
            from framing.training.train import train

            store = tmp_path / "store"
            train(labels_dir=None, out=store, folds=2, jobs=1)
        runs = []
        for i, size in enumerate(sizes):
            folder = tmp_path / f"folder-{i}"
            built = build_folder(folder, size, seed=7 + i)
            measured = []
            for _ in range(repeats):
                out = tmp_path / f"out-{i}.jsonl"
                out.unlink(missing_ok=True)  # a fresh output each time, never a resumed one
                measured.append(_measure_in_child(folder, out, store, jobs))
            if i == 0:
                attributed = _with_attributions(folder, tmp_path / "out-attributions.jsonl", store, jobs, repeats)
            measured.sort(key=lambda m: m["mb_per_s"])
            median = measured[len(measured) // 2]
            runs.append(
                {
                    "size_mb": size,
                    "files": built["files"],
                    "repeats": repeats,
                    **median,
                    "mb_per_s_min": measured[0]["mb_per_s"],
                    "mb_per_s_max": measured[-1]["mb_per_s"],
                    "peak_rss_main_mb": max(m["peak_rss_main_mb"] for m in measured),
                    "peak_rss_worker_mb": max(m["peak_rss_worker_mb"] for m in measured),
                }
            )
            shutil.rmtree(folder)
    return {
        "benchmark": "score-folder, plain-text articles, local engine",
        "cpus": os.cpu_count(),
        "quick": quick,
        "runs": runs,
        "mb_per_s": runs[-1]["mb_per_s"],
        "paragraphs_per_s": runs[-1]["paragraphs_per_s"],
        "peak_rss_main_mb": max(r["peak_rss_main_mb"] for r in runs),
        "peak_rss_worker_mb": max(r["peak_rss_worker_mb"] for r in runs),
        "attributions": attributed,
    }


def _with_attributions(folder: Path, out: Path, store: Path, jobs: int, repeats: int) -> dict:
    """score-folder --attributions against plain score-folder on the same folder, in alternating runs."""
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for _ in range(repeats):
        for flag in (True, False):
            out.unlink(missing_ok=True)
            runs[flag].append(_measure_in_child(folder, out, store, jobs, flag))
    attributed, plain = (sorted(m["mb_per_s"] for m in runs[flag]) for flag in (True, False))
    middle = len(plain) // 2
    return {
        "text_mb": runs[True][0]["text_mb"],
        "mb_per_s": attributed[middle],
        "mb_per_s_range": [attributed[0], attributed[-1]],
        "plain_mb_per_s": plain[middle],
        "plain_mb_per_s_range": [plain[0], plain[-1]],
        "repeats": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mb", type=float, action="append", help="folder size in MB (repeatable)")
    parser.add_argument("--model", help="model store (default: $FRAMING_MODEL_DIR, else the project's)")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--repeats", type=int, help="runs per size (default 3; 1 with --quick)")
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--attributions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        folder, out, store, jobs = args.measure
        print(json.dumps(_measure(folder, out, store, int(jobs), args.attributions)))
        return
    started = time.perf_counter()
    figures = run(args.quick, args.model, args.mb, args.jobs, args.repeats)
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
