"""What the LLM is asked to do, and the pydantic contracts its replies must satisfy.

The contracts are the guard: an LLM fact must quote the user's own words, a tailored threat may only
use ids from the fired/retrieved set, an explanation may only cite the passages it was given.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.interview.extract import CONFIDENCE_STATED, FactUpdate
from app.kb.loader import KnowledgeBase
from app.llm_call import LLMRunner
from app.model import FACT_PATHS, FactState, Stride, SystemProfile, Threat, ThreatModel, ThreatOrigin, WhyApplies
from app.model.facts import fact_description
from app.model.threat_model import reject_outside_context
from app.prompts import get_prompts


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


class LLMFact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    state: Literal["yes", "no", "unknown"]
    quote: str = Field(min_length=1, max_length=400)

    @field_validator("path")
    @classmethod
    def _known_path(cls, value: str) -> str:
        if value not in FACT_PATHS:
            raise ValueError(f"{value!r} is not an allowed fact path")
        return value

    @field_validator("quote")
    @classmethod
    def _quoted(cls, value: str, info: ValidationInfo) -> str:
        answer = (info.context or {}).get("answer")
        if answer is not None and _norm(value) not in _norm(answer):
            raise ValueError("quote must be copied word for word from the user's answer")
        return value


class FactExtraction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: list[LLMFact] = Field(default_factory=list)
    not_enough_information: bool = False


class Rewrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    description: str = Field(min_length=10, max_length=2000)

    @field_validator("id")
    @classmethod
    def _existing(cls, value: str, info: ValidationInfo) -> str:
        ids = (info.context or {}).get("threat_ids")
        if ids is not None and value not in ids:
            raise ValueError(f"{value!r} is not a threat in the model")
        return value


class ExtraThreat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=5, max_length=160)
    description: str = Field(min_length=10, max_length=2000)
    stride: list[Stride] = Field(min_length=1)
    atlas_techniques: list[str] = Field(default_factory=list)
    owasp_llm: list[str] = Field(default_factory=list)
    plot4ai_cards: list[str] = Field(default_factory=list)
    reason: str = Field(default="", max_length=1000)

    @field_validator("atlas_techniques", "owasp_llm", "plot4ai_cards")
    @classmethod
    def _allowed(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return reject_outside_context(value, info, "allowed", "ids not in the allowed list")


class DraftTailoring(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rewrites: list[Rewrite] = Field(default_factory=list)
    extra_threats: list[ExtraThreat] = Field(default_factory=list, max_length=3)


class GroundedAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=6000)
    cited_ids: list[str] = Field(default_factory=list)
    not_enough_information: bool = False

    @field_validator("cited_ids")
    @classmethod
    def _cited(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return reject_outside_context(value, info, "allowed", "cited ids not among the passages")


# -- tasks ---------------------------------------------------------------------------------------
def llm_extract(runner: LLMRunner, answer: str, asked: list[str]) -> list[FactUpdate]:
    """Facts the LLM reads in one answer (each tied to the user's exact words)."""
    catalogue = "\n".join(f"- {p}: {fact_description(p)}" for p in FACT_PATHS)
    system, user = get_prompts()["extract_facts"].render(
        fact_catalogue=catalogue, asked=", ".join(asked) or "(the opening description)", answer=answer[:8000])
    result = runner.structured("extract_facts", system, user, FactExtraction, context={"answer": answer})
    return [FactUpdate(f.path, FactState(f.state), CONFIDENCE_STATED if f.state != "unknown" else 0.0, f.quote,
                       "stated" if f.state != "unknown" else "unknown") for f in result.facts]


def allowed_ids_for(model: ThreatModel, kb: KnowledgeBase, retrieved: list[str]) -> set[str]:
    fired = {i for t in model.threats for i in t.atlas_techniques + t.plot4ai_cards + t.owasp_llm}
    return {i for i in fired | set(retrieved) if kb.exists(i)}


def llm_tailor(runner: LLMRunner, model: ThreatModel, kb: KnowledgeBase, retrieved: list[str]) -> list[str]:
    """Rewrite descriptions and add validated extra threats in place; returns the added threat ids."""
    from app.concerns import card_categories, stated_concerns, with_concerns
    from app.draft.grounding import add_threat_to_model, choose_mitigations, citations
    from app.draft.scoring import NEUTRAL, base_scores
    from app.model import Dread

    named, categories = stated_concerns(model.profile), card_categories(kb)

    allowed = allowed_ids_for(model, kb, retrieved)
    listing = "\n".join(f"{t.id} | {t.title} | {t.description[:300]}" for t in model.threats[:40])
    system, user = get_prompts()["tailor_draft"].render(
        system_summary=system_summary(model.profile), threats=listing, allowed_ids=", ".join(sorted(allowed)))
    result = runner.structured("tailor_draft", system, user, DraftTailoring,
                               context={"allowed": allowed, "threat_ids": {t.id for t in model.threats}})
    for rewrite in result.rewrites:
        threat = model.threat(rewrite.id)
        if threat is not None and not threat.user_edited:
            threat.description = rewrite.description
    added: list[str] = []
    for number, extra in enumerate(result.extra_threats, 1):
        ident = f"T-LLM-{number:02d}"
        while model.threat(ident) is not None:
            number += 10
            ident = f"T-LLM-{number:02d}"
        scores = base_scores(kb, extra.atlas_techniques) if extra.atlas_techniques else dict(NEUTRAL)
        mitigations = choose_mitigations(kb, extra.atlas_techniques, extra.plot4ai_cards, extra.owasp_llm,
                                         model.profile)
        threat = Threat(
            id=ident, title=extra.title, description=extra.description, stride=extra.stride,
            atlas_techniques=extra.atlas_techniques, plot4ai_cards=extra.plot4ai_cards, owasp_llm=extra.owasp_llm,
            dread=Dread(**scores), mitigations=mitigations,
            citations=citations(kb, extra.atlas_techniques, extra.plot4ai_cards, extra.owasp_llm),
            why_applies=[WhyApplies(rule_id=None, explanation=f"Proposed by the language model: {extra.reason}")],
            origin=ThreatOrigin.LLM, key=f"LLM|{extra.title}",
        )
        threat = with_concerns(threat, named, categories)  # a worst case the user named counts here too
        add_threat_to_model(model, threat, kb)
        added.append(ident)
    return added


def llm_explain(runner: LLMRunner, question: str, passages: list[dict[str, Any]], profile: SystemProfile | None
                ) -> GroundedAnswer:
    text = "\n\n".join(f"[{p['id']}] {p['title']} ({p['source']}, {p['license']})\n{p['text']}" for p in passages)
    ids = [p["id"] for p in passages]
    system, user = get_prompts()["explain"].render(
        question=question[:1000], system_summary=system_summary(profile) if profile else "(not described)",
        passages=text, passage_ids=", ".join(ids))
    return runner.structured("explain", system, user, GroundedAnswer, context={"allowed": set(ids)})


def system_summary(profile: SystemProfile) -> str:
    from app.model import get_fact

    yes = [fact_description(p) for p in FACT_PATHS if get_fact(profile, p).state is FactState.YES]
    purpose = profile.scope.purpose.value or profile.description[:300]
    return f"{profile.name}: {purpose}\nKnown traits: " + "; ".join(yes[:40])
