"""The ``framing`` command: one entry point for training, scoring, serving and labels."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Who blames whom, and is the wording loaded.")
labels_app = typer.Typer(no_args_is_help=True, help="Check and summarise labelled paragraphs.")
app.add_typer(labels_app, name="labels")
models_app = typer.Typer(no_args_is_help=True, help="The stored model versions: list them, choose the current one.")
app.add_typer(models_app, name="models")

ModelOption = Annotated[
    Path | None, typer.Option("--model", help="Model store (default: $FRAMING_MODEL_DIR, else the project's own).")
]
SidesOption = Annotated[
    str | None,
    typer.Option(
        "--sides",
        help="'auto' (the default: the dispute whose sides the text names), a dispute name "
        "(e.g. india-pakistan, see labels/sides/) or a sides file (TOML).",
    ),
]
FolderSidesOption = Annotated[
    str | None,
    typer.Option(
        "--sides",
        help="'auto' (the default: per article, the sides its folder sets (a sides.toml, or a "
        "'sides' column in sources.csv), else the dispute its text names), or a dispute name or "
        "sides file for every article (folder settings are then ignored).",
    ),
]
FixedSidesOption = Annotated[
    str | None,
    typer.Option(
        "--sides",
        help="A dispute name (e.g. india-pakistan, see labels/sides/) or a sides file (TOML); "
        "default: the seed dispute.",
    ),
]


def _fail(message: str, code: int = 1):
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _sides(value: str | None):
    """The chosen sides, or None for 'auto' (detect per paragraph)."""
    from framing.model.disputes import Disputes
    from framing.model.sides import SidesError

    try:
        return Disputes().choose(value)
    except SidesError as exc:
        _fail(str(exc), 2)


def _fixed_sides(value: str | None):
    """Sides for commands that read everything with one dispute: a name or a file, default the seed dispute."""
    from framing.model.sides import default_sides

    if value in (None, "auto"):
        return default_sides()
    return _sides(value)


def _model(path: Path | None):
    from framing.model.store import ModelStoreError, load_current

    try:
        return load_current(path)
    except ModelStoreError as exc:
        _fail(str(exc), 3)


@app.command()
def train(
    labels: Annotated[
        list[Path] | None,
        typer.Option(
            "--labels",
            help="A label source, repeatable: a labels folder (*.jsonl, sides/) or a real-news corpus folder "
            "(paragraphs.jsonl, labelled by the project's labels/real-news/adjudicated.jsonl). Default: the "
            "project's labels/ plus ../shared/real-news when it is there.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Model store to write (default: the project's own).")
    ] = None,
    real_news_labels: Annotated[
        Path | None,
        typer.Option(
            "--real-news-labels", help="Labels for the real-news corpus (default: labels/real-news/adjudicated.jsonl)."
        ),
    ] = None,
    folds: Annotated[int, typer.Option(help="Grouped cross-validation folds.")] = 5,
    jobs: Annotated[int, typer.Option(help="Parallel fold fits (-1: all cores).")] = -1,
    json_out: Annotated[bool, typer.Option("--json", help="Print the full evaluation report as JSON.")] = False,
    margin: Annotated[
        float,
        typer.Option(
            help="Refuse to make the new model current when a head's macro-F1 on "
            "real-news (else seed) rows is this much below the current model's."
        ),
    ] = 0.05,
    force: Annotated[bool, typer.Option("--force", help="Make the new model current even when it is worse.")] = False,
):
    """Fit on every labelled source, evaluate by grouped cross-validation, save a new version and make it
    current unless it is worse than the current one (exit code 4 then; see 'framing models')."""
    from framing.training.data import CorpusInvalid
    from framing.training.report import format_report
    from framing.training.train import train_gated

    try:
        outcome = train_gated(
            labels or None,
            out,
            folds=folds,
            jobs=jobs,
            log=lambda m: typer.echo(m, err=True),
            real_news_labels=real_news_labels,
            margin=None if force else margin,
        )
    except CorpusInvalid as exc:
        _fail(str(exc), 2)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc), 2)
    typer.echo(json.dumps(outcome.report, indent=2) if json_out else format_report(outcome.version, outcome.report))
    if not outcome.made_current:
        typer.echo(
            f"not made current: {outcome.reason}. Use it anyway with 'framing models use {outcome.version}' "
            f"or train with --force.",
            err=True,
        )
        raise typer.Exit(4)


@models_app.command("list")
def models_list(model: ModelOption = None):
    """Every stored version, oldest first, with its figures; * marks the current one."""
    from framing.model.store import ModelStoreError, current_version, list_versions, store_dir

    store = store_dir(model)
    try:
        current = current_version(store)
    except ModelStoreError:
        current = None
    versions = list_versions(store)
    if not versions:
        _fail(f"no model versions in {store}: run 'framing train'", 3)
    for m in versions:
        figures = "  ".join(
            f"{origin} {f.get('direction', 0):.3f}/{f.get('loaded', 0):.3f}"
            for origin, f in m.get("metrics", {}).items()
            if isinstance(f, dict)
        )
        typer.echo(
            f"{'*' if m['version'] == current else ' '} {m['version']}  {m.get('created_at', '')}  "
            f"rows {m.get('training_rows', '?')}  macro-F1 direction/loaded: {figures}"
        )


@models_app.command("use")
def models_use(
    version: Annotated[str, typer.Argument(help="A version from 'framing models list'.")], model: ModelOption = None
):
    """Make a stored version current (roll back or forward); its artifact is checked first."""
    from framing.model.store import ModelStoreError, set_current, store_dir, verify

    store = store_dir(model)
    try:
        verify(store, version)
        set_current(store, version)
    except ModelStoreError as exc:
        _fail(str(exc), 3)
    typer.echo(f"{version} is now current in {store}")


@app.command()
def score(
    text: Annotated[str, typer.Argument(help="The paragraph, or - to read it from standard input.")],
    sides: SidesOption = None,
    model: ModelOption = None,
    explain: Annotated[
        int,
        typer.Option(help="Also list the N features that pushed each head most, and the attributions in words."),
    ] = 0,
    context: Annotated[
        Path | None,
        typer.Option(
            help="A text file with the article's paragraphs before this one: pronouns in the attributions are "
            "resolved to speakers named there."
        ),
    ] = None,
):
    """Score one paragraph and print the JSON result."""
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        _fail("the paragraph is empty", 2)
    from framing.model.disputes import Disputes
    from framing.model.paragraphs import split_paragraphs

    before = None
    if context is not None:
        try:
            before = [p.text for p in split_paragraphs(context.read_text(encoding="utf-8"))]
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read --context {context}: {getattr(exc, 'strerror', None) or exc}", 2)
    chosen = _sides(sides)
    loaded = _model(model)
    result = Disputes().score(
        loaded.classifier, [text.strip()], chosen, loaded.version, explain_top=explain, context=before
    )[0]
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="A labelled .jsonl file.")],
    sides: FixedSidesOption = None,
    model: ModelOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
):
    """Score a labelled file against its labels: per-class precision, recall, F1 and macro-F1."""
    from framing.training.evaluate import EvaluationInputError, evaluate_file
    from framing.training.report import format_figures

    loaded = _model(model)
    try:
        figures = evaluate_file(file, loaded, _fixed_sides(sides) if sides else None)
    except EvaluationInputError as exc:
        _fail(str(exc), 2)
    typer.echo(json.dumps(figures, indent=2) if json_out else format_figures(figures))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    model: ModelOption = None,
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Labels folder for POST /v1/labels and retrain.")
    ] = None,
    queue: Annotated[
        Path | None,
        typer.Option(
            "--queue",
            help="Folder of articles (or a score-folder result) that the labelling page's queue "
            "(GET /v1/queue) suggests paragraphs from.",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
):
    """Run the HTTP service (FastAPI under uvicorn); open http://HOST:PORT/ for the web page."""
    import os
    import tempfile

    import uvicorn

    from framing.model.store import ModelStoreError, current_version, store_dir, verify

    store = store_dir(model)
    try:
        verify(store, current_version(store))
    except ModelStoreError as exc:
        _fail(str(exc), 3)
    os.environ["FRAMING_MODEL_DIR"] = str(store.resolve())
    if labels:
        os.environ["FRAMING_LABELS_DIR"] = str(labels.resolve())
    if queue:
        if not queue.exists():
            _fail(f"--queue {queue} does not exist", 2)
        os.environ["FRAMING_QUEUE_SOURCE"] = str(queue.resolve())
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="framing-metrics-")
    typer.echo(f"serving {store} on http://{host}:{port}/ with {workers} worker(s)", err=True)
    uvicorn.run(
        "framing.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


@app.command()
def suggest(
    source: Annotated[Path, typer.Argument(help="A folder of articles, or a score-folder result (.jsonl or .csv).")],
    out: Annotated[Path, typer.Option("--out", help="The queue to write (.jsonl).")],
    n: Annotated[int, typer.Option("--n", min=1, max=10000, help="How many paragraphs to suggest.")] = 50,
    labels: Annotated[
        Path | None, typer.Option(help="Labels folder whose paragraphs are never suggested (default: labels/).")
    ] = None,
    sides: FolderSidesOption = None,
    model: ModelOption = None,
):
    """The paragraphs a label would teach the model most, each with the model's guess, as a labelling queue."""
    from framing.model.store import ModelStoreError
    from framing.service.batch import BatchError
    from framing.training.suggest import SuggestError, write_queue
    from framing.training.suggest import suggest as make_queue

    if out.suffix.lower() != ".jsonl":
        _fail(f"--out must be a .jsonl file (got {out.name!r})", 2)
    try:
        queue = make_queue(source, n, labels_dir=labels, model_dir=model, sides=_sides(sides) if sides else None)
        write_queue(queue, out)
    except (SuggestError, BatchError) as exc:
        _fail(str(exc), 2)
    except ModelStoreError as exc:
        _fail(str(exc), 3)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror or exc}", 1)
    outlets = len({row["outlet"] for row in queue})
    typer.echo(
        f"wrote {len(queue)} paragraphs from {outlets} outlet{'s' if outlets != 1 else ''} to {out}"
        + (
            ""
            if len(queue) == n
            else f" (fewer than {n}: every other paragraph is labelled, too short or names no known side)"
        )
    )


