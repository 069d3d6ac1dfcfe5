"""The user's worst cases: which concerns an objectives answer names, and which threats cover them.

The interview asks "What would be the worst thing that could go wrong?". The answer is kept in the
user's words (`scope.security_objectives`); this module reads it against the concern catalogue in
`knowledge/interview/concerns.yaml`, clause by clause, so that "downtime we can live with; a leak would
finish us" names the leak and not the outage: first by the concerns' patterns, then by a small classifier
(logistic regression over the local sentence embeddings, trained on written example answers). A threat
covers a concern when it comes from one of the concern's rules or cites one of its ATLAS techniques (a
listed parent covers its sub-techniques), OWASP entries or PLOT4ai categories. The drafter raises the
damage score of covering threats and keeps one past the technique budget, the interview settles the
facts a worst case implies, the rules pass reports a named concern that nothing covers, and the report
lists each concern with the threats that answer it. The user can confirm or correct the reading
(`scope.worst_cases`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.kb.loader import KnowledgeBase
from app.model import Dread, DreadAdjustment, SystemProfile, Threat
from app.model.threat_model import WORST_CASE_FACT
from app.yamlfile import read_yaml

log = logging.getLogger(__name__)
Embed = Callable[[list[str]], Any]

CONCERNS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "interview" / "concerns.yaml"
OBJECTIVES_PATH = WORST_CASE_FACT  # the answer the worst cases are read from
DAMAGE_DELTA = 2
MAX_TEXT = 4000
EXAMPLES_FILE = CONCERNS_FILE.parent / "concern_examples.yaml"
# The classifier: one logistic regression per concern over sentence embeddings, trained on
# concern_examples.yaml and the `sounds_like` sentences. Regularisation and threshold were chosen on
# evals/concerns/dev.yaml (never trained on); see docs/evaluation.md. The patterns work without it.
CLASSIFIER_C = 8.0
PROBABILITY = 0.7
SECOND_READING = 0.85  # the bar for a clause whose patterns already named a concern

# A clause that waves a worry away does not name it: "an outage we can live with", "bias isn't a concern".
DISMISSAL = re.compile(
    r"\b(we|i|they|you|people|users|customers|everyone)?\s*(can|could|would|will)\s+(live with|survive|handle|tolerate|"
    r"recover from|cope with|shrug off|deal with)\b"
    r"|\b(is|are|was|'s|would be|will be|seems?)\s+(fine|ok|okay|acceptable|tolerable|survivable|manageable|"
    r"recoverable|annoying|inconvenient|a nuisance|irrelevant|unlikely|minor|not (a|an|the|my|our|much of a) "
    r"(big |real |major |huge |serious )?(deal|worry|concern|problem|issue|risk|fear|priority))\b"
    r"|\b(is|are|was|were|would|will|does|do)n.?t\s+(be\s+)?(a|an|the|my|our|much of a|really a)?\s*"
    r"(big |real |major |huge |serious )?(deal|worry|concern|problem|issue|risk|fear|priority|matter|care)\b"
    r"|\b(don.?t|do not|doesn.?t|does not|wouldn.?t)\s+(really\s+|much\s+|particularly\s+)?(care|mind|worry|matter)\b"
    r"|\bnot\s+(really\s+|that\s+|too\s+|very\s+|particularly\s+|overly\s+)?(worried|concerned|bothered|scared|afraid)\b"
    r"|\b(no|not a|little|less of a|least of (my|our) )\s*(big deal|worries|worry|concern|concerns|problem)\b"
    r"|\bnot the end of the world\b|\bmeh\b|\bwhatever\b|\bcan.?t happen\b|\bimpossible\b|\bn/a\b",
    re.IGNORECASE,
)
# "Copying our model? Whatever, it's open source." -- a clause that opens by waving off also waves off the one before.
WAVE_OFF = re.compile(r"^(whatever|meh|nah|not really|no|who cares|fine|not a (big )?(worry|concern|problem|deal))\b",
                      re.IGNORECASE)
CLAUSE_SPLIT = re.compile(
    r"[.;!?\n]+|\s+(?:but|whereas|while|although|though|however|except that|what (?:really )?(?:scares|worries|"
    r"keeps) (?:me|us))\s+|\s+[-–—]\s+|,\s*(?:but|though|however|or|and also|and|plus)\s+"
    # "a leak or a competitor copying the model": two worries in one sentence
    r"|\s+(?:or|and) (?=(?:a|an|the|someone|somebody|people|our|their|competitors?|attackers?|hackers?)\b)",
    re.IGNORECASE,
)


class Concern(BaseModel):
    """One kind of worst case, the words that name it, and the threats that cover it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=5, max_length=80)
    patterns: list[str] = Field(min_length=1)
    techniques: list[str] = Field(default_factory=list)
    owasp: list[str] = Field(default_factory=list)
    plot4ai_categories: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list, description="Rules whose threats cover it whatever they cite.")
    sounds_like: list[str] = Field(default_factory=list, description="Plain sentences naming this worry.")
    implies: list[str] = Field(default_factory=list,
                               description="Yes/no facts that naming this worst case implies (set only when unknown).")

    @field_validator("implies")
    @classmethod
    def _facts_exist(cls, value: list[str]) -> list[str]:
        from app.model.facts import FACT_PATHS

        unknown = [p for p in value if p not in FACT_PATHS]
        if unknown:
            raise ValueError(f"unknown fact path(s) {unknown}")
        return value

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
        return value

    def covers(self, techniques: list[str], owasp: list[str], cards: list[str],
               card_categories: dict[str, list[str]], rule_ids: set[str] | None = None) -> bool:
        if rule_ids and rule_ids & set(self.rules):
            return True
        if any(_technique_in(t, self.techniques) for t in techniques):
            return True
        if set(owasp) & set(self.owasp):
            return True
        wanted = set(self.plot4ai_categories)
        return any(wanted & set(card_categories.get(card, [])) for card in cards)

    def covered_by(self, threat: Threat, card_categories: dict[str, list[str]]) -> bool:
        rule_ids = {threat.key.split("|", 1)[0]} | {w.rule_id for w in threat.why_applies if w.rule_id}
        return self.covers(threat.atlas_techniques, threat.owasp_llm, threat.plot4ai_cards, card_categories, rule_ids)


class ConcernFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concerns: list[Concern] = Field(min_length=1)


@dataclass(frozen=True)
class NamedConcern:
    """A concern the user named, with the clause that named it."""

    concern: Concern
    quote: str


def _technique_in(ident: str, listed: list[str]) -> bool:
    return any(ident == entry or ident.startswith(entry + ".") for entry in listed)


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Concern, ...]:
    data = ConcernFile.model_validate(read_yaml(Path(path)) or {})
    return tuple(data.concerns)


def load_concerns(path: Path | None = None) -> tuple[Concern, ...]:
    return _load(str(path or CONCERNS_FILE))


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def clauses(text: str) -> list[str]:
    return [c.strip(" ,:") for c in CLAUSE_SPLIT.split(text[:MAX_TEXT]) if c and c.strip(" ,:")]


def read_concerns(text: str | None, concerns: tuple[Concern, ...] | None = None,
                  classifier: ConcernClassifier | None = None,
                  probability: float = PROBABILITY) -> list[NamedConcern]:
    """The concerns `text` names, in catalogue order; a dismissed clause names nothing.

    A clause names a concern when one of its patterns matches or, with a classifier, when the
    classifier gives the clause (or all kept clauses together) at least `probability`."""
    if not text or not text.strip():
        return []
    catalogue = concerns if concerns is not None else load_concerns()
    parts = clauses(" ".join(text.split()))
    waved = {i - 1 for i, c in enumerate(parts) if i and WAVE_OFF.search(c)}
    kept = [c for i, c in enumerate(parts) if i not in waved and not DISMISSAL.search(c)]
    found: dict[str, NamedConcern] = {}
    matched: list[bool] = []  # per kept clause: did a pattern name something in it?
    for clause in kept:
        hit = False
        for concern in catalogue:
            if any(_compiled(p).search(clause) for p in concern.patterns):
                hit = True
                found.setdefault(concern.id, NamedConcern(concern, clause[:200]))
        matched.append(hit)
    if classifier is not None and kept:
        texts = kept + ([" ".join(kept)] if len(kept) > 1 else [])
        # A clause the patterns already read needs a surer classifier to name a second concern in it
        # ("board minutes about layoffs leaking" is a leak, not downtime).
        read = matched + ([all(matched)] if len(kept) > 1 else [])
        bars = [max(probability, SECOND_READING) if r else probability for r in read]
        by_id = {c.id: c for c in catalogue}
        for ident, row in classifier.named(texts, bars).items():
            if ident in by_id:
                found.setdefault(ident, NamedConcern(by_id[ident], texts[row][:200]))
    return [found[c.id] for c in catalogue if c.id in found]


class ConcernClassifier:
    """Which concerns a piece of text names, learned from labelled example answers."""

    def __init__(self, embed: Embed, concerns: tuple[Concern, ...], examples: list[tuple[str, set[str]]],
                 cache: Path | None = None) -> None:
        from sklearn.linear_model import LogisticRegression

        self.embed = embed
        self.ids = [c.id for c in concerns]
        texts = [t for t, _ in examples] + [line for c in concerns for line in c.sounds_like]
        labels = [set(lab) for _, lab in examples] + [{c.id} for c in concerns for _ in c.sounds_like]
        vectors = _cached_vectors(cache, texts, embed)
        self.models: list[Any] = []
        for ident in self.ids:
            target = [int(ident in lab) for lab in labels]
            if 0 < sum(target) < len(target):
                model = LogisticRegression(C=CLASSIFIER_C, max_iter=2000, class_weight="balanced")
                self.models.append(model.fit(vectors, target))
            else:
                self.models.append(None)

    def probabilities(self, texts: list[str]) -> Any:
        """Rows: texts; columns: concerns in catalogue order."""
        import numpy as np

        vectors = self.embed(texts)
        columns = [m.predict_proba(vectors)[:, 1] if m is not None else np.zeros(len(texts)) for m in self.models]
        return np.stack(columns, axis=1)

    def named(self, texts: list[str], probability: float | list[float] = PROBABILITY) -> dict[str, int]:
        """Concern id -> index of the text that named it most surely, among the texts where it reaches
        `probability` (one bar for all texts, or one per text)."""
        probs = self.probabilities(texts)
        bars = probability if isinstance(probability, list) else [probability] * len(texts)
        out: dict[str, int] = {}
        for column, ident in enumerate(self.ids):
            passing = [(float(probs[row, column]), row) for row in range(len(texts)) if probs[row, column] >= bars[row]]
            if passing:
                out[ident] = max(passing)[1]
        return out


