"""The HTTP service: in-process with the test client, and as a real `framing serve` subprocess."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from framing.model.sides import SidesError
from framing.service.app import create_app
from framing.service.model_holder import ModelHolder
from framing.service.routes.common import SidesFile, current_model
from framing.service.settings import Settings
from framing.training.train import gate

TOKEN = "s3cret-token-for-tests"
TEXT = (
    "Tarar accused Kabul of operating on a \u201cwar economy\u201d and of dragging the region into a needless conflict."
)
ARMENIA = [
    {"name": "armenia", "aliases": ["Armenia", "Armenian", "Yerevan", "Pashinyan"]},
    {"name": "azerbaijan", "aliases": ["Azerbaijan", "Azerbaijani", "Baku", "Aliyev"]},
]


@pytest.fixture()
def client(store_copy, labels_copy):
    app = create_app(
        Settings(
            model_dir=store_copy, labels_dir=labels_copy, api_token=TOKEN, max_batch_items=8, max_body_bytes=200_000
        )
    )
    with TestClient(app) as c:
        yield c


@pytest.fixture()
def open_client(store_copy, labels_copy):
    app = create_app(Settings(model_dir=store_copy, labels_dir=labels_copy, api_token=None))
    with TestClient(app) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_score_returns_the_contract_result_with_explanation_on_request(client):
    r = client.post("/v1/score", json={"text": TEXT})
    assert r.status_code == 200
    data = r.json()
    assert data["direction"]["label"] == "pakistan->afghanistan"
    assert set(data["loaded"]["probabilities"]) == {"none", "quoted", "editorial"}
    assert "explanation" not in data and data["model_version"] == client.get("/v1/model").json()["version"]
    explained = client.post("/v1/score", json={"text": TEXT, "explain": 5}).json()
    assert explained["explanation"]["direction"] and explained["direction"] == data["direction"]


def test_batch_keeps_order_echoes_ids_and_reads_custom_sides(client):
    items = [
        {"id": "a", "text": "Baku accused Yerevan of shelling border villages."},
        {"id": 7, "text": "Armenia blamed Azerbaijan for the failed talks."},
        {"text": "The talks will resume in Abu Dhabi next week."},
    ]
    r = client.post("/v1/score/batch", json={"items": items, "sides": ARMENIA})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x.get("id") for x in results] == ["a", 7, None]
    assert results[0]["direction"]["label"] == "azerbaijan->armenia"
    assert results[1]["direction"]["label"] == "armenia->azerbaijan"
    assert set(results[0]["direction"]["probabilities"]) == {
        "armenia->azerbaijan",
        "azerbaijan->armenia",
        "mutual",
        "none",
    }


@pytest.mark.parametrize(
    "body, status, says",
    [
        ({"text": ""}, 422, "empty"),
        ({"text": " \n\t "}, 422, "empty"),
        ({"text": "x" * 20_001}, 422, "limit"),
        ({"text": 12}, 422, "string"),
        ({"txt": "hello"}, 422, "text"),
        ({"text": "hi", "colour": "red"}, 422, "colour"),
        ({"text": "hi", "sides": [{"name": "a", "aliases": ["A"]}]}, 422, "sides"),
        (
            {"text": "hi", "sides": [{"name": "Bad Name", "aliases": ["A"]}, {"name": "b", "aliases": ["B"]}]},
            422,
            "lower-case",
        ),
        (
            {"text": "hi", "sides": [{"name": "a", "aliases": ["X"]}, {"name": "b", "aliases": ["x"]}]},
            422,
            "both sides",
        ),
    ],
)
def test_bad_score_input_gets_a_4xx_that_says_what_is_wrong(client, body, status, says):
    r = client.post("/v1/score", json=body)
    assert r.status_code == status
    assert says in json.dumps(r.json())


LEAN_BODIES = [  # plainly valid: the lean path answers these
    {"text": TEXT},
    {"text": TEXT, "explain": 3},
    {"text": TEXT, "sides": None, "explain": 0},
    {"text": "x" * 20_000},
    {"text": "Ein Absatz \u00fcber nichts, \u201czitiert\u201d \U0001f600 und Kabul."},
]
ROUTED_BODIES = [  # everything else is left to the FastAPI route, valid (2.0, "3", custom sides) or not
    {"text": TEXT, "explain": 51},
    {"text": TEXT, "explain": -1},
    {"text": TEXT, "explain": 2.0},
    {"text": TEXT, "explain": "3"},
    {"text": TEXT, "explain": True},
    {"text": TEXT, "explain": None},
    {"text": ""},
    {"text": " \n "},
    {"text": "x" * 20_001},
    {"text": 5},
    {"text": None},
    {},
    {"text": TEXT, "extra": 1},
    {"text": TEXT, "sides": ARMENIA},
    {"text": TEXT, "sides": []},
    [TEXT],
    TEXT,
    None,
]
LEAN_RAW = [b'{"text": "a\\ud800b Kabul"}', b'{"text": "dup", "text": "Kabul said"}', b'\xef\xbb\xbf{"text": "bom"}']
ROUTED_RAW = [b"", b"{", b"NaN", b'{"text": "Kabul"} trailing', b'{"text": "Kabul", "explain": 1e400}']


@pytest.mark.parametrize("raw", [json.dumps(b).encode() for b in LEAN_BODIES + ROUTED_BODIES] + LEAN_RAW + ROUTED_RAW)
def test_fast_score_path_answers_exactly_as_the_fastapi_route(store_copy, labels_copy, raw):
    """``application/json`` takes the lean path when it can; with a charset parameter, FastAPI's
    route always does. Both must give the same status and the same bytes."""
    app = create_app(Settings(model_dir=store_copy, labels_dir=labels_copy))
    routed = []

    async def counting_model(request: Request):
        routed.append(1)
        return await current_model(request)

    app.dependency_overrides[current_model] = counting_model
    with TestClient(app, raise_server_exceptions=False) as c:  # b"NaN" is a 500 either way (FastAPI's handler)
        fast = c.post("/v1/score", content=raw, headers={"content-type": "application/json"})
        through_route = len(routed)
        slow = c.post("/v1/score", content=raw, headers={"content-type": "application/json; charset=utf-8"})
    assert (fast.status_code, fast.content, fast.headers["content-type"]) == (
        slow.status_code,
        slow.content,
        slow.headers["content-type"],
    )
    plain = raw in [json.dumps(b).encode() for b in LEAN_BODIES] + LEAN_RAW
    assert len(routed) - through_route == 1 or not plain, "with a charset parameter, the route answers"
    assert through_route == (0 if plain else len(routed) - through_route), (
        "plain valid requests, and only they, skip the route"
    )


def _samples(client) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in client.get("/metrics").text.splitlines()
        if line and not line.startswith("#")
    }


def test_concurrent_lean_requests_are_scored_in_one_call_with_the_same_bytes(store_copy, labels_copy, monkeypatch):
    texts = [
        json.loads(line)["text"]
        for name in ("seed.jsonl", "authored-pakistan-afghanistan.jsonl")
        for line in (labels_copy / name).read_text(encoding="utf-8").splitlines()[:24]
    ]
    bodies = [{"text": text, "explain": i % 3} for i, text in enumerate(texts)]
    app = create_app(Settings(model_dir=store_copy, labels_dir=labels_copy))
    calls: list[int] = []

    async def main():
        async with app.router.lifespan_context(app):
            classifier = app.state.holder.model.classifier
            score = classifier.score

            def counted(texts, *args, **kwargs):
                calls.append(len(texts))
                return score(texts, *args, **kwargs)

            monkeypatch.setattr(classifier, "score", counted)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                alone = [(await client.post("/v1/score", json=body)).content for body in bodies]
                together = await asyncio.gather(*[client.post("/v1/score", json=body) for body in bodies])
        return alone, [r.content for r in together], [r.status_code for r in together]

    alone, together, statuses = asyncio.run(main())
    assert len(texts) == 48 and statuses == [200] * 48
    assert together == alone, "a paragraph scored with others gets the same bytes as alone"
    # Together, one call per (detected dispute, explain) group of the turn, not one per request.
    from framing.model.disputes import Disputes

    groups = {(s.dispute if s else "", i % 3) for i, s in enumerate(Disputes().detect(texts))}
    assert calls[:48] == [1] * 48 and len(calls) - 48 < 2 * len(groups) < 48 and sum(calls[48:]) == 48, calls


def test_fast_score_path_is_counted_in_metrics_as_the_route(client):
    before = _samples(client)
    for _ in range(3):
        assert client.post("/v1/score", json={"text": TEXT}).status_code == 200
    after = _samples(client)
    for name in (
        'framing_requests_total{method="POST",route="/v1/score",status="200"}',
        'framing_request_seconds_count{route="/v1/score"}',
        "framing_paragraphs_scored_total",
    ):
        assert after[name] - before.get(name, 0.0) == 3, name


def test_batch_limits_and_bad_items(client):
    r = client.post("/v1/score/batch", json={"items": [{"text": "a"}] * 9})
    assert r.status_code == 422 and "at most 8" in r.text
    r = client.post("/v1/score/batch", json={"items": [{"text": "fine"}, {"text": "  "}]})
    assert r.status_code == 422 and "items[1].text is empty" in r.text
    assert client.post("/v1/score/batch", json={"items": []}).status_code == 422


def test_body_limits_hold_for_declared_and_chunked_bodies(client):
    big = json.dumps({"text": "x" * 300_000}).encode()
    assert client.post("/v1/score", content=big, headers={"content-type": "application/json"}).status_code == 413

    def chunks():
        for _ in range(40):
            yield b" " * 10_000

    r = client.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]
    assert (
        client.post("/v1/score", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    )


def test_model_info(client):
    info = client.get("/v1/model").json()
    assert info["version"] and info["training_data_hash"] and info["artifact_sha256"]
    assert info["label_sets"]["loaded"] == ["none", "quoted", "editorial"]
    assert "seed" in info["metrics"]


def test_mutating_endpoints_refuse_missing_wrong_and_empty_tokens(client):
    body = {"items": [{"text": "Kabul blamed Islamabad again.", "direction": "afghanistan->pakistan"}]}
    assert client.post("/v1/labels", json=body).status_code == 401
    assert client.post("/v1/labels", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    r = client.post("/v1/labels", json=body, headers={"Authorization": "Bearer "})
    assert r.status_code == 401 and TOKEN not in r.text
    assert client.post("/v1/retrain", headers={"Authorization": "Basic " + TOKEN}).status_code == 401


def test_mutating_endpoints_are_disabled_without_a_configured_token(open_client):
    r = open_client.post(
        "/v1/labels", json={"items": [{"text": "x", "loaded": "none"}]}, headers={"Authorization": "Bearer anything"}
    )
    assert r.status_code == 403 and "FRAMING_API_TOKEN" in r.json()["detail"]
    assert open_client.post("/v1/retrain").status_code == 403


def test_labels_are_validated_and_stored_durably(client, labels_copy):
    good = {
        "text": "Kabul again blamed Islamabad for closing the Torkham crossing.",
        "direction": "afghanistan->pakistan",
        "loaded": "none",
        "spans": [],
    }
    r = client.post("/v1/labels", json={"items": [good]}, headers=AUTH)
    assert r.status_code == 201 and r.json()["stored"] == 1
    stored = [json.loads(l) for l in (labels_copy / "added.jsonl").read_text().splitlines()]
    assert stored[-1]["text"] == good["text"] and stored[-1]["sides"] == ["afghanistan", "pakistan"]
    assert stored[-1]["origin"] == "user" and stored[-1]["dispute"] == "pakistan-afghanistan"
    r = client.post("/v1/labels", json={"items": [good]}, headers=AUTH)
    assert r.status_code == 422 and "already labelled" in r.text
    bad = {"text": "Another paragraph.", "direction": "kabul->nowhere"}
    r = client.post("/v1/labels", json={"items": [{**good, "text": "One more."}, bad]}, headers=AUTH)
    assert r.status_code == 422 and "request:2" in r.text
    assert len((labels_copy / "added.jsonl").read_text().splitlines()) == 1


def test_retrain_job_unknown_id_is_404(client):
    assert client.get("/v1/retrain/doesnotexist", headers=AUTH).status_code == 404
    assert client.get("/v1/retrain/..%2F..%2Fetc", headers=AUTH).status_code == 404


def test_reading_a_retrain_job_needs_the_token_like_starting_one(client):
    assert client.get("/v1/retrain/doesnotexist").status_code == 401
    assert client.get("/v1/retrain/doesnotexist", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_health_readiness_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    client.post("/v1/score", json={"text": TEXT})
    text = client.get("/metrics").text
    assert 'framing_requests_total{method="POST",route="/v1/score",status="200"}' in text
    assert "framing_request_seconds_bucket" in text and "framing_model_info{version=" in text


def test_not_ready_without_a_model(tmp_path, labels_copy):
    app = create_app(Settings(model_dir=tmp_path / "empty", labels_dir=labels_copy))
    with TestClient(app) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "framing train" in r.json()["detail"]
        assert c.post("/v1/score", json={"text": TEXT}).status_code == 503
        assert c.get("/healthz").status_code == 200


def test_sides_file_is_parsed_once_and_again_when_it_changes(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(
        'dispute = "d"\n[[side]]\nname = "a"\naliases = ["Alpha"]\n[[side]]\nname = "b"\naliases = ["Beta"]\n'
    )
    cached = SidesFile(path)
    first = cached()
    assert cached() is first and first.a.aliases == ("Alpha",)
    path.write_text(path.read_text().replace('"Alpha"', '"Alpha", "Alphaland"'))
    assert cached().a.aliases == ("Alpha", "Alphaland")
    path.unlink()
    with pytest.raises(SidesError, match="cannot read"):
        cached()


def test_a_model_swap_freezes_the_heap_so_full_collections_skip_the_model(store_copy):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    holder = ModelHolder(store_copy)
    assert holder.refresh() and holder.model is not None
    assert gc.get_freeze_count() > 0, "the loaded model is out of the cyclic collector's sight"
    assert not holder.refresh(), "no swap, no second settle"


def test_gate_refuses_a_model_whose_seed_f1_drops_beyond_the_margin():
    current = {"metrics": {"seed": {"direction": 0.70, "loaded": 0.50}}}
    assert gate(current, {"seed": {"direction": 0.68, "loaded": 0.49}}, 0.05)[0]
    ok, why = gate(current, {"seed": {"direction": 0.60, "loaded": 0.55}}, 0.05)
    assert not ok and "direction" in why
    assert gate(None, {"seed": {}}, 0.05)[0]


def _wait_job(url: str, job_id: str, seconds: float = 240) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/v1/retrain/{job_id}", headers=AUTH).json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.5)
    raise TimeoutError(job)


def test_served_subprocess_labels_retrain_and_every_worker_picks_up_the_new_model(
    serve, store_copy, small_labels, tmp_path
):
    labels = tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    url = serve(
        "--model",
        str(store_copy),
        "--labels",
        str(labels),
        workers=2,
        env={"FRAMING_API_TOKEN": TOKEN, "FRAMING_RELOAD_SECONDS": "0.5"},
    )
    before = httpx.get(f"{url}/v1/model").json()["version"]
    r = httpx.post(f"{url}/v1/score", json={"text": TEXT})
    assert r.status_code == 200 and r.json()["model_version"] == before

    r = httpx.post(
        f"{url}/v1/labels",
        headers=AUTH,
        json={
            "items": [
                {
                    "text": "Baku says Yerevan is stalling the peace treaty on purpose.",
                    "dispute": "armenia-azerbaijan",
                    "direction": "azerbaijan->armenia",
                    "loaded": "none",
                    "spans": [],
                }
            ]
        },
    )
    assert r.status_code == 201

    job = httpx.post(f"{url}/v1/retrain", headers=AUTH, json={"force": True}).json()
    assert job["state"] in ("queued", "running")
    done = _wait_job(url, job["id"])
    assert done["state"] == "succeeded", done
    assert done["made_current"] and done["version"] != before and "seed" in done["metrics"]

    deadline = time.monotonic() + 15
    seen: set[str] = set()
    while time.monotonic() < deadline:
        seen = {httpx.post(f"{url}/v1/score", json={"text": TEXT}).json()["model_version"] for _ in range(12)}
        if seen == {done["version"]}:
            break
        time.sleep(0.3)
    assert seen == {done["version"]}, "every worker serves the new version without a restart"
    from framing.training.data import with_real_news

    real_news = 1507 if len(with_real_news(labels)[0]) == 2 else 0  # a retrain also reads the corpus when it is there
    assert httpx.get(f"{url}/v1/model").json()["training_rows"] == 96 + 110 + 55 + 1 + real_news


def _listening_sockets(port: int) -> int:
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A")


def _server_pid(port: int) -> int:
    wanted = b"\x00".join([b"serve", b"--host", b"127.0.0.1", b"--port", str(port).encode(), b""])
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "cmdline").read_bytes():
                return int(entry.name)
        except OSError:
            pass
    raise LookupError(port)


def _workers(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in children if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()}


def _model_gauges(url: str) -> list[str]:
    return [line for line in httpx.get(url + "/metrics").text.splitlines() if line.startswith("framing_model_info{")]


def test_a_dead_worker_is_replaced_and_leaves_no_gauge_behind(serve, store_copy):
    url = serve("--model", str(store_copy), workers=2)
    port = int(url.rsplit(":", 1)[1])
    server = _server_pid(port)
    deadline = time.monotonic() + 60  # ready means one worker serves; the other may still be loading
    while time.monotonic() < deadline and (len(_workers(server)) < 2 or not _model_gauges(url)):
        time.sleep(0.2)
    before = _workers(server)
    assert len(before) == 2 and _listening_sockets(port) == 1, "uvicorn's workers share one listening socket"
    victim = int(re.search(r'pid="(\d+)"', _model_gauges(url)[0])[1])  # a worker that reports its model
    assert victim in before
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(_workers(server) - before) < 1 or len(_workers(server)) < 2):
        time.sleep(0.2)
    assert len(_workers(server)) == 2 and victim not in _workers(server)
    assert all(httpx.post(url + "/v1/score", json={"text": TEXT}).status_code == 200 for _ in range(20))
    assert not any(f'pid="{victim}"' in line for line in _model_gauges(url))  # /metrics shows live workers only


def test_a_retrain_on_invalid_labels_fails_with_the_reason_and_keeps_the_model(
    serve, store_copy, small_labels, tmp_path
):
    labels = tmp_path / "labels"
    shutil.copytree(small_labels, labels)
    with open(labels / "seed.jsonl", "a") as handle:
        handle.write('{"id": "broken"\n')
    url = serve("--model", str(store_copy), "--labels", str(labels), env={"FRAMING_API_TOKEN": TOKEN})
    before = httpx.get(f"{url}/v1/model").json()["version"]
    job = httpx.post(f"{url}/v1/retrain", headers=AUTH).json()
    done = _wait_job(url, job["id"])
    assert done["state"] == "failed" and "seed.jsonl:97" in done["reason"] and "unchanged" in done["reason"]
    assert httpx.get(f"{url}/v1/model").json()["version"] == before
    assert httpx.get(f"{url}/readyz").status_code == 200


def test_sides_by_dispute_name_detected_or_refused_over_http(client):
    text = "India accused Pakistan of sponsoring terrorism in Kashmir."
    auto = client.post("/v1/score", json={"text": text}).json()
    assert auto["sides"] == {"dispute": "india-pakistan", "names": ["india", "pakistan"], "detected": True}
    assert auto["direction"]["label"] == "india->pakistan"
    named = client.post("/v1/score", json={"text": text, "sides": "india-pakistan"}).json()
    assert named["sides"]["detected"] is False and named["direction"] == auto["direction"]
    r = client.post("/v1/score", json={"text": text, "sides": "atlantis-lemuria"})
    assert r.status_code == 422 and "india-pakistan" in r.json()["detail"]
    batch = client.post(
        "/v1/score/batch", json={"items": [{"text": text}, {"text": "Rain fell on Lyon all week."}]}
    ).json()
    first, second = batch["results"]
    assert first["sides"]["dispute"] == "india-pakistan"
    assert second["direction"]["label"] == "none" and "no side" in second["warning"]


def test_docs_work_offline_and_are_counted_by_route(client):
    page = client.get("/docs")
    assert (
        page.status_code == 200 and "cdn" not in page.text.lower() and "/docs-assets/swagger-ui-bundle.js" in page.text
    )
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert client.get("/openapi.json").status_code == 200
    samples = _samples(client)
    assert any('route="/docs"' in k for k in samples) and any('route="/openapi.json"' in k for k in samples)
    assert any('route="/docs-assets"' in k for k in samples)
    assert not any('route="unmatched"' in k and 'status="200"' in k for k in samples)


def test_context_gives_attributions_with_the_speaker_named_earlier(client):
    said = (
        "\u201cThe Pakistani side tried to shift all responsibility for its security onto the Afghan government,\u201d "
        "Mujahid wrote."
    )
    added = "He added that the uncooperative attitude of the Pakistani delegation left the talks unproductive."
    result = client.post("/v1/score", json={"text": added, "context": [said]}).json()
    attribution = result["attributions"][0]
    assert attribution["speaker"]["text"] == "Mujahid" and attribution["speaker"]["side"] == "afghanistan"
    assert added[attribution["speaker"]["start"] : attribution["speaker"]["end"]] == "He"
    alone = client.post("/v1/score", json={"text": added}).json()["attributions"][0]
    assert alone["speaker"]["text"] == "He" and alone["speaker"]["side"] == "unknown" and alone["targets"] == []
    batch = client.post("/v1/score/batch", json={"items": [{"text": added}], "context": [said], "explain": 2}).json()
    assert batch["results"][0]["explanation"]["said"] == ["Mujahid (afghanistan) blames pakistan"]
    too_long = client.post("/v1/score", json={"text": added, "context": ["x" * 100_001]})
    assert too_long.status_code == 422 and "context[0]" in too_long.text
    assert client.post("/v1/score", json={"text": added, "context": "not a list"}).status_code == 422
