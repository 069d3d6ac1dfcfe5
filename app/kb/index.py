"""The search index: chromadb (dense, local embeddings) + BM25, fused on standardised scores.

The chromadb collection is persisted in the workspace and kept in step with the knowledge base by
content hash: an unchanged knowledge base costs no embedding at all, a changed entry re-embeds
only itself, and a corrupted or missing index is rebuilt with a message instead of a crash.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from app.kb.bm25 import LexicalIndex
from app.kb.embeddings import LocalSentenceEmbedding, load_sentence_model
from app.kb.loader import KnowledgeBase
from app.kb.passages import Passage, build_passages
from app.settings import Settings

log = logging.getLogger(__name__)
COLLECTION = "threatscribe_kb"
CANDIDATES = 60
# Hybrid = w * z(dense) + (1 - w) * z(bm25) over every passage passing the filter. The weight was
# chosen on evals/retrieval/queries.yaml (dev) and checked on the holdout sets; see docs/evaluation.md.
DENSE_WEIGHT = 0.5
BATCH = 128
PHRASING_MARK = "#say"


@dataclass
class SearchFilter:
    """Metadata filters; None means no constraint."""

    kinds: tuple[str, ...] | None = None
    source: str | None = None
    tactic: str | None = None
    category: str | None = None
    llm_only: bool | None = None

    def accepts(self, passage: Passage) -> bool:
        return (
            (self.kinds is None or passage.kind in self.kinds)
            and (self.source is None or passage.source == self.source)
            and (self.tactic is None or self.tactic in passage.tactics)
            and (self.category is None or self.category in passage.categories)
            and (self.llm_only is None or passage.llm_only == self.llm_only)
        )

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.kinds is not None:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.source is not None:
            clauses.append({"source": self.source})
        if self.tactic is not None:
            clauses.append({f"tactic_{self.tactic}": True})
        if self.category is not None:
            clauses.append({f"category_{self.category}": True})
        if self.llm_only is not None:
            clauses.append({"llm_only": self.llm_only})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    rebuilt_after_error: str | None = None

    @property
    def embedded(self) -> int:
        return self.added + self.updated


class KnowledgeIndex:
    """Hybrid search over the knowledge base."""

    def __init__(self, kb: KnowledgeBase, settings: Settings) -> None:
        self.kb = kb
        self.settings = settings
        self.passages = build_passages(kb)
        self.by_id = {p.id: p for p in self.passages}
        self._lexical = LexicalIndex([_lexical_text(p) for p in self.passages])
        self.record_count = sum(len(_records(p)) for p in self.passages)
        self._client: Any = None
        self._collection: Any = None
        self.embedding = LocalSentenceEmbedding(settings.embedding_model_path)

    # -- storage ---------------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.settings.index_dir

    def _open(self) -> Any:
        if self._collection is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(
                path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            )
            self._collection = self._client.get_or_create_collection(
                COLLECTION, embedding_function=self.embedding, metadata={"hnsw:space": "cosine"}
            )
        return self._collection

    def _stamp_path(self) -> Path:
        return self.path / "threatscribe-index.json"

    def _stamp(self) -> dict[str, Any]:
        return {"kb_hash": self.kb.content_hash, "model": self.settings.embedding_model_path,
                "passages": len(self.passages), "records": self.record_count}

    def is_current(self) -> bool:
        try:
            return bool(json.loads(self._stamp_path().read_text()) == self._stamp())
        except (OSError, ValueError):
            return False

    def _reset_storage(self) -> None:
        self._client = None
        self._collection = None
        _forget_chroma_system(self.path)
        shutil.rmtree(self.path, ignore_errors=True)

    # -- build -----------------------------------------------------------------------------------
    def build(self, progress: Callable[[int, int], None] | None = None, force: bool = False) -> BuildReport:
        """Bring the persisted index in step with the knowledge base; embeds only what changed."""
        started = time.perf_counter()
        if force:
            self._reset_storage()
        try:
            report = self._sync(progress)
        except Exception as exc:  # chromadb raises assorted errors on a damaged store
            message = f"search index at {self.path} was unreadable ({exc.__class__.__name__}); rebuilt it"
            log.warning(message)
            self._reset_storage()
            report = self._sync(progress)
            report.rebuilt_after_error = message
        self._stamp_path().write_text(json.dumps(self._stamp()))
        report.seconds = round(time.perf_counter() - started, 2)
        return report

    def _sync(self, progress: Callable[[int, int], None] | None) -> BuildReport:
        collection = self._open()
        stored = collection.get(include=["metadatas"])
        stored_hash = {i: (m or {}).get("hash") for i, m in zip(stored["ids"], stored["metadatas"] or [], strict=False)}
        wanted = {ident: (p, document) for p in self.passages for ident, document in _records(p)}
        stale = [i for i in stored_hash if i not in wanted]
        todo = [(ident, p, document) for ident, (p, document) in wanted.items()
                if stored_hash.get(ident) != p.content_hash]
        touched = {p.id for _, p, _ in todo}
        had = {_parent(i) for i in stored_hash}
        report = BuildReport(
            added=sum(1 for i in touched if i not in had),
            updated=sum(1 for i in touched if i in had),
            removed=len(had - {p.id for p in self.passages}),
            unchanged=len(self.passages) - len(touched),
        )
        if stale:
            collection.delete(ids=stale)
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            documents = [document for _, _, document in batch]
            collection.upsert(
                ids=[ident for ident, _, _ in batch],
                documents=documents,
                embeddings=self.embedding(documents),
                metadatas=[p.metadata() for _, p, _ in batch],
            )
            if progress:
                progress(min(start + BATCH, len(todo)), len(todo))
        return report

    def ensure_built(self) -> BuildReport | None:
        """Build when the stamp says the index is stale or missing; cheap when current."""
        if self.is_current():
            try:
                if self._open().count() == self.record_count:
                    return None
            except Exception:  # a damaged store: fall through to a rebuild
                self._collection = None
        return self.build()

    # -- search ----------------------------------------------------------------------------------
    def dense(self, query: str, limit: int = CANDIDATES, flt: SearchFilter | None = None) -> list[Passage]:
        """Passages by cosine similarity; an entry with phrasings scores (main + best phrasing) / 2."""
        flt = flt or SearchFilter()
        vector = load_sentence_model(self.settings.embedding_model_path).encode(
            [query], convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )[0]
        result = self._open().query(
            query_embeddings=[vector], n_results=self.record_count, where=flt.where(), include=["distances"],
        )
        main: dict[str, float] = {}
        phrasing: dict[str, float] = {}
        for ident, distance in zip(result["ids"][0], result["distances"][0], strict=False):
            parent, similarity = _parent(ident), 1.0 - float(distance)
            if parent not in self.by_id:
                continue
            if ident == parent:
                main[parent] = similarity
            else:
                phrasing[parent] = max(similarity, phrasing.get(parent, -1.0))
        scores = {i: (s + phrasing.get(i, s)) / 2 for i, s in main.items()}
        ranked = sorted(scores, key=lambda i: (-scores[i], i))[:limit]
        return [replace(self.by_id[i], score=round(scores[i], 4)) for i in ranked]

    def lexical(self, query: str, limit: int = CANDIDATES, flt: SearchFilter | None = None) -> list[Passage]:
        flt = flt or SearchFilter()
        scores = self._lexical.scores(query)
        ranked = sorted(
            (i for i, p in enumerate(self.passages) if scores[i] > 0 and flt.accepts(p)),
            key=lambda i: -scores[i],
        )
        return [replace(self.passages[i], score=round(scores[i], 4)) for i in ranked[:limit]]

    def search(self, query: str, k: int = 5, mode: str = "hybrid", flt: SearchFilter | None = None) -> list[Passage]:
        """Top-k passages for `query`. mode: hybrid (default), dense or bm25."""
        query = " ".join((query or "").split())[:2000]
        if not query:
            return []
        if mode == "dense":
            return self.dense(query, k, flt)
        if mode == "bm25":
            return self.lexical(query, k, flt)
        everything = len(self.passages)
        return fuse(self.dense(query, everything, flt), self.lexical(query, everything, flt))[:k]


def _records(passage: Passage) -> list[tuple[str, str]]:
    """The dense index's records for a passage: its main text, then one per plain-language phrasing."""
    records = [(passage.id, f"{passage.title}. {passage.text}")]
    records += [(f"{passage.id}{PHRASING_MARK}{n}", text) for n, text in enumerate(passage.phrasings, 1)]
    return records


