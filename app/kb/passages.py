"""Turn the knowledge base into searchable passages (our prose only) with filterable metadata."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from app.kb.loader import ATLAS_LICENSE, OWN_LICENSE, PLOT4AI_LICENSE, KnowledgeBase

SOURCE_ATLAS = "MITRE ATLAS"
SOURCE_PLOT4AI = "PLOT4ai"
SOURCE_OWASP = "OWASP Top 10 for LLM Applications"
SOURCE_OWN = "ThreatScribe"
OWASP_LICENSE = "CC BY-SA 4.0"

KINDS = ("technique", "tactic", "mitigation", "case_study", "plot4ai_card", "owasp_llm", "stride", "maestro",
         "method_case")


@dataclass
class Passage:
    """One searchable unit of the knowledge base."""

    id: str
    kind: str
    title: str
    text: str
    source: str
    license: str
    score: float = 0.0
    tactics: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    llm_only: bool = False
    # Plain-language phrasings of the entry ("sounds like"): each gets its own vector in the dense
    # index, so a lay query can match one of them even when the main text is written differently.
    phrasings: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        payload = "\x1f".join([self.kind, self.title, self.text, self.source, self.license,
                               ",".join(self.tactics), ",".join(self.categories), str(self.llm_only),
                               "\x1e".join(self.phrasings)])
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    def metadata(self) -> dict[str, str | bool]:
        meta: dict[str, str | bool] = {
            "kind": self.kind, "title": self.title, "source": self.source, "license": self.license,
            "llm_only": self.llm_only, "hash": self.content_hash,
            "tactics": ",".join(self.tactics), "categories": ",".join(self.categories),
        }
        # chromadb filters on scalar metadata: one boolean key per tactic/category.
        for tactic in self.tactics:
            meta[f"tactic_{tactic}"] = True
        for category in self.categories:
            meta[f"category_{category}"] = True
        return meta


def _join(*parts: str | list[str] | None) -> str:
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        out.append(" ".join(part) if isinstance(part, list) else part)
    return "\n".join(" ".join(p.split()) for p in out)


def build_passages(kb: KnowledgeBase) -> list[Passage]:
    """All passages in a stable order."""
    passages: list[Passage] = []
    for tactic in kb.tactics.values():
        text = _join(tactic.prose.summary if tactic.prose else tactic.name)
        passages.append(Passage(tactic.id, "tactic", tactic.name, text, SOURCE_ATLAS, ATLAS_LICENSE,
                                tactics=[tactic.id]))
    for tech in kb.techniques.values():
        name = tech.name
        if tech.parent and tech.parent in kb.techniques:
            name = f"{kb.techniques[tech.parent].name}: {tech.name}"
        prose = tech.prose
        text = _join(prose.summary, prose.for_you, prose.keywords) if prose else name
        passages.append(Passage(tech.id, "technique", name, text, SOURCE_ATLAS, ATLAS_LICENSE,
                                tactics=tech.tactics, llm_only=tech.llm_only,
                                phrasings=list(prose.sounds_like) if prose else []))
    for mit in kb.mitigations.values():
        text = _join(mit.prose.summary, mit.prose.how_to, mit.prose.keywords) if mit.prose else mit.name
        passages.append(Passage(mit.id, "mitigation", mit.name, text, SOURCE_ATLAS, ATLAS_LICENSE,
                                categories=[mit.category] if mit.category else []))
    for cs in kb.case_studies.values():
        text = _join(cs.prose.story, cs.prose.lesson) if cs.prose else cs.name
        passages.append(Passage(cs.id, "case_study", cs.name, text, SOURCE_ATLAS, ATLAS_LICENSE))
    for card in kb.plot_cards.values():
        p = card.prose
        text = _join(p.question, p.summary, p.recommendations, p.keywords) if p else card.label
        passages.append(Passage(card.id, "plot4ai_card", card.label, text, SOURCE_PLOT4AI, PLOT4AI_LICENSE,
                                categories=card.categories))
    for entry in kb.owasp.values():
        text = _join(entry.summary, entry.for_you, entry.how_to, entry.keywords)
        passages.append(Passage(entry.id, "owasp_llm", entry.name, text, SOURCE_OWASP, OWASP_LICENSE,
                                llm_only=True))
    for stride in kb.stride.values():
        text = _join(stride.summary, stride.in_ai_systems)
        passages.append(Passage(f"STRIDE-{stride.id.value}", "stride", stride.name, text, SOURCE_OWN, OWN_LICENSE))
    for layer in kb.maestro.values():
        text = _join(layer.summary, layer.typical_threats)
        passages.append(Passage(layer.id, "maestro", layer.name, text, SOURCE_OWN, OWN_LICENSE))
    for case in kb.method_cases.values():
        text = _join(case.story, case.lesson, case.keywords)
        passages.append(Passage(case.id, "method_case", case.name, text, SOURCE_OWN, OWN_LICENSE))
    return passages
