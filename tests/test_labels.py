"""The labelled-file validator names every bad row by file and line; appends are whole and durable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.model.labels import LabelsRejected, add_labels, load_corpus

GOOD = {
    "id": "x-1",
    "text": "Kabul blamed Islamabad for the collapse.",
    "source": "test",
    "dispute": "pakistan-afghanistan",
    "sides": ["afghanistan", "pakistan"],
    "direction": "afghanistan->pakistan",
    "loaded": "none",
    "spans": [],
    "origin": "user",
}


@pytest.fixture()
def folder(tmp_path, labels_copy):
    target = tmp_path / "case"
    target.mkdir()
    (target / "sides").mkdir()
    (target / "sides" / "pakistan-afghanistan.toml").write_bytes(
        (labels_copy / "sides" / "pakistan-afghanistan.toml").read_bytes()
    )
    return target


def write(folder, rows, name="a.jsonl"):
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def problems(folder):
    return [str(p) for p in load_corpus(folder).problems]


def test_the_committed_corpus_validates_and_meets_the_corpus_targets():
    result = CliRunner().invoke(app, ["labels", "validate"])
    assert result.exit_code == 0, result.output
    corpus = load_corpus(os.path.join(os.path.dirname(__file__), "..", "labels"))
    authored = [r for r in corpus.rows if r["origin"] == "authored"]
    assert len(authored) >= 600
    assert len({r["dispute"] for r in authored}) >= 8
    assert len([r for r in corpus.rows if r["origin"] == "seed"]) == 96


@pytest.mark.parametrize(
    "row, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({k: v for k, v in GOOD.items() if k != "text"}, "missing field 'text'"),
        ({**GOOD, "text": "  "}, "'text' must be a non-empty string"),
        ({**GOOD, "direction": "kabul->islamabad"}, "'direction' must be one of"),
        ({**GOOD, "loaded": "very"}, "'loaded' must be one of"),
        ({**GOOD, "dispute": "nowhere"}, "no sides file for dispute 'nowhere'"),
        ({**GOOD, "sides": ["afghanistan", "india"]}, "do not match the sides file"),
        ({**GOOD, "origin": "robot"}, "'origin' must be one of"),
        ({k: v for k, v in GOOD.items() if k not in ("direction", "loaded", "spans")}, "row carries no label"),
        (
            {**GOOD, "loaded": "editorial", "spans": [{"start": 0, "end": 5, "text": "Kabul", "voice": "quoted"}]},
            "no span has voice 'editorial'",
        ),
        (
            {**GOOD, "loaded": "none", "spans": [{"start": 0, "end": 5, "text": "Kabul", "voice": "quoted"}]},
            "'none' but the row has spans",
        ),
        (
            {**GOOD, "loaded": "quoted", "spans": [{"start": 0, "end": 5, "text": "Kabal", "voice": "quoted"}]},
            "does not match the paragraph",
        ),
        (
            {**GOOD, "loaded": "quoted", "spans": [{"start": 30, "end": 500, "text": "x", "voice": "quoted"}]},
            "not inside the text",
        ),
        (
            {**GOOD, "loaded": "quoted", "spans": [{"start": 0, "end": 5, "text": "Kabul", "voice": "loud"}]},
            "voice must be",
        ),
        (
            {
                **GOOD,
                "loaded": "quoted",
                "spans": [
                    {"start": 0, "end": 5, "text": "Kabul", "voice": "quoted"},
                    {"start": 3, "end": 12, "text": "ul blamed", "voice": "quoted"},
                ],
            },
            "overlaps",
        ),
    ],
)
def test_each_kind_of_bad_row_is_named_by_file_and_line(folder, row, message):
    write(folder, [GOOD | {"id": "ok-0", "text": "A first, valid paragraph."}, row])
    found = problems(folder)
    assert found and all(p.startswith(f"{folder / 'a.jsonl'}:2: ") for p in found), found
    assert any(message in p for p in found), found


def test_duplicate_ids_and_texts_across_files(folder):
    write(folder, [GOOD], "a.jsonl")
    write(
        folder,
        [
            {**GOOD, "text": "Another text."},
            {**GOOD, "id": "x-2", "text": " kabul BLAMED  islamabad for the collapse. "},
        ],
        "b.jsonl",
    )
    found = problems(folder)
    assert any("b.jsonl:1: id 'x-1' is already used at" in p for p in found)
    assert any("b.jsonl:2: the same paragraph text is already labelled at" in p for p in found)


def test_loaded_only_rows_need_no_sides(folder):
    write(
        folder,
        [
            {
                "id": "l1",
                "text": "A shameful display.",
                "source": "t",
                "origin": "external",
                "loaded": "editorial",
                "spans": [{"start": 2, "end": 10, "text": "shameful", "voice": "editorial"}],
            }
        ],
    )
    assert problems(folder) == []


def test_validate_command_exits_non_zero_and_lists_problems(folder):
    write(folder, [GOOD, "{oops"])
    result = CliRunner().invoke(app, ["labels", "validate", str(folder)])
    assert result.exit_code == 1
    assert f"{folder / 'a.jsonl'}:2: not valid JSON" in result.output


def test_bad_sides_file_is_reported(folder):
    (folder / "sides" / "broken.toml").write_text("dispute = 3\n")
    assert any("broken.toml:1:" in p for p in problems(folder))


def test_add_labels_is_all_or_nothing_and_refuses_duplicates(folder):
    write(folder, [GOOD])
    with pytest.raises(LabelsRejected) as caught:
        add_labels(folder, [{**GOOD, "id": "n1", "text": "New one."}, {**GOOD, "id": "n2", "direction": "sideways"}])
    assert "request:2" in str(caught.value)
    assert not (folder / "added.jsonl").exists()
    with pytest.raises(LabelsRejected, match="already labelled"):
        add_labels(folder, [{**GOOD, "id": "n3"}])
    assert add_labels(folder, [{**GOOD, "id": "n4", "text": "Fresh text."}]) == ["n4"]
    assert problems(folder) == []


def test_a_partial_last_line_left_by_a_killed_writer_is_moved_aside(folder):
    target = folder / "added.jsonl"
    target.write_text(json.dumps({**GOOD, "id": "w1", "text": "Whole."}) + "\n" + '{"id": "w2", "text": "half')
    add_labels(folder, [{**GOOD, "id": "w3", "text": "After the crash."}])
    lines = target.read_text().splitlines()
    assert [json.loads(l)["id"] for l in lines] == ["w1", "w3"]
    assert '"half' in (folder / "added.jsonl.partial").read_text()


_WRITER = """
import sys, json
from framing.model.labels import add_labels
folder, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = json.loads(sys.argv[4])
for i in range(n):
    add_labels(folder, [dict(base, id=f"{prefix}-{i}", text=f"Paragraph {prefix} number {i} about the talks.")])
"""


def test_concurrent_writers_lose_and_duplicate_nothing(folder):
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), f"p{k}", "60", json.dumps(GOOD)])
        for k in range(6)
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    ids = [json.loads(l)["id"] for l in (folder / "added.jsonl").read_text().splitlines()]
    assert len(ids) == 360 and len(set(ids)) == 360
    assert problems(folder) == []


def test_sigkill_mid_append_leaves_only_whole_lines(folder):
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), "k", "100000", json.dumps(GOOD)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        not (folder / "added.jsonl").exists() or (folder / "added.jsonl").stat().st_size < 20_000
    ):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    add_labels(folder, [{**GOOD, "id": "after", "text": "Written after the kill."}])
    for line in (folder / "added.jsonl").read_text().splitlines():
        json.loads(line)
    assert problems(folder) == []
