"""Schemathesis over the app's own OpenAPI schema: no 5xx, and every response matches its schema."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from framing.service.app import create_app
from framing.service.settings import Settings
from tests.conftest import LABELS, STORE

EXAMPLES = int(os.environ.get("FRAMING_FUZZ_EXAMPLES", "300"))


def _fuzz_app():
    # Mutating endpoints are exercised with no token configured: they must answer 403, never 5xx,
    # and the real labels folder is never written. Calls through ASGI do not run the lifespan,
    # so the model is loaded here.
    labels = Path(tempfile.mkdtemp(prefix="fuzz-labels-"))
    (labels / "sides").mkdir()
    for path in (LABELS / "sides").glob("*.toml"):
        (labels / "sides" / path.name).write_bytes(path.read_bytes())
    app = create_app(Settings(model_dir=STORE, labels_dir=labels, api_token=None))
    app.state.holder.refresh()
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _fuzz_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])