def _cached_vectors(cache: Path | None, texts: list[str], embed: Embed) -> Any:
    """The examples' embeddings, kept in `cache` (a .npy file named by a hash of the texts): a restart then
    costs no embedding. A missing, stale or unreadable cache is simply recomputed."""
    import numpy as np

    if cache is None:
        return embed(texts)
    digest = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:16]
    path = cache / f"concern-examples-{digest}.npy"
    try:
        vectors = np.load(path)
        if vectors.shape[0] == len(texts):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = embed(texts)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    except OSError as exc:
        log.warning("could not keep the worst-case example embeddings (%s)", exc)
    return vectors


def load_examples(path: Path | None = None) -> list[tuple[str, set[str]]]:
    data = read_yaml(path or EXAMPLES_FILE) or []
    return [(str(item["answer"]), {str(c) for c in item.get("concerns") or []}) for item in data]


_CLASSIFIERS: dict[str, ConcernClassifier | None] = {}
_LOCK = threading.Lock()


def default_classifier() -> ConcernClassifier | None:
    """The classifier on the configured local embedding model (built once per process), or None when
    the model or the examples cannot be loaded: the patterns still read the answer."""
    from app.settings import get_settings

    settings = get_settings()
    path = settings.embedding_model_path
    with _LOCK:
        if path not in _CLASSIFIERS:
            cache = settings.workspace / "cache" / hashlib.sha256(path.encode()).hexdigest()[:12]
            try:
                _CLASSIFIERS[path] = ConcernClassifier(model_embedder(path), load_concerns(), load_examples(), cache)
            except Exception as exc:  # a missing model or a broken examples file must not stop the interview
                log.warning("worst-case answers read by patterns only (%s: %s)", exc.__class__.__name__, exc)
                _CLASSIFIERS[path] = None
        return _CLASSIFIERS[path]


def model_embedder(model_path: str) -> Embed:
    """Embeddings from the local sentence model (normalised, so a dot product is the cosine)."""

    def embed(texts: list[str]) -> Any:
        from app.kb.embeddings import load_sentence_model

        model = load_sentence_model(model_path)
        return model.encode(texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)

    return embed


def stated_concerns(profile: SystemProfile) -> list[NamedConcern]:
    """The user's worst cases: those they confirmed, else those read from their objectives answer."""
    text = profile.scope.security_objectives.value
    confirmed = profile.scope.worst_cases
    if confirmed is not None:
        quote = (text or "confirmed by you")[:200]
        return [NamedConcern(c, quote) for c in load_concerns() if c.id in confirmed]
    if not text:
        return []
    return list(_read_once(text, default_classifier()))


@lru_cache(maxsize=256)
def _read_once(text: str, classifier: ConcernClassifier | None) -> tuple[NamedConcern, ...]:
    """The reading of one answer, kept: drafts, every rules pass and every page render ask again, and the
    answer (so its reading) rarely changes."""
    return tuple(read_concerns(text, classifier=classifier))


def with_concerns(threat: Threat, named: list[NamedConcern], card_categories: dict[str, list[str]]) -> Threat:
    """The threat with +2 damage when it covers a worst case the user named (the reason says which)."""
    hits = [n for n in named if n.concern.covered_by(threat, card_categories)]
    if not hits:
        return threat
    values = threat.dread.model_dump(include={"damage", "reproducibility", "exploitability", "affected_users",
                                              "discoverability"})
    before = values["damage"]
    values["damage"] = min(10, before + DAMAGE_DELTA)
    labels = "; ".join(n.concern.label for n in hits[:2])
    reason = f"You named this kind of harm as a worst case ({labels})."
    if values["damage"] == before:  # already at the top: say so, and let it lead among equal scores
        reason = f"You named this kind of harm as a worst case ({labels}); its damage is already rated highest."
    adjustment = DreadAdjustment(dimension="damage", delta=values["damage"] - before, reason=reason[:300],
                                 fact=OBJECTIVES_PATH)
    dread = Dread(**values, adjustments=[*threat.dread.adjustments, adjustment])
    return threat.model_copy(update={"dread": dread})


def card_categories(kb: KnowledgeBase) -> dict[str, list[str]]:
    return {ident: list(card.categories) for ident, card in kb.plot_cards.items()}


def coverage(threats: list[Threat], named: list[NamedConcern],
             card_categories: dict[str, list[str]]) -> list[tuple[NamedConcern, list[Threat]]]:
    """Each named concern with the threats that cover it (possibly none)."""
    return [(n, [t for t in threats if n.concern.covered_by(t, card_categories)]) for n in named]
