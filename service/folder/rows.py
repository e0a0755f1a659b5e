"""score-folder's rows: the fields, the CSV columns, flattening to CSV and back, encoding an article's rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import orjson

from framing.model.results import LOADED_LABELS

FORMATS = {".jsonl": "jsonl", ".csv": "csv"}
ROW_FIELDS = (
    "path",
    "line",
    "id",
    "outlet",
    "url",
    "date",
    "article_hash",
    "article_paragraphs",
    "paragraph",
    "start",
    "end",
    "text",
)
SIDES_FIELDS = ("sides.dispute", "sides.a", "sides.b", "sides.detected")
GENERIC_DIRECTIONS = ("A->B", "B->A", "mutual", "none")  # CSV columns when articles are read with different sides


def errors_path(out: Path) -> Path:
    """The errors file beside ``out``: results.jsonl -> results.errors.jsonl, results.csv -> results.errors.csv."""
    out = Path(out)
    return out.with_name(f"{out.stem}.errors{out.suffix}")


def csv_columns(directions: tuple[str, ...], attributions: bool = False) -> list[str]:
    """The CSV header: probability columns named by the sides' directions when every article is
    read with the same sides, else by ``GENERIC_DIRECTIONS`` (each row's ``sides.a`` and ``sides.b``
    say who A and B are); with ``attributions``, a last column of them as JSON."""
    return (
        list(ROW_FIELDS)
        + ["direction.label"]
        + [f"direction.probabilities.{d}" for d in directions]
        + ["loaded.label"]
        + [f"loaded.probabilities.{name}" for name in LOADED_LABELS]
        + ["loaded.spans", "lean", "framing_score", "model_version", "too_short", "warning"]
        + list(SIDES_FIELDS)
        + (["attributions"] if attributions else [])
    )


def side_directions(a: str, b: str) -> tuple[str, ...]:
    return (f"{a}->{b}", f"{b}->{a}", "mutual", "none")


def _cell(value) -> str:
    return (
        ""
        if value is None
        else value
        if isinstance(value, str)
        else repr(value)
        if isinstance(value, float)
        else str(value)
    )


def flatten(row: dict, directions: tuple[str, ...]) -> list[str]:
    """A nested row as CSV cells in ``csv_columns(directions)`` order."""
    cells = [_cell(row.get(name)) for name in ROW_FIELDS]
    cells.append(row["direction"]["label"])
    probabilities = row["direction"]["probabilities"]
    if directions == GENERIC_DIRECTIONS:
        directions = tuple(probabilities)
    cells += [_cell(probabilities[d]) for d in directions]
    cells.append(row["loaded"]["label"])
    cells += [_cell(row["loaded"]["probabilities"][name]) for name in LOADED_LABELS]
    cells.append(json.dumps(row["loaded"]["spans"], ensure_ascii=False, separators=(",", ":")))
    cells += [
        _cell(row["lean"]),
        _cell(row["framing_score"]),
        _cell(row["model_version"]),
        "true" if row.get("too_short") else "",
        _cell(row.get("warning")),
    ]
    sides = row["sides"]
    cells += [sides["dispute"], sides["names"][0], sides["names"][1], "true" if sides["detected"] else "false"]
    if "attributions" in row:
        cells.append(json.dumps(row["attributions"], ensure_ascii=False, separators=(",", ":")))
    return cells


def directions_of_columns(columns: list[str]) -> tuple[str, ...]:
    prefix = "direction.probabilities."
    return tuple(c[len(prefix) :] for c in columns if c.startswith(prefix))


def unflatten(record: dict[str, str], directions: tuple[str, ...]) -> dict:
    """A CSV record (column -> cell) back into a nested row; KeyError/ValueError when malformed."""

    def optional(name):
        value = record[name]
        return value if value != "" else None

    names = [record["sides.a"], record["sides.b"]]
    own = side_directions(*names)
    columns = GENERIC_DIRECTIONS if directions == GENERIC_DIRECTIONS else own
    return {
        "path": record["path"],
        "line": int(record["line"]) if record["line"] else None,
        "id": optional("id"),
        "outlet": record["outlet"],
        "url": optional("url"),
        "date": optional("date"),
        "article_hash": record["article_hash"],
        "article_paragraphs": int(record["article_paragraphs"]),
        "paragraph": int(record["paragraph"]),
        "start": int(record["start"]),
        "end": int(record["end"]),
        "text": record["text"],
        "direction": {
            "label": record["direction.label"],
            "probabilities": {d: float(record[f"direction.probabilities.{c}"]) for d, c in zip(own, columns)},
        },
        "loaded": {
            "label": record["loaded.label"],
            "probabilities": {n: float(record[f"loaded.probabilities.{n}"]) for n in LOADED_LABELS},
            "spans": json.loads(record["loaded.spans"] or "[]"),
        },
        "lean": float(record["lean"]),
        "framing_score": float(record["framing_score"]),
        "model_version": record["model_version"],
        **({"too_short": True} if record.get("too_short") == "true" else {}),
        **({"warning": record["warning"]} if record.get("warning") else {}),
        "sides": {"dispute": record["sides.dispute"], "names": names, "detected": record["sides.detected"] == "true"},
        **({"attributions": json.loads(record["attributions"])} if "attributions" in record else {}),
    }


def encode_article(base: dict, paragraphs, results: list[dict], fmt: str, directions: tuple[str, ...]) -> bytes:
    """One article's rows: ``base`` (the article's fields, ``ROW_FIELDS`` up to
    ``article_paragraphs``), then each paragraph's place, text and scoring result.

    For JSON Lines the article's fields are encoded once and each row's own part appended
    to them: the same bytes as ``orjson.dumps`` of the whole row."""
    if fmt == "jsonl":
        head = orjson.dumps(base)[:-1]
        dumps = orjson.dumps
        return b"".join(
            b'%s,"paragraph":%d,"start":%d,"end":%d,"text":%s,%s\n'
            % (head, p.index, p.start, p.end, dumps(p.text), dumps(r)[1:])
            for p, r in zip(paragraphs, results)
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for p, r in zip(paragraphs, results):
        writer.writerow(flatten(dict(base, paragraph=p.index, start=p.start, end=p.end, text=p.text, **r), directions))
    return buffer.getvalue().encode("utf-8")


def encode_header(columns: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(columns)
    return buffer.getvalue().encode("utf-8")
