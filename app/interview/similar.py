"""Similarity fallback for fact extraction: a sentence close in meaning to a fact's examples.

The pattern extractor (`extract.py`) reads what it has words for. People describe the same trait
in many other ways ("the bot can hand out refunds by itself"), so each fact also has example
sentences in `knowledge/interview/exemplars.yaml`: eight that mean the fact holds and four that
mean the contrasting case. A sentence of the user's whose nearest example (by the local
sentence-embedding model) is a "yes" example of a fact, close enough and clearly closer than any
"no" example of that fact, sets the fact to yes at a low confidence. It never overrides what the
patterns read, never reads "no" (embeddings are poor at negation) and skips sentences with a
negation, a hedge, a don't-know or a plan, which the patterns handle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.interview.extract import FactUpdate, OfflineExtractor, split_sentences
from app.interview.normalize import clean, expand
from app.model.facts import FACT_PATHS, FactState

CONFIDENCE_SIMILAR = 0.5
# Chosen on evals/extraction/answers.yaml (dev) only; see docs/evaluation.md.
THRESHOLD = 0.62
MARGIN = 0.05
MAX_FACTS_PER_SENTENCE = 2
MIN_WORDS = 4

DEFAULT_EXEMPLARS = Path(__file__).resolve().parents[2] / "knowledge" / "interview" / "exemplars.yaml"


class FactExemplars(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yes: list[str] = Field(min_length=1, description="Sentences meaning the fact holds.")
    no: list[str] = Field(default_factory=list, description="Sentences meaning the contrasting case.")


class ExemplarSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, FactExemplars] = Field(description="Examples per yes/no fact path.")

    @field_validator("facts")
    @classmethod
    def _paths(cls, value: dict[str, FactExemplars]) -> dict[str, FactExemplars]:
        unknown = [p for p in value if p not in FACT_PATHS]
        if unknown:
            raise ValueError(f"exemplars for unknown fact paths: {unknown}")
        return value


def load_exemplars(path: Path = DEFAULT_EXEMPLARS) -> ExemplarSpec:
    return ExemplarSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass
class _Bank:
    vectors: Any  # (n, dim) normalised
    paths: list[str]
    says_yes: Any  # (n,) bool


class SimilarityExtractor:
    """Nearest-example reading of facts the patterns missed."""

    def __init__(self, spec: ExemplarSpec, model: Any, patterns: OfflineExtractor,
                 threshold: float = THRESHOLD, margin: float = MARGIN) -> None:
        self.model = model
        self.patterns = patterns
        self.threshold = threshold
        self.margin = margin
        texts: list[str] = []
        paths: list[str] = []
        says_yes: list[bool] = []
        for path, examples in spec.facts.items():
            for text, yes in [(t, True) for t in examples.yes] + [(t, False) for t in examples.no]:
                texts.append(text)
                paths.append(path)
                says_yes.append(yes)
        self.bank = _Bank(self._encode(texts), paths, np.array(says_yes))

    def _encode(self, texts: list[str]) -> Any:
        return self.model.encode(texts, convert_to_numpy=True, normalize_embeddings=True, batch_size=64,
                                 show_progress_bar=False)

    def _skip(self, sentence: str) -> bool:
        normal = expand(sentence)
        p = self.patterns
        return (len(normal.split()) < MIN_WORDS or bool(p.negation.search(normal)) or bool(p.hedge.search(normal))
                or bool(p.unknown.search(normal)) or bool(p.future.search(normal)) or "?" in sentence)

    def extract(self, text: str | bytes | None, known: set[str] | None = None) -> list[FactUpdate]:
        """Facts (yes only) whose examples a sentence of `text` closely resembles, except `known` ones."""
        original = clean(text)
        if not original:
            return []
        known = known or set()
        sentences = [s for s in _split(original) if not self._skip(s)][:50]
        if not sentences:
            return []
        similarity = self._encode([s[:500] for s in sentences]) @ self.bank.vectors.T
        found: dict[str, FactUpdate] = {}
        for sentence, row in zip(sentences, similarity, strict=True):
            best_yes: dict[str, float] = {}
            best_no: dict[str, float] = {}
            for score, path, yes in zip(row, self.bank.paths, self.bank.says_yes, strict=True):
                table = best_yes if yes else best_no
                table[path] = max(float(score), table.get(path, -1.0))
            ranked = sorted(best_yes, key=lambda p: -best_yes[p])[:MAX_FACTS_PER_SENTENCE]
            for path in ranked:
                score = best_yes[path]
                if score < self.threshold or score - best_no.get(path, -1.0) < self.margin:
                    continue
                if path in known or path in found:
                    continue
                found[path] = FactUpdate(path, FactState.YES, CONFIDENCE_SIMILAR, sentence[:400], "similar")
        return list(found.values())


def _split(text: str) -> list[str]:
    """Sentences, and the parts of long ones joined by ';' or a dash."""
    out: list[str] = []
    for sentence in split_sentences(text):
        out += [part.strip() for part in re.split(r"\s[-\u2013\u2014]\s|;", sentence) if part.strip()]
    return out


class CombinedExtractor:
    """Patterns first; the similarity fallback adds facts the patterns did not read at all."""

    def __init__(self, patterns: OfflineExtractor, similar: SimilarityExtractor | None) -> None:
        self.patterns = patterns
        self.similar = similar

    def extract(self, text: str | bytes | None, asked: list[str] | None = None) -> list[FactUpdate]:
        updates = self.patterns.extract(text, asked)
        if self.similar is None:
            return updates
        known = {u.path for u in updates}
        return updates + self.similar.extract(text, known)

    def short_answer(self, text: str) -> FactState:
        return self.patterns.short_answer(text)


@lru_cache(maxsize=4)
def get_similarity_extractor(model_path: str, path: Path = DEFAULT_EXEMPLARS) -> SimilarityExtractor:
    from app.interview.extract import get_extractor
    from app.kb.embeddings import load_sentence_model

    return SimilarityExtractor(load_exemplars(path), load_sentence_model(model_path), get_extractor())
