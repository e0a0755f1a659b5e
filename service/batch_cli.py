"""Command-line faces of score-folder and report, free of typer so that ``framing/cli.py`` only
has to declare the options and call these. Each prints what a CLI prints (summary lines on
stdout, ``error: ...`` on stderr) and returns the exit code:

0 done (inputs that could not be scored are reported in the errors file, not an error);
1 an I/O failure while running (rerun to resume); 2 bad arguments or an output that cannot
be resumed; 3 no usable model; 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from framing.model.disputes import Disputes
from framing.model.sides import SidesError
from framing.model.store import ModelStoreError


def _error(message: str, err: TextIO) -> None:
    err.write(f"error: {message}\n")
    err.flush()


def score_folder_main(
    folder: Path,
    out: Path,
    sides: str | Path | None = None,
    model: Path | None = None,
    jobs: int = 0,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    overwrite: bool = False,
    attributions: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``framing score-folder DIR --out FILE [--sides F] [--model DIR] [--jobs N] [--engine local|dask]
    [--scheduler ADDRESS] [--progress/--no-progress] [--overwrite] [--attributions]``."""
    from framing.service.batch import BatchError, score_folder

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        chosen = Disputes().choose(sides) if sides else None
    except SidesError as exc:
        _error(str(exc), stderr)
        return 2
    try:
        summary = score_folder(
            Path(folder),
            Path(out),
            sides=chosen,
            model_dir=Path(model) if model else None,
            jobs=jobs,
            engine=engine,
            scheduler=scheduler,
            progress=progress,
            overwrite=overwrite,
            attributions=attributions,
            stream=stderr,
        )
    except BatchError as exc:
        _error(str(exc), stderr)
        return exc.code
    except ModelStoreError as exc:
        _error(str(exc), stderr)
        return 3
    except KeyboardInterrupt:
        _error("interrupted before scoring started", stderr)
        return 130
    for line in summary.lines():
        stdout.write(line + "\n")
    stdout.flush()
    return 130 if summary.interrupted else 0


def report_main(
    results: Path,
    out: Path,
    max_articles: int | None = None,
    dispute: str | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``framing report RESULTS --out FILE.html [--max-articles N] [--dispute NAME]``."""
    from framing.service.report import DEFAULT_MAX_ARTICLES, ReportError, write_report

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        summary = write_report(
            Path(results), Path(out), max_articles=max_articles or DEFAULT_MAX_ARTICLES, dispute=dispute
        )
    except ReportError as exc:
        _error(str(exc), stderr)
        return exc.code
    except KeyboardInterrupt:
        _error("interrupted", stderr)
        return 130
    for line in summary.lines():
        stdout.write(line + "\n")
    stdout.flush()
    return 0
