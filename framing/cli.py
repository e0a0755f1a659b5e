"""The ``framing`` command: one entry point for training, scoring, serving and labels."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Who blames whom, and is the wording loaded.")
labels_app = typer.Typer(no_args_is_help=True, help="Check and summarise labelled paragraphs.")
app.add_typer(labels_app, name="labels")

ModelOption = Annotated[Optional[Path], typer.Option("--model", help="Model store (default: $FRAMING_MODEL_DIR, else the project's own).")]
SidesOption = Annotated[Optional[Path], typer.Option("--sides", help="Sides configuration (TOML); default: the seed dispute.")]


def _fail(message: str, code: int = 1):
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _sides(path: Optional[Path]):
    from model.sides import SidesError, default_sides, load_sides

    try:
        return load_sides(path) if path else default_sides()
    except SidesError as exc:
        _fail(str(exc), 2)


def _model(path: Optional[Path]):
    from model.store import ModelStoreError, load_current

    try:
        return load_current(path)
    except ModelStoreError as exc:
        _fail(str(exc), 3)


@app.command()
def train(
    labels: Annotated[Optional[Path], typer.Option("--labels", help="Labels folder (default: the project's labels/).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Model store to write (default: the project's own).")] = None,
    folds: Annotated[int, typer.Option(help="Grouped cross-validation folds.")] = 5,
    jobs: Annotated[int, typer.Option(help="Parallel fold fits (-1: all cores).")] = -1,
    json_out: Annotated[bool, typer.Option("--json", help="Print the full evaluation report as JSON.")] = False,
):
    """Fit on every labelled file, evaluate by grouped cross-validation, save a new version and make it current."""
    from training.data import CorpusInvalid
    from training.report import format_report
    from training.train import train as run

    try:
        version, report = run(labels, out, folds=folds, jobs=jobs, log=lambda m: typer.echo(m, err=True))
    except CorpusInvalid as exc:
        _fail(str(exc), 2)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(json.dumps(report, indent=2) if json_out else format_report(version, report))


@app.command()
def score(
    text: Annotated[str, typer.Argument(help="The paragraph, or - to read it from standard input.")],
    sides: SidesOption = None,
    model: ModelOption = None,
    explain: Annotated[int, typer.Option(help="Also list the N features that pushed each head most.")] = 0,
):
    """Score one paragraph and print the JSON result."""
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        _fail("the paragraph is empty", 2)
    chosen = _sides(sides)
    loaded = _model(model)
    result = loaded.classifier.score([text.strip()], chosen, loaded.version, explain_top=explain)[0]
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="A labelled .jsonl file.")],
    sides: SidesOption = None,
    model: ModelOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
):
    """Score a labelled file against its labels: per-class precision, recall, F1 and macro-F1."""
    from training.evaluate import EvaluationInputError, evaluate_file
    from training.report import format_figures

    loaded = _model(model)
    try:
        figures = evaluate_file(file, loaded, _sides(sides) if sides else None)
    except EvaluationInputError as exc:
        _fail(str(exc), 2)
    typer.echo(json.dumps(figures, indent=2) if json_out else format_figures(figures))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    model: ModelOption = None,
    labels: Annotated[Optional[Path], typer.Option("--labels", help="Labels folder for POST /v1/labels and retrain.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    shared_socket: Annotated[bool, typer.Option(
        "--shared-socket", help="With several workers: uvicorn's own supervisor and one shared listening socket, "
                                "instead of a SO_REUSEPORT socket per worker (Linux).")] = False,
):
    """Run the HTTP service (FastAPI under uvicorn); open http://HOST:PORT/ for the web page."""
    import os
    import tempfile

    import uvicorn

    from model.store import ModelStoreError, current_version, store_dir, verify

    store = store_dir(model)
    try:
        verify(store, current_version(store))
    except ModelStoreError as exc:
        _fail(str(exc), 3)
    os.environ["FRAMING_MODEL_DIR"] = str(store.resolve())
    if labels:
        os.environ["FRAMING_LABELS_DIR"] = str(labels.resolve())
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="framing-metrics-")
    typer.echo(f"serving {store} on http://{host}:{port}/ with {workers} worker(s)", err=True)
    from service import workers as worker_pool

    if workers > 1 and not shared_socket and worker_pool.available():
        # one SO_REUSEPORT socket per worker: connections spread by the kernel (see service/workers.py)
        config = dict(app="service.app:create_app", factory=True, host=host, port=port,
                      log_level=log_level, access_log=False)
        try:
            sockets = worker_pool.bind(host, port, workers)
        except OSError as exc:
            _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(worker_pool.run(config, sockets))
    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False)


@app.command("score-folder")
def score_folder(
    folder: Annotated[Path, typer.Argument(help="Folder of articles (.txt, .md, .html, .htm, .jsonl), walked recursively.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .jsonl or .csv by its extension.")],
    sides: SidesOption = None,
    model: ModelOption = None,
    jobs: Annotated[int, typer.Option(help="Worker processes (0: all cores).")] = 0,
    engine: Annotated[str, typer.Option(help="local, or dask (needs --scheduler).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Start the output over instead of resuming it.")] = False,
):
    """Score every article under DIR, one row per paragraph; resumable, broken files reported and skipped."""
    from service.batch_cli import score_folder_main

    raise typer.Exit(score_folder_main(folder, out, sides, model, jobs, engine, scheduler, progress, overwrite))


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="score-folder output (.jsonl or .csv).")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    max_articles: Annotated[Optional[int], typer.Option(help="Articles listed in the per-article table.")] = None,
):
    """Per-article and per-outlet source-bias profile, as one self-contained HTML file."""
    from service.batch_cli import report_main

    raise typer.Exit(report_main(results, out, max_articles))


@labels_app.command("validate")
def labels_validate(directory: Annotated[Optional[Path], typer.Argument(help="Labels folder (default: labels/).")] = None):
    """Check every labelled file and sides file; name each bad row by file and line."""
    from model.labels import load_corpus
    from training.data import DEFAULT_LABELS

    directory = directory or DEFAULT_LABELS
    if not directory.is_dir():
        _fail(f"{directory} is not a folder", 2)
    corpus = load_corpus(directory)
    for problem in corpus.problems:
        typer.echo(str(problem))
    files = len({r.path for r in corpus.rows})
    if corpus.problems:
        _fail(f"{len(corpus.problems)} problem(s) in {directory}", 1)
    typer.echo(f"ok: {len(corpus.rows)} rows in {files} files, {len(corpus.sides)} sides files")


@labels_app.command("stats")
def labels_stats(directory: Annotated[Optional[Path], typer.Argument(help="Labels folder (default: labels/).")] = None):
    """Counts and balance of the labelled corpus, by origin (a Markdown table)."""
    from model.labels import load_corpus
    from training.data import DEFAULT_LABELS
    from training.report import balance_table

    corpus = load_corpus(directory or DEFAULT_LABELS)
    typer.echo(balance_table(corpus))


def main():
    app()


if __name__ == "__main__":
    main()
