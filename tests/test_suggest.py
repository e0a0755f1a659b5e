"""The labelling queue: `framing suggest`, its ranking, and GET/POST /v1/queue."""

from __future__ import annotations

import json

import numpy as np
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from framing.cli import app
from framing.training.suggest import normalised, rank, uncertainty
from tests.conftest import LABELS

WIRE = "Pakistan accused the Taliban government of sheltering militants who attack its border posts near Chaman."


def queue_folder(root):
    (root / "dawn").mkdir(parents=True)
    (root / "dawn" / "a.txt").write_text(
        "Talks end without agreement\n\n" + WIRE + "\n\nKabul rejected the charge and said Islamabad was hiding "
        "its own failures.\n\nMediators from Qatar said they would keep both delegations talking.\n",
        encoding="utf-8",
    )
    (root / "wire").mkdir()
    (root / "wire" / "b.txt").write_text(  # the same wire paragraph republished, and a seed paragraph already labelled
        WIRE
        + "\n\n"
        + json.loads((LABELS / "seed.jsonl").read_text(encoding="utf-8").splitlines()[1])["text"]
        + "\n\nA Pakistani official blamed Kabul for the shelling that closed the crossing.\n",
        encoding="utf-8",
    )
    return root


def test_uncertain_paragraphs_come_first_and_the_sure_ones_last():
    direction = np.array([[0.97, 0.01, 0.01, 0.01], [0.4, 0.35, 0.1, 0.15], [0.5, 0.1, 0.1, 0.3]])
    loaded = np.array([[0.95, 0.03, 0.02], [0.4, 0.3, 0.3], [0.6, 0.2, 0.2]])
    assert uncertainty(direction, loaded).argmax() == 1 and uncertainty(direction, loaded).argmin() == 0
    items = [{"text": f"paragraph number {k} about a different matter entirely", "outlet": "x"} for k in range(3)]
    assert rank(items, direction, loaded, 3, typical=0.0)[0] == 1


def test_near_duplicates_and_labelled_paragraphs_are_not_suggested():
    direction = np.full((3, 4), 0.25)
    loaded = np.full((3, 3), 1 / 3)
    items = [{"text": WIRE}, {"text": WIRE + " Officials said."}, {"text": "Something else entirely was said here."}]
    assert rank(items, direction, loaded, 3, typical=0.0) == [0, 2]
    assert rank(items, direction, loaded, 3, {normalised(WIRE)}, typical=0.0) == [1, 2]


def test_suggest_writes_a_queue_with_guesses(tmp_path, shipped_store):
    folder = queue_folder(tmp_path / "in")
    out = tmp_path / "queue.jsonl"
    done = CliRunner().invoke(
        app, ["suggest", str(folder), "--n", "10", "--out", str(out), "--model", str(shipped_store)]
    )
    assert done.exit_code == 0, done.output
    queue = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    texts = [row["text"] for row in queue]
    assert texts.count(WIRE) == 1  # republished wire copy is offered once
    seed_texts = {json.loads(line)["text"] for line in (LABELS / "seed.jsonl").read_text(encoding="utf-8").splitlines()}
    assert not seed_texts & set(texts)  # already labelled
    assert {row["outlet"] for row in queue} == {"dawn", "wire"}
    row = queue[0]
    assert row["dispute"] == "pakistan-afghanistan" and row["sides"] == ["afghanistan", "pakistan"]
    assert row["guess"]["direction"] in row["guess"]["direction_probabilities"]
    assert f"wrote {len(queue)} paragraphs from 2 outlets" in done.output
    bad = CliRunner().invoke(app, ["suggest", str(tmp_path / "nowhere"), "--out", str(out)])
    assert bad.exit_code == 2 and "does not exist" in bad.output
    assert CliRunner().invoke(app, ["suggest", str(folder), "--out", str(tmp_path / "q.txt")]).exit_code == 2


def test_the_queue_endpoints(tmp_path, store_copy, labels_copy):
    from framing.service.app import create_app
    from framing.service.settings import Settings

    folder = queue_folder(tmp_path / "in")
    with TestClient(create_app(Settings(model_dir=store_copy, labels_dir=labels_copy))) as client:
        missing = client.get("/v1/queue")
        assert missing.status_code == 404 and "--queue" in missing.json()["detail"]
        pasted = client.post("/v1/queue", json={"text": "Talks resume\n\n" + WIRE, "n": 5}).json()
        assert pasted["source"] == "pasted" and WIRE in [i["text"] for i in pasted["items"]]
        assert client.post("/v1/queue", json={"text": "   "}).status_code == 422
    token = {"Authorization": "Bearer t0ken"}
    with TestClient(create_app(Settings(model_dir=store_copy, labels_dir=labels_copy, api_token="t0ken"))) as client:
        before = client.post("/v1/queue", json={"text": "Talks resume\n\n" + WIRE, "n": 5}).json()
        assert WIRE in [i["text"] for i in before["items"]]
        label = {"text": WIRE, "direction": "pakistan->afghanistan", "loaded": "none", "spans": []}
        assert client.post("/v1/labels", json={"items": [label]}, headers=token).status_code == 201
        again = client.post("/v1/queue", json={"text": "Talks resume\n\n" + WIRE, "n": 5}).json()
        assert WIRE not in [i["text"] for i in again["items"]]  # labelled since: never offered again
    with TestClient(create_app(Settings(model_dir=store_copy, labels_dir=labels_copy, queue_source=folder))) as client:
        body = client.get("/v1/queue?n=3").json()
        assert body["source"] == "in" and len(body["items"]) == 3
        assert client.get("/v1/queue?n=3").json() == body  # answered from the cache while nothing changed
        assert client.get("/v1/queue?n=0").status_code == 422