@app.command("score-folder")
def score_folder(
    folder: Annotated[
        Path, typer.Argument(help="Folder of articles (.txt, .md, .html, .htm, .jsonl), walked recursively.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output file: .jsonl or .csv by its extension.")],
    sides: FolderSidesOption = None,
    model: ModelOption = None,
    jobs: Annotated[int, typer.Option(help="Worker processes (0: all cores).")] = 0,
    engine: Annotated[str, typer.Option(help="local, or dask (needs --scheduler).")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")] = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Start the output over instead of resuming it.")] = False,
    attributions: Annotated[
        bool,
        typer.Option(
            help="Rows also carry who speaks, for which side, blaming whom, each paragraph read with its "
            "article's earlier paragraphs (pronouns resolved to speakers named there); slower."
        ),
    ] = False,
):
    """Score every article under DIR, one row per paragraph; resumable, broken files reported and skipped."""
    from framing.service.batch_cli import score_folder_main

    raise typer.Exit(
        score_folder_main(folder, out, sides, model, jobs, engine, scheduler, progress, overwrite, attributions)
    )


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="score-folder output (.jsonl or .csv).")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    max_articles: Annotated[int | None, typer.Option(help="Articles listed in the per-article table.")] = None,
    dispute: Annotated[
        str | None,
        typer.Option(help="The dispute to report on (default: the one with the most paragraphs in the results)."),
    ] = None,
):
    """Per-article and per-outlet source-bias profile of one dispute, as one self-contained HTML file."""
    from framing.service.batch_cli import report_main

    raise typer.Exit(report_main(results, out, max_articles, dispute))


@labels_app.command("validate")
def labels_validate(
    directory: Annotated[Path | None, typer.Argument(help="Labels folder (default: labels/).")] = None,
):
    """Check every labelled file and sides file; name each bad row by file and line."""
    from framing.model.labels import load_corpus
    from framing.training.data import DEFAULT_LABELS

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
def labels_stats(directory: Annotated[Path | None, typer.Argument(help="Labels folder (default: labels/).")] = None):
    """Counts and balance of the labelled corpus, by origin (a Markdown table)."""
    from framing.model.labels import load_corpus
    from framing.training.data import DEFAULT_LABELS
    from framing.training.report import balance_table

    corpus = load_corpus(directory or DEFAULT_LABELS)
    typer.echo(balance_table(corpus))


def main():
    app()


if __name__ == "__main__":
    main()
