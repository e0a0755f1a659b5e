"""Service settings, read from the environment (``FRAMING_*``) so every worker sees the same.

The API token may come from ``FRAMING_API_TOKEN`` or from a file named by
``FRAMING_API_TOKEN_FILE`` (first line). With no token, the mutating endpoints
(``/v1/labels``, ``/v1/retrain``) are disabled, never open.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from framing.model.store import store_dir
from framing.training.data import DEFAULT_LABELS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRAMING_", extra="ignore")

    model_dir: Path | None = Field(default=None, description="Model store; default: the project's own.")
    labels_dir: Path = Field(
        default=DEFAULT_LABELS, description="Where POST /v1/labels stores rows and retrain reads them."
    )
    labels_file: str = Field(default="added.jsonl", description="File in labels_dir that receives posted labels.")
    api_token: str | None = Field(default=None, description="Bearer token for mutating endpoints.")
    api_token_file: Path | None = None
    max_text_chars: int = 20_000
    max_batch_items: int = 256
    max_label_items: int = 500
    max_body_bytes: int = 2_000_000
    reload_seconds: float = 2.0
    retrain_margin: float = 0.05
    queue_source: Path | None = Field(
        default=None,
        description="Folder of articles or score-folder result that GET /v1/queue suggests paragraphs from.",
    )

    @property
    def store(self) -> Path:
        return store_dir(self.model_dir)

    def token(self) -> str | None:
        if self.api_token:
            return self.api_token
        if self.api_token_file:
            try:
                return self.api_token_file.read_text(encoding="utf-8").splitlines()[0].strip() or None
            except (OSError, IndexError):
                return None
        return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
