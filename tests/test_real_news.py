"""The real-news corpus as a label source: words become spans, text stays outside, training reads it.

The fixtures below build a small corpus of the project's own sentences in the corpus's layout, so
these tests run anywhere; the checks on the real corpus need ``../shared/real-news`` and skip
without it (CI has it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.model.store import read_manifest
from framing.training.data import load_dataset
from framing.training.real_news import PROJECT_LABELS, default_corpus_dir, load_real_news, spans_from_words, word_spans
from tests.conftest import LABELS, ROOT

runner = CliRunner()
CORPUS = default_corpus_dir()
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "paragraphs.jsonl").is_file(),
    reason=f"the real-news corpus is not at {CORPUS} (it lives in ../shared, beside the project)",
)

PARAGRAPHS = [
    ("p1", "Outlet One", "Kabul accused Islamabad of a cowardly attack on its border posts."),
    ("p2", "Outlet One", "Pakistan said the talks in Istanbul ended without agreement."),
    ("p3", "Outlet Two", "The Taliban regime keeps sheltering militants along the border with Pakistan."),
    ("p4", "Outlet Two", "Mujahid called the claims “baseless propaganda” and said Pakistan was to blame."),
    ("p5", "Outlet Three", "Both sides accused each other of breaking the ceasefire."),
    ("p6", "Outlet Three", "Delegations met again on Thursday in Doha."),
    ("p7", "Outlet Three", "Islamabad called the raid “an outrage” on Friday."),
]
LABELS_ROWS = [
    {"id": "p1", "direction": "afghanistan->pakistan", "loaded": "quoted", "loaded_words": ["cowardly attack"]},
    {"id": "p2", "direction": "none", "loaded": "none", "loaded_words": []},
    {"id": "p3", "direction": "pakistan->afghanistan", "loaded": "editorial", "loaded_words": ["regime"]},
    {"id": "p4", "direction": "mutual", "loaded": "quoted", "loaded_words": ["baseless propaganda", "not in the text"]},
    {"id": "p5", "direction": "mutual", "loaded": "none", "loaded_words": []},
    {"id": "p6", "direction": "none", "loaded": "none", "loaded_words": []},
    {"id": "p7", "direction": "pakistan->afghanistan", "loaded": "editorial", "loaded_words": ["outrage"]},
]


def write_corpus(folder: Path, paragraphs=PARAGRAPHS, labels=LABELS_ROWS) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "paragraphs.jsonl", "w", encoding="utf-8") as handle:
        for pid, outlet, text in paragraphs:
            handle.write(
                json.dumps(
                    {
                        "id": pid,
                        "outlet": outlet,
                        "url": f"https://example.org/{pid}",
                        "date": "",
                        "dispute": "pakistan-afghanistan",
                        "sides": ["afghanistan", "pakistan"],
                        "text": text,
                    }
                )
                + "\n"
            )
    labels_path = folder.parent / "adjudicated.jsonl"
    labels_path.write_text("".join(json.dumps(r) + "\n" for r in labels), encoding="utf-8")
    return folder, labels_path


def test_words_become_whole_word_spans_at_every_occurrence():
    text = "He acted in self-defence; self and selfish. A brutal, brutal war. Brutal!"
    ranges, missing = word_spans(text, ["self", "brutal", "BRUTAL WAR", "absent"])
    assert [text[s:e] for s, e in ranges] == ["self", "brutal", "brutal war"], (
        "exact case first; a hyphenated word is one word"
    )
    assert missing == ["absent"]
    ranges, _ = word_spans(text, ["BRUTAL"])
    assert [text[s:e] for s, e in ranges] == ["brutal", "brutal", "Brutal"], "any case when the exact one is absent"


def test_overlapping_words_merge_into_one_span():
    text = "an unprovoked assault on the posts"
    assert [text[s:e] for s, e in word_spans(text, ["unprovoked", "unprovoked assault", "assault"])[0]] == [
        "unprovoked assault"
    ]


def test_span_voice_comes_from_the_quote_finder():
    text = "Officials called it “a cowardly attack”. It was a cowardly week for the region."
    spans, missing = spans_from_words(text, ["cowardly"])
    assert not missing
    assert [(s["text"], s["voice"]) for s in spans] == [("cowardly", "quoted"), ("cowardly", "editorial")]


def test_corpus_rows_are_grouped_by_outlet_and_unfound_words_are_reported(tmp_path):
    folder, labels = write_corpus(tmp_path / "corpus")
    real = load_real_news(folder, labels)
    rows = {r["id"]: r for r in real.rows}
    assert len(rows) == 7 and rows["real-news:p1"]["source"] == "outlet:Outlet One"
    assert rows["real-news:p1"]["spans"] == [{"start": 29, "end": 44, "text": "cowardly attack", "voice": "quoted"}]
    assert rows["real-news:p3"]["spans"][0]["voice"] == "editorial"
    assert "spans" not in rows["real-news:p4"], "a word not found leaves the row's spans unknown"
    assert real.missing_words == [("p4", "not in the text")]
    assert "not in the text" in real.summary()
    assert "spans" not in rows["real-news:p7"] and real.voice_conflicts == ["p7"], (
        "a quoted word under an 'editorial' label contradicts it: spans unknown, reported"
    )
    assert rows["real-news:p2"]["spans"] == [], "a 'none' row has no spans"


def test_a_label_for_an_id_not_in_the_corpus_is_reported(tmp_path):
    folder, labels = write_corpus(tmp_path / "corpus", labels=LABELS_ROWS[:6] + [{**LABELS_ROWS[6], "id": "p99"}])
    real = load_real_news(folder, labels)
    assert real.unknown_ids == ["p99"] and real.unlabelled == 1
    assert "p99" in real.summary() and "1 corpus paragraphs have no label" in real.summary()


def test_sentence_level_loaded_labels_without_spans_train_the_heads(tmp_path, small_labels):
    labels = tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    rows = [
        {"id": f"babe-{i}", "text": text, "source": "babe", "origin": "external", "loaded": loaded, "spans": []}
        for i, (text, loaded) in enumerate(
            [
                ("The senator's reckless scheme will wreck the economy.", "editorial"),
                ("The council met on Tuesday to discuss the budget.", "none"),
                ("Critics called the plan a disastrous giveaway.", "quoted"),
            ]
        )
    ]
    rows.append(
        {
            "id": "babe-3",
            "text": "A shameful betrayal, the column says of the vote.",
            "source": "babe",
            "origin": "external",
            "loaded": "editorial",
        }
    )
    (labels / "external.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert runner.invoke(app, ["labels", "validate", str(labels)]).exit_code == 0
    dataset = load_dataset(labels)
    by_id = {r["id"]: e for r, e in zip(dataset.rows, dataset.examples)}
    assert by_id["babe-0"].loaded == "editorial" and by_id["babe-0"].spans is None
    assert by_id["babe-1"].spans == [], "a 'none' row with no spans has no spans (they are known)"
    assert by_id["babe-3"].spans is None
    result = runner.invoke(app, ["train", "--labels", str(labels), "--out", str(tmp_path / "store"), "--jobs", "1"])
    assert result.exit_code == 0, result.output


def test_train_reads_several_sources_and_records_each_with_its_hash(tmp_path, small_labels):
    folder, labels = write_corpus(tmp_path / "corpus")
    store = tmp_path / "store"
    result = runner.invoke(
        app,
        [
            "train",
            "--labels",
            str(small_labels),
            "--labels",
            str(folder),
            "--real-news-labels",
            str(labels),
            "--out",
            str(store),
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "[real-news paragraphs]" in result.output and "pakistan-afghanistan" in result.output
    manifest = read_manifest(store, (store / "CURRENT").read_text().strip())
    kinds = {s["kind"]: s for s in manifest["sources"]}
    assert kinds["real-news"]["rows"] == 7 and len(kinds["real-news"]["labels_sha256"]) == 64
    assert len(kinds["labels"]["sha256"]) == 64 and "real-news" in manifest["metrics"]


def test_no_outlet_is_on_both_sides_of_a_fold(tmp_path, small_labels):
    from sklearn.model_selection import GroupKFold

    folder, labels = write_corpus(tmp_path / "corpus")
    dataset = load_dataset([small_labels, folder], real_news_labels=labels)
    outlets = [r.get("outlet") for r in dataset.rows]
    for train, test in GroupKFold(n_splits=5).split(dataset.groups, groups=dataset.groups):
        assert not ({outlets[i] for i in train} & {outlets[i] for i in test}) - {None}


def test_a_missing_corpus_is_named_and_training_says_what_it_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMING_REAL_NEWS", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["train", "--labels", str(tmp_path / "nowhere"), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "nowhere: no such labels folder" in result.output
    from framing.training.data import with_real_news

    sources, notes = with_real_news(LABELS)
    assert sources == [LABELS] and "left out" in notes[0] and "nowhere" in notes[0]


def test_project_keeps_ids_and_labels_but_never_the_corpus_text():
    for path in (ROOT / "labels" / "real-news").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert set(row) <= {"id", "direction", "loaded", "loaded_words", "rule"}, path
            assert all(len(w) < 60 for w in row["loaded_words"]), path


@needs_corpus
def test_both_passes_and_the_adjudicated_labels_cover_every_corpus_paragraph():
    ids = {json.loads(line)["id"] for line in (CORPUS / "paragraphs.jsonl").read_text(encoding="utf-8").splitlines()}
    for name in ("pass_b.jsonl", "adjudicated.jsonl"):
        rows = [json.loads(line) for line in (PROJECT_LABELS.parent / name).read_text(encoding="utf-8").splitlines()]
        assert {r["id"] for r in rows} == ids and len(rows) == len(ids), name
    real = load_real_news(CORPUS)
    assert len(real.rows) == len(ids) and not real.unknown_ids


@needs_corpus
def test_the_real_news_corpus_validates_against_the_project_sides():
    dataset = load_dataset([LABELS, CORPUS])
    assert dataset.origins.count("real-news") == 1507
