"""Process-wide, lazily created knowledge base and search index (heavy: load once)."""

from __future__ import annotations

import threading

from app.kb.index import KnowledgeIndex
from app.kb.loader import KnowledgeBase, load_knowledge
from app.settings import Settings, get_settings

_LOCK = threading.Lock()
_KB: dict[str, KnowledgeBase] = {}
_INDEX: dict[str, KnowledgeIndex] = {}


def get_kb(settings: Settings | None = None) -> KnowledgeBase:
    """The validated knowledge base (cached per knowledge folder)."""
    settings = settings or get_settings()
    key = str(settings.knowledge_dir)
    with _LOCK:
        if key not in _KB:
            _KB[key] = load_knowledge(settings.knowledge_dir)
        return _KB[key]


def get_index(settings: Settings | None = None, build: bool = True) -> KnowledgeIndex:
    """The search index over the knowledge base, built or refreshed on first use."""
    settings = settings or get_settings()
    kb = get_kb(settings)
    key = f"{settings.knowledge_dir}|{settings.index_dir}|{settings.embedding_model_path}"
    with _LOCK:
        if key not in _INDEX:
            index = KnowledgeIndex(kb, settings)
            if build:
                index.ensure_built()
            _INDEX[key] = index
        return _INDEX[key]


def reset_caches() -> None:
    """Forget cached objects (tests, or after `kb import-atlas`)."""
    with _LOCK:
        _KB.clear()
        _INDEX.clear()
