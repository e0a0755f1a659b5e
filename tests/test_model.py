"""The classifier's results, symmetry, explanations, and the trust checks on model files."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.model.results import framing_score, lean
from framing.model.sides import default_sides, load_sides
from framing.model.store import ModelStoreError, load_current, set_current
from tests.conftest import LABELS

runner = CliRunner()


@pytest.fixture(scope="module")
def sides():
    return default_sides()


def test_result_has_the_contract_shape_and_consistent_numbers(model, sides, seed_rows):
    texts = [r["text"] for r in seed_rows]
    for text, result in zip(texts, model.classifier.score(texts, sides, model.version)):
        d, l = result["direction"], result["loaded"]
        assert set(d["probabilities"]) == {"afghanistan->pakistan", "pakistan->afghanistan", "mutual", "none"}
        assert set(l["probabilities"]) == {"none", "quoted", "editorial"}
        assert abs(sum(d["probabilities"].values()) - 1) < 1e-3 and abs(sum(l["probabilities"].values()) - 1) < 1e-3
        assert d["label"] == max(d["probabilities"], key=d["probabilities"].get)
        assert result["lean"] == pytest.approx(
            d["probabilities"]["afghanistan->pakistan"] - d["probabilities"]["pakistan->afghanistan"], abs=2e-4
        )
        assert 0 <= result["framing_score"] <= 1 and result["model_version"] == model.version
        voices = {s["voice"] for s in l["spans"]}
        assert (l["label"] == "none") == (not l["spans"])
        assert l["label"] != "quoted" or voices == {"quoted"}
        assert l["label"] != "editorial" or "editorial" in voices
        for s in l["spans"]:
            assert text[s["start"] : s["end"]] == s["text"]


def test_framing_score_rises_with_one_sidedness_and_editorial_loading():
    import numpy as np

    neutral, loaded_none = np.array([0.02, 0.02, 0.01, 0.95]), np.array([0.95, 0.03, 0.02])
    assert framing_score(neutral, loaded_none) < 0.1
    one_sided = np.array([0.9, 0.02, 0.03, 0.05])
    assert framing_score(one_sided, loaded_none) > framing_score(neutral, loaded_none)
    editorial = np.array([0.1, 0.1, 0.8])
    assert framing_score(one_sided, editorial) > framing_score(one_sided, loaded_none)
    assert lean(one_sided) == pytest.approx(0.88)


def test_swapping_side_names_swaps_direction_and_keeps_the_rest(model, sides, seed_rows):
    swap = {"afghanistan->pakistan": "pakistan->afghanistan", "pakistan->afghanistan": "afghanistan->pakistan"}
    texts = [r["text"] for r in seed_rows]
    original = model.classifier.score(texts, sides, "")
    swapped = model.classifier.score([sides.swap_text(t) for t in texts], sides, "")
    agree = sum(
        swap.get(a["direction"]["label"], a["direction"]["label"]) == b["direction"]["label"]
        and a["loaded"]["label"] == b["loaded"]["label"]
        for a, b in zip(original, swapped)
    )
    assert agree / len(texts) >= 0.97


def test_sides_order_decides_label_names_not_who_blames(model, sides):
    text = "Islamabad accused Kabul of sheltering militants and sabotaging the talks."
    forward = model.classifier.score([text], sides, "")[0]
    backward = model.classifier.score([text], sides.swapped(), "")[0]
    assert forward["direction"]["label"] == backward["direction"]["label"] == "pakistan->afghanistan"
    assert forward["lean"] == pytest.approx(-backward["lean"], abs=1e-3)


def test_charged_words_around_a_sides_name_cast_it_as_the_wrongdoer(model, sides):
    """The charged columns: the outlet's harsh words around a side's name ("the reckless and brutal
    Pakistani regime") point the direction at that side, mirror exactly when the sides trade places,
    and a name that only qualifies a place ("the Afghan border") casts no one."""
    from framing.model.features import analyse_batch

    texts = [
        "Observers said the reckless and brutal Pakistani regime had wrecked the talks, while the Afghan "
        "delegation waited at the border.",
        "Observers said the reckless and brutal Afghan regime had wrecked the talks, while the Pakistani "
        "delegation waited at the border.",
        "Deadly and brutal clashes erupted along the Afghan border on Monday, officials said.",
    ]
    _, dense = model.classifier.features_.transform_parts(analyse_batch(texts, sides))
    charged = dict(zip(("afghanistan", "pakistan"), dense[:, -2:].T))
    assert charged["pakistan"][0] > 0 and charged["afghanistan"][0] == 0
    assert charged["afghanistan"][1] == charged["pakistan"][0] and charged["pakistan"][1] == 0
    assert charged["afghanistan"][2] == 0

    first, mirrored, _ = (r["direction"]["probabilities"] for r in model.classifier.score(texts, sides, ""))
    assert first["afghanistan->pakistan"] > first["pakistan->afghanistan"]
    assert mirrored["pakistan->afghanistan"] == first["afghanistan->pakistan"]


def test_other_disputes_are_read_with_their_sides(model):
    sides = load_sides(LABELS / "sides" / "armenia-azerbaijan.toml")
    result = model.classifier.score(
        ["Baku accused Yerevan of shelling its border posts overnight, and Armenia denied the claim."], sides, ""
    )[0]
    assert result["direction"]["label"] == "azerbaijan->armenia"


def test_explanations_name_the_features_that_pushed(model, sides):
    result = model.classifier.score(["Kabul condemned Pakistan's “reckless aggression”."], sides, "", explain_top=5)[0]
    pushes = result["explanation"]["direction"]
    assert pushes and all(p["weight"] > 0 for p in pushes)
    assert any("afghanistan" in p["feature"] or "pakistan" in p["feature"] for p in pushes)


def test_tampered_truncated_or_mismatched_artifacts_are_refused(store_copy, monkeypatch):
    version = (store_copy / "CURRENT").read_text().strip()
    artifact = store_copy / version / "model.joblib"
    good = artifact.read_bytes()
    loaded = []
    monkeypatch.setattr("joblib.load", lambda *a, **k: loaded.append(a))

    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x01
    artifact.write_bytes(bytes(flipped))
    with pytest.raises(ModelStoreError, match="SHA-256 does not match"):
        load_current(store_copy)

    artifact.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelStoreError, match="SHA-256 does not match"):
        load_current(store_copy)

    artifact.write_bytes(good)
    manifest_path = store_copy / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "artifact_format": 99}))
    with pytest.raises(ModelStoreError, match="artifact format 99"):
        load_current(store_copy)

    other = {**manifest["lexicons"], "vader_lexicon": "0" * 64}
    manifest_path.write_text(json.dumps({**manifest, "lexicons": other}))
    with pytest.raises(ModelStoreError, match="other word lists than the installed ones \\(vader_lexicon differ"):
        load_current(store_copy)

    manifest_path.write_text(json.dumps({**manifest, "version": "someone-else"}))
    with pytest.raises(ModelStoreError, match="does not describe version"):
        load_current(store_copy)
    assert loaded == [], "nothing may be unpickled from a refused artifact"


def test_symlink_leading_out_of_the_store_is_refused(store_copy, tmp_path):
    version = (store_copy / "CURRENT").read_text().strip()
    outside = tmp_path / "elsewhere"
    (store_copy / version).rename(outside)
    os.symlink(outside, store_copy / version)
    with pytest.raises(ModelStoreError, match="outside the model store"):
        load_current(store_copy)


def test_missing_current_says_how_to_fix(tmp_path):
    with pytest.raises(ModelStoreError, match="framing train"):
        load_current(tmp_path)
    with pytest.raises(ModelStoreError, match="no version"):
        set_current(tmp_path, "nope")


def test_cli_score_prints_the_contract_json_from_argument_and_stdin(shipped_store):
    result = runner.invoke(app, ["score", "Kabul accused Islamabad of bad faith.", "--model", str(shipped_store)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"direction", "loaded", "lean", "framing_score", "model_version"} <= set(data)
    result = runner.invoke(app, ["score", "-", "--model", str(shipped_store)], input="Talks resume on Monday.\n")
    assert result.exit_code == 0 and json.loads(result.output)["direction"]["label"] in (
        "none",
        "mutual",
        "afghanistan->pakistan",
        "pakistan->afghanistan",
    )
    result = runner.invoke(app, ["score", "  "])
    assert result.exit_code == 2 and "empty" in result.output


def test_cli_score_reports_a_broken_model_clearly(store_copy):
    version = (store_copy / "CURRENT").read_text().strip()
    with open(store_copy / version / "model.joblib", "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    result = runner.invoke(app, ["score", "text", "--model", str(store_copy)])
    assert result.exit_code == 3 and "SHA-256 does not match" in result.output
    result = runner.invoke(app, ["score", "text"], env={"FRAMING_MODEL_DIR": str(store_copy)})
    assert result.exit_code == 3 and "SHA-256" in result.output


def test_cli_evaluate_prints_per_class_figures(shipped_store, tmp_path):
    sample = tmp_path / "sample.jsonl"
    rows = [json.loads(l) for l in (LABELS / "authored-greece-turkey.jsonl").read_text().splitlines()[:20]]
    sample.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    result = runner.invoke(app, ["evaluate", str(sample), "--model", str(shipped_store), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["direction"]["n"] == 20 and "macro_f1" in figures["loaded"]
    assert set(figures["direction"]["per_class"]) <= {"A->B", "B->A", "mutual", "none"}
    sample.write_text('{"id": 1}\n')
    result = runner.invoke(app, ["evaluate", str(sample), "--model", str(shipped_store)])
    assert result.exit_code == 2 and "sample.jsonl:1:" in result.output


def test_train_evaluates_by_group_saves_a_verified_version_and_makes_it_current(small_labels, tmp_path):
    out = tmp_path / "store"
    result = runner.invoke(
        app, ["train", "--labels", str(small_labels), "--out", str(out), "--folds", "3", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "[seed paragraphs]" in result.output and "symmetry:" in result.output and "macro-F1" in result.output
    loaded = load_current(out)
    assert loaded.manifest["training_rows"] == 96 + 110 + 55
    assert loaded.manifest["metrics"]["seed"]["direction"] > 0.3
    evaluation = json.loads((out / loaded.version / "evaluation.json").read_text())
    assert evaluation["cross_validation"]["seed"]["direction"]["n"] == 96


def test_train_refuses_an_invalid_corpus(small_labels, tmp_path):
    import shutil

    broken = tmp_path / "labels"
    shutil.copytree(small_labels, broken)
    with open(broken / "seed.jsonl", "a") as handle:
        handle.write("{broken\n")
    result = runner.invoke(app, ["train", "--labels", str(broken), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "seed.jsonl:97: not valid JSON" in result.output
    assert not (tmp_path / "s" / "CURRENT").exists()


def test_train_twice_on_unchanged_data_stores_one_version(small_labels, tmp_path):
    out = tmp_path / "store"
    args = ["train", "--labels", str(small_labels), "--out", str(out), "--folds", "3", "--jobs", "1"]
    assert runner.invoke(app, args).exit_code == 0
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "already stored; not training again" in second.output
    assert len([p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]) == 1


def test_train_refuses_to_make_a_worse_model_current_unless_forced_and_models_use_rolls_back(small_labels, tmp_path):
    import shutil

    out, labels = tmp_path / "store", tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    base = ["--out", str(out), "--folds", "3", "--jobs", "1"]
    assert runner.invoke(app, ["train", "--labels", str(labels), *base]).exit_code == 0
    first = (out / "CURRENT").read_text().strip()
    manifest_path = out / first / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["metrics"]["seed"] = {"direction": 0.99, "loaded": 0.99}  # a current model the next one cannot match
    manifest_path.write_text(json.dumps(manifest))
    with open(labels / "user.jsonl", "w") as handle:
        handle.write(
            json.dumps(
                {
                    "id": "u1",
                    "text": "Kabul says Islamabad sabotaged the talks on purpose.",
                    "source": "user-1",
                    "origin": "user",
                    "dispute": "pakistan-afghanistan",
                    "sides": ["afghanistan", "pakistan"],
                    "direction": "afghanistan->pakistan",
                    "loaded": "none",
                    "spans": [],
                }
            )
            + "\n"
        )
    refused = runner.invoke(app, ["train", "--labels", str(labels), *base])
    assert (
        refused.exit_code == 4
        and "not made current" in refused.output
        and "seed direction macro-F1 fell" in refused.output
    )
    assert (out / "CURRENT").read_text().strip() == first
    listed = runner.invoke(app, ["models", "list", "--model", str(out)])
    assert listed.exit_code == 0 and f"* {first}" in listed.output and len(listed.output.strip().splitlines()) == 2
    second = next(line.split()[0] for line in listed.output.splitlines() if not line.startswith("*"))
    assert runner.invoke(app, ["models", "use", second, "--model", str(out)]).exit_code == 0
    assert (out / "CURRENT").read_text().strip() == second
    assert runner.invoke(app, ["models", "use", first, "--model", str(out)]).exit_code == 0
    assert (out / "CURRENT").read_text().strip() == first
    bad = runner.invoke(app, ["models", "use", "nope", "--model", str(out)])
    assert bad.exit_code == 3 and "nope" in bad.output
    forced = runner.invoke(app, ["train", "--labels", str(labels), "--force", *base])
    assert forced.exit_code == 0 and (out / "CURRENT").read_text().strip() == second


def test_gate_compares_real_news_figures_when_both_models_have_them():
    from framing.training.train import gate

    current = {"metrics": {"seed": {"direction": 0.9, "loaded": 0.9}, "real-news": {"direction": 0.6, "loaded": 0.6}}}
    ok, why = gate(
        current, {"seed": {"direction": 0.5, "loaded": 0.5}, "real-news": {"direction": 0.62, "loaded": 0.6}}, 0.05
    )
    assert ok and "real-news" in why
    ok, why = gate(
        current, {"seed": {"direction": 0.9, "loaded": 0.9}, "real-news": {"direction": 0.5, "loaded": 0.6}}, 0.05
    )
    assert not ok and "real-news direction" in why


def test_sides_by_name_or_detected_and_a_warning_when_no_side_is_named(shipped_store):
    result = runner.invoke(app, ["score", "India accused Pakistan of sponsoring terrorism in Kashmir."])
    data = json.loads(result.output)
    assert data["sides"] == {"dispute": "india-pakistan", "names": ["india", "pakistan"], "detected": True}
    assert set(data["direction"]["probabilities"]) == {"india->pakistan", "pakistan->india", "mutual", "none"}
    named = json.loads(runner.invoke(app, ["score", "--sides", "india-pakistan", "Talks resume on Monday."]).output)
    assert named["sides"] == {"dispute": "india-pakistan", "names": ["india", "pakistan"], "detected": False}
    nothing = json.loads(runner.invoke(app, ["score", "The weather in Lyon was mild all week."]).output)
    assert nothing["direction"]["label"] == "none" and nothing["lean"] == 0 and "no side" in nothing["warning"]
    bad = runner.invoke(app, ["score", "--sides", "atlantis-lemuria", "x y z"])
    assert bad.exit_code == 2 and "india-pakistan" in bad.output


def test_a_paragraph_too_short_to_judge_says_so_instead_of_confident_labels(model, sides):
    result = model.classifier.score(["a b"], sides, model.version)[0]
    assert result["too_short"] is True and "too short" in result["warning"]
    assert result["direction"]["label"] == "none" and result["loaded"] == {
        "label": "none",
        "probabilities": {"none": 1.0, "quoted": 0.0, "editorial": 0.0},
        "spans": [],
    }
    longer = model.classifier.score(["Kabul accused Islamabad of sabotage."], sides, model.version)[0]
    assert "too_short" not in longer


def test_a_span_never_cuts_a_hyphenated_word():
    from framing.model.spans import whole_words

    text = "He acted in self-defence, a well-known and self-serving anti-Pakistan ploy."
    for word in ("self-defence", "well-known", "self-serving", "anti-Pakistan"):
        at = text.index(word)
        for start, end in ((at, at + word.index("-")), (at + word.index("-") + 1, at + len(word))):
            assert text[slice(*whole_words(text, start, end))] == word
    at = text.index("acted")
    assert whole_words(text, at, at + 5) == (at, at + 5)


def test_ci_runs_the_readme_test_command_exactly_as_written():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/python -m pytest"
    assert command in readme and command in ci
    assert "--upgrade pip" not in ci, "CI must use the pip a new venv brings, as a user does"


def test_paragraphs_without_words_score_in_a_batch_with_others(model, sides):
    results = model.classifier.score(["0", ":", "…", "Kabul accused Islamabad of sabotage."], sides, model.version)
    assert [r.get("too_short", False) for r in results] == [True, True, True, False]


def test_scoring_in_a_fresh_process_does_not_load_scikit_learn(shipped_store):
    """The scoring path (the service's workers, score-folder's processes) needs NumPy and SciPy's
    sparse matrices, not scikit-learn: importing it cost each process about 60 MB (BENCHMARKS.md's
    memory rows went from 99 to 160 MB when a word list was taken from it)."""
    import subprocess
    import sys

    program = (
        "import sys, json\n"
        "from framing.model.sides import default_sides\n"
        "from framing.model.store import load_current\n"
        "model = load_current(sys.argv[1])\n"
        "model.classifier.score(['Kabul accused Islamabad of bad faith, Mujahid said.'], default_sides())\n"
        "print(json.dumps('sklearn' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(shipped_store)], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) is False
