"""Typed request and response bodies of the HTTP API (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from framing.model.results import LOADED_LABELS

EXAMPLE_TEXT = (
    "Tarar accused Kabul of operating on a \u201cwar economy\u201d and of seeking to "
    "\u201cdrag the Afghan people into a needless conflict.\u201d"
)


MAX_CONTEXT = 20


class SideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, examples=["afghanistan"])
    aliases: list[str] = Field(min_length=1, max_length=200, examples=[["Afghanistan", "Afghan", "Kabul", "Taliban"]])


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]})
    text: str = Field(description="One paragraph.")
    sides: list[SideIn] | str | None = Field(
        default=None,
        description="'auto' (the default: the dispute whose sides the paragraph names), a dispute "
        "name (see GET /v1/sides), or the dispute's two sides, A first.",
    )
    explain: int = Field(
        default=0,
        ge=0,
        le=50,
        description="How many pushing features to list per head (0: none); "
        "with explanations the attributions are also said in words.",
    )
    context: list[str] | None = Field(
        default=None,
        max_length=MAX_CONTEXT,
        description="The article's paragraphs before this one, in order: a pronoun in the "
        "paragraph is resolved to a speaker named there.",
    )


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | int | None = Field(default=None, description="Echoed back in the result.")
    text: str


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"items": [{"id": "p1", "text": EXAMPLE_TEXT}, {"id": "p2", "text": "Talks resume on Monday."}]}
            ]
        },
    )
    items: list[BatchItem] = Field(min_length=1)
    sides: list[SideIn] | str | None = Field(
        default=None, description="'auto' (the default: detected per paragraph), a dispute name, or two sides, A first."
    )
    explain: int = Field(default=0, ge=0, le=50)
    context: list[str] | None = Field(
        default=None, max_length=MAX_CONTEXT, description="The article's paragraphs before these items (see /v1/score)."
    )


class Distribution(BaseModel):
    label: str
    probabilities: dict[str, float]


class Span(BaseModel):
    start: int
    end: int
    text: str
    voice: Literal["quoted", "editorial"]


class Loaded(BaseModel):
    label: Literal[LOADED_LABELS]
    probabilities: dict[str, float]
    spans: list[Span]


class Push(BaseModel):
    feature: str
    weight: float


class Explanation(BaseModel):
    direction: list[Push]
    loaded: list[Push]
    said: list[str] = Field(
        default=[], description="The attributions in words: 'Mujahid (afghanistan) blames pakistan'."
    )


class Speaker(BaseModel):
    text: str = Field(description="Who speaks: the name (a pronoun's referent when it is known).")
    start: int = Field(description="The words naming the speaker in this paragraph: text[start:end].")
    end: int
    side: str = Field(description="A side's name, 'third' or 'unknown'.")


class Offsets(BaseModel):
    start: int
    end: int


class Attribution(BaseModel):
    speaker: Speaker
    cue: Literal["accuse", "blame", "criticise", "deny", "warn", "demand", "claim", "say", "quote"]
    targets: list[str] = Field(description="The sides the statement blames.")
    statement: Offsets


class SidesUsed(BaseModel):
    dispute: str
    names: list[str] = Field(description="Side A, side B: lean +1 means A blames B.")
    detected: bool = Field(description="True when the dispute was found from the text ('auto').")


class ScoreResult(BaseModel):
    id: str | int | None = None
    direction: Distribution
    loaded: Loaded
    lean: float = Field(ge=-1, le=1)
    framing_score: float = Field(ge=0, le=1)
    model_version: str
    sides: SidesUsed | None = None
    warning: str | None = None
    too_short: bool | None = Field(default=None, description="True when the paragraph has too few words to judge.")
    attributions: list[Attribution] | None = Field(
        default=None,
        description="Who speaks, for which side, blaming whom (in score-folder rows only with --attributions).",
    )
    explanation: Explanation | None = None


class BatchResponse(BaseModel):
    results: list[ScoreResult]


class ModelInfo(BaseModel):
    version: str
    trained_at: str | None
    training_data_hash: str | None
    training_rows: int | None
    label_sets: dict
    metrics: dict
    sklearn_version: str | None
    artifact_sha256: str | None


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: int
    end: int
    text: str
    voice: Literal["quoted", "editorial"]


class LabelIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": EXAMPLE_TEXT,
                    "direction": "pakistan->afghanistan",
                    "loaded": "quoted",
                    "spans": [{"start": 56, "end": 67, "text": "war economy", "voice": "quoted"}],
                }
            ]
        },
    )
    id: str | None = Field(default=None, max_length=200, description="Default: a new unique id.")
    text: str
    source: str | None = Field(default=None, max_length=500, description="Article or origin; default 'api'.")
    dispute: str | None = Field(default=None, max_length=64, description="Default: the seed dispute.")
    sides: list[str] | None = Field(default=None, min_length=2, max_length=2)
    direction: str | None = None
    loaded: Literal[LOADED_LABELS] | None = None
    spans: list[SpanIn] | None = None
    origin: Literal["user", "authored", "seed", "external"] = "user"


class LabelsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[LabelIn] = Field(min_length=1)


class LabelsResponse(BaseModel):
    stored: int
    ids: list[str]
    file: str


class RetrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = Field(default=False, description="Make the new model current even if its seed macro-F1 dropped.")


class RetrainJob(BaseModel):
    id: str
    state: Literal["queued", "running", "succeeded", "failed"]
    created_at: str
    finished_at: str | None = None
    force: bool = False
    version: str | None = None
    made_current: bool | None = None
    metrics: dict | None = None
    reason: str | None = None


class QueueGuess(BaseModel):
    direction: str
    loaded: Literal[LOADED_LABELS]
    spans: list[Span]
    direction_probabilities: dict[str, float]
    loaded_probabilities: dict[str, float]


class QueueItem(BaseModel):
    id: str
    text: str
    outlet: str | None = None
    path: str | None = None
    paragraph: int | None = None
    dispute: str | None = None
    sides: list[str] | None = None
    guess: QueueGuess = Field(description="The model's labels, to start from.")
    uncertainty: float = Field(description="How unsure the model is (higher: a label teaches more).")


class QueueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="Pasted articles: paragraphs separated by blank lines or line breaks.")
    n: int = Field(default=20, ge=1, le=200)


class QueueResponse(BaseModel):
    source: str
    items: list[QueueItem]


class Problem(BaseModel):
    detail: str | list


class Health(BaseModel):
    status: str
    model_version: str | None = None