def _lexical_text(passage: Passage) -> str:
    """BM25 sees the title twice (a title word is strong evidence), the text and the phrasings."""
    return "\n".join([passage.title, passage.title, passage.text, *passage.phrasings])


def _parent(record_id: str) -> str:
    return record_id.split(PHRASING_MARK, 1)[0]


def _forget_chroma_system(path: Path) -> None:
    """Drop chromadb's per-path cached client: after a failed open it would be reused, broken."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in (str(path), str(path.resolve())):
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


def _standardise(passages: list[Passage], size: int) -> tuple[dict[str, float], float]:
    """z-scores of the passages' scores, and the z-score of a passage the ranking left out (score 0)."""
    scores = [p.score for p in passages] + [0.0] * max(0, size - len(passages))
    if not scores:
        return {}, 0.0
    mean = sum(scores) / len(scores)
    spread = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5 or 1.0
    return {p.id: (p.score - mean) / spread for p in passages}, -mean / spread


def fuse(dense: list[Passage], lexical: list[Passage], dense_weight: float = DENSE_WEIGHT) -> list[Passage]:
    """Weighted sum of standardised dense and BM25 scores over the union of both rankings."""
    size = len({p.id for p in dense} | {p.id for p in lexical})
    dense_z, dense_missing = _standardise(dense, size)
    lexical_z, lexical_missing = _standardise(lexical, size)
    first = {p.id: p for p in lexical} | {p.id: p for p in dense}
    combined = {
        ident: dense_weight * dense_z.get(ident, dense_missing)
        + (1 - dense_weight) * lexical_z.get(ident, lexical_missing)
        for ident in first
    }
    ordered = sorted(combined, key=lambda i: (-combined[i], i))
    return [replace(first[i], score=round(combined[i], 4)) for i in ordered]
