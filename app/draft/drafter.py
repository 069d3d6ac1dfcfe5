"""From facts to a threat model: fired rules + knowledge-base grounding + PLOT4ai answers,
deduplicated, explained, mitigated and scored. Deterministic; an LLM may only add and reword later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.concerns import NamedConcern, card_categories, stated_concerns, with_concerns
from app.conditions import Match
from app.draft.grounding import choose_mitigations, citations, mitigation_entry, trains_nothing
from app.draft.rules import FiredRule, RuleSet, ThreatTemplate
from app.draft.scoring import score
from app.draft.system import assets_for, build_system
from app.draft.unknowns import assumptions, open_questions
from app.interview.questions import QuestionBank
from app.kb.loader import KnowledgeBase
from app.model import (
    FACT_PATHS,
    FactReference,
    FactState,
    Mitigation,
    Stride,
    SystemProfile,
    Threat,
    ThreatModel,
    ThreatOrigin,
    WhyApplies,
    get_fact,
)
from app.model.facts import best_evidence

if TYPE_CHECKING:
    from app.kb.index import KnowledgeIndex

LLM_FACTS = ("model.kind_llm_chat", "model.kind_agent")
STAGING_ONLY_TACTICS = {"AML.TA0002", "AML.TA0003", "AML.TA0008", "AML.TA0000", "AML.TA0014"}
CATEGORY_STRIDE = {
    "Data & Data Governance": Stride.TAMPERING,
    "Transparency & Accessibility": Stride.REPUDIATION,
    "Privacy & Data Protection": Stride.INFORMATION_DISCLOSURE,
    "Cybersecurity": Stride.TAMPERING,
    "Safety & Environmental Impact": Stride.DENIAL_OF_SERVICE,
    "Bias, Fairness & Discrimination": Stride.REPUDIATION,
    "Ethics & Human Rights": Stride.REPUDIATION,
    "Accountability & Human Oversight": Stride.REPUDIATION,
}
MAX_RETRIEVED = 2
# Focus: proposed (not required) threats join only while the model stays under this many distinct
# ATLAS techniques; required threats are never dropped.
TECHNIQUE_BUDGET = 25


def is_llm_system(profile: SystemProfile) -> bool:
    return any(get_fact(profile, p).state is FactState.YES for p in LLM_FACTS)


@dataclass
class Candidate:
    key: str
    template: ThreatTemplate
    origin: ThreatOrigin
    why: list[WhyApplies] = field(default_factory=list)
    assumed: bool = False
    level: str = "required"


def fact_references(profile: SystemProfile, matches: list[Match]) -> list[FactReference]:
    refs: list[FactReference] = []
    seen: set[str] = set()
    for match in matches:
        if match.path in seen:  # a fact matched in two branches of a condition is one piece of evidence
            continue
        seen.add(match.path)
        fact = get_fact(profile, match.path)
        evidence = best_evidence(fact.provenance)
        quote = evidence.quote if evidence else None
        turn = evidence.turn if evidence else None
        refs.append(FactReference(path=match.path, state=match.state, quote=quote, turn=turn, assumed=match.assumed))
    return refs


def draft_model(
    profile: SystemProfile,
    kb: KnowledgeBase,
    rules: RuleSet,
    *,
    bank: QuestionBank | None = None,
    index: KnowledgeIndex | None = None,
    plot4ai_answers: dict[str, FactState] | None = None,
    now: dt.datetime | None = None,
    title: str | None = None,
) -> ThreatModel:
    """The deterministic draft. Same facts in, same model out (timestamps aside)."""
    llm_system = is_llm_system(profile)
    candidates = _from_rules(profile, rules.fire(profile), llm_system, kb)
    candidates += _from_plot4ai(kb, plot4ai_answers or {})
    if index is not None:
        candidates += _from_retrieval(profile, kb, index, candidates, llm_system)
    named = stated_concerns(profile)
    categories = card_categories(kb)
    def adjusted_risk(c: Candidate) -> float:
        techniques = [t for t in c.template.atlas if t in kb.techniques]
        return score(kb, profile, techniques, c.template.stride, c.template.assets, rules.dread_adjustments,
                     c.template.dread).score

    merged = _focus(_merge(candidates, kb), kb, named, categories, adjusted_risk)
    picture = build_system(profile)
    threats: list[Threat] = []
    mitigations: dict[str, Mitigation] = {}
    for cand in merged:
        threat = with_concerns(_threat(cand, profile, kb, rules, picture.asset_components), named, categories)
        for mit_id in threat.mitigations:
            mitigation = mitigations.get(mit_id) or mitigation_entry(mit_id, kb)
            if threat.id not in mitigation.threats:
                mitigation.threats.append(threat.id)
            mitigations[mit_id] = mitigation
        threats.append(threat)
    used_assets = sorted({a for t in threats for a in [x.removeprefix("asset-") for x in t.affected_assets]}
                         | set(picture.asset_components))
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    model = ThreatModel(
        title=title or f"Threat model: {profile.name}",
        kb_versions=kb.versions,
        created_at=stamp,
        updated_at=stamp,
        profile=profile.model_copy(deep=True),
        assets=assets_for(used_assets),
        components=picture.components,
        trust_boundaries=picture.boundaries,
        data_flows=picture.flows,
        threats=sorted(threats, key=lambda t: (-t.dread.score, t.id)),
        mitigations=sorted(mitigations.values(), key=lambda m: m.id),
        assumptions=assumptions(merged, profile, rules),
        open_questions=open_questions(profile, bank),
    )
    return model


# -- candidates ----------------------------------------------------------------------------------
def _from_rules(profile: SystemProfile, fired: list[FiredRule], llm_system: bool,
                kb: KnowledgeBase | None = None) -> list[Candidate]:
    out: list[Candidate] = []
    for item in fired:
        template = item.rule.threat
        if template.llm_only and not llm_system:
            continue
        if kb is not None and template.atlas:
            # Attacker preparation (reconnaissance, resource development, discovery, model access) is context,
            # not a threat the system owner can act on: keep the techniques that happen to the system.
            acting = [t for t in template.atlas if t not in kb.techniques
                      or not set(kb.techniques[t].tactics) <= STAGING_ONLY_TACTICS]
            if acting and acting != template.atlas:
                template = template.model_copy(update={"atlas": acting})
        if not llm_system and kb is not None and template.atlas:
            # A system without an LLM gets no LLM-only techniques, whatever rule proposed them.
            kept = [t for t in template.atlas if not (t in kb.techniques and kb.techniques[t].llm_only)]
            if not kept:
                continue
            template = template.model_copy(update={"atlas": kept})
        why = WhyApplies(rule_id=item.rule.id, facts=fact_references(profile, item.matches),
                         explanation=item.rule.why)
        out.append(Candidate(item.rule.id, template, ThreatOrigin.RULES, [why], item.assumed, item.rule.level))
    return out


def _from_plot4ai(kb: KnowledgeBase, answers: dict[str, FactState]) -> list[Candidate]:
    out: list[Candidate] = []
    for card_id, answer in sorted(answers.items()):
        card = kb.plot_cards.get(card_id)
        if card is None or card.prose is None or answer is FactState.UNKNOWN:
            continue
        if answer.value != card.threatif.lower():
            continue
        template = ThreatTemplate(
            title=f"{card.label} (PLOT4ai)",
            description=card.prose.summary,
            atlas=[t for t in card.prose.related_atlas if t in kb.techniques],
            plot4ai=[card.id],
            stride=[CATEGORY_STRIDE.get(card.category, Stride.TAMPERING)],
            assets=["affected_people"] if card.category != "Cybersecurity" else ["model_behaviour"],
        )
        why = WhyApplies(rule_id=None, explanation=f"You answered “{answer.value}” to: {card.prose.question}")
        out.append(Candidate(f"P4AI|{card.id}", template, ThreatOrigin.USER, [why]))
    return out


def _covered_families(candidates: list[Candidate], kb: KnowledgeBase) -> set[str]:
    return {kb.technique_family(t) for c in candidates for t in c.template.atlas}


def _from_retrieval(profile: SystemProfile, kb: KnowledgeBase, index: KnowledgeIndex,
                    candidates: list[Candidate], llm_system: bool) -> list[Candidate]:
    """Techniques the knowledge base finds for the description whose own signs the facts confirm."""
    from app.kb.index import SearchFilter

    query = " ".join(filter(None, [profile.description[:2000], profile.scope.purpose.value or ""]))
    if not query.strip():
        return []
    covered = _covered_families(candidates, kb)
    flt = SearchFilter(kinds=("technique",), llm_only=None if llm_system else False)
    out: list[Candidate] = []
    for passage in index.search(query, k=12, flt=flt):
        tech = kb.techniques.get(passage.id)
        if tech is None or tech.prose is None or kb.technique_family(tech.id) in covered:
            continue
        if set(tech.tactics) <= STAGING_ONLY_TACTICS:
            continue
        confirmed = [s for s in tech.prose.signs if _sign_holds(profile, s)]
        contradicted = [s for s in tech.prose.signs if _sign_contradicted(profile, s)]
        if len(confirmed) < 3 or contradicted:
            continue
        matches = [Match(s.split("=")[0], get_fact(profile, s.split("=")[0]).state, False) for s in confirmed]
        template = ThreatTemplate(
            title=tech.name if not tech.parent else f"{kb.techniques[tech.parent].name}: {tech.name}",
            description=tech.prose.for_you,
            atlas=[tech.id],
            owasp=[o for o in tech.prose.owasp_llm if o in kb.owasp],
            stride=tech.prose.stride,
            assets=["model_behaviour"],
            llm_only=tech.prose.llm_only,
        )
        why = WhyApplies(rule_id=None, facts=fact_references(profile, matches),
                         explanation="The knowledge base matched your description to this technique, and "
                                     "your answers confirm the conditions it needs.")
        out.append(Candidate(f"KB|{tech.id}", template, ThreatOrigin.RETRIEVAL, [why], level="proposed"))
        covered.add(kb.technique_family(tech.id))
        if len(out) >= MAX_RETRIEVED:
            break
    return out


def _sign_holds(profile: SystemProfile, sign: str) -> bool:
    path, _, wanted = sign.partition("=")
    return path in FACT_PATHS and get_fact(profile, path).state.value == wanted


def _sign_contradicted(profile: SystemProfile, sign: str) -> bool:
    path, _, wanted = sign.partition("=")
    state = get_fact(profile, path).state if path in FACT_PATHS else FactState.UNKNOWN
    return state is not FactState.UNKNOWN and state.value != wanted


def _merge(candidates: list[Candidate], kb: KnowledgeBase) -> list[Candidate]:
    """Same techniques on the same asset are one threat, whichever rules found it."""
    merged: dict[tuple[frozenset[str], str], Candidate] = {}
    order: list[tuple[frozenset[str], str]] = []
    for cand in candidates:
        families = frozenset(kb.technique_family(t) for t in cand.template.atlas) or frozenset({cand.key})
        key = (families, cand.template.assets[0])
        if key in merged:
            first = merged[key]
            first.why += cand.why
            first.template = first.template.model_copy(update={
                "plot4ai": list(dict.fromkeys(first.template.plot4ai + cand.template.plot4ai)),
                "owasp": list(dict.fromkeys(first.template.owasp + cand.template.owasp)),
                "stride": list(dict.fromkeys(first.template.stride + cand.template.stride)),
                "atlas": list(dict.fromkeys(first.template.atlas + cand.template.atlas)),
            })
            first.assumed = first.assumed and cand.assumed
        else:
            merged[key] = cand
            order.append(key)
    return [merged[k] for k in order]


def _focus(candidates: list[Candidate], kb: KnowledgeBase, named: list[NamedConcern] | None = None,
           categories: dict[str, list[str]] | None = None,
           risk_of: Callable[[Candidate], float] | None = None) -> list[Candidate]:
    """All required threats; proposed ones by descending default risk while the budget allows
    (among firm ones, those covering a worst case the user named come first)."""
    required = [c for c in candidates if c.level == "required"]
    proposed = [c for c in candidates if c.level != "required"]
    used = {t for c in required for t in c.template.atlas}
    if len(used) > TECHNIQUE_BUDGET:
        # Over budget on required threats alone: threats that rest on assumptions keep only their
        # main technique (weakest evidence first) until the model is back within the budget.
        for cand in sorted((c for c in required if c.assumed), key=lambda c: c.key):
            cand.template = cand.template.model_copy(update={"atlas": cand.template.atlas[:1]})
            used = {t for c in required for t in c.template.atlas}
            if len(used) <= TECHNIQUE_BUDGET:
                break

    def risk(c: Candidate) -> float:
        if risk_of is not None:  # the score the user will see, with the facts' adjustments
            return -risk_of(c)
        tech = next((kb.techniques[t] for t in c.template.atlas if t in kb.techniques), None)
        return -(sum(tech.dread.model_dump().values()) if tech else 25)

    def covers(c: Candidate, item: NamedConcern) -> bool:
        t = c.template
        rule_ids = {c.key.split("|", 1)[0]} | {w.rule_id for w in c.why if w.rule_id}
        return item.concern.covers(t.atlas, t.owasp, t.plot4ai, categories or {}, rule_ids)

    def named_worry(c: Candidate) -> bool:
        return any(covers(c, n) for n in named or [])

    kept: list[Candidate] = []
    # Firm evidence before assumptions, the user's named worst cases first, then the riskier first.
    ordered = sorted(proposed, key=lambda c: (c.assumed, not named_worry(c), c.origin is ThreatOrigin.RETRIEVAL,
                                              risk(c), c.key))
    for cand in ordered:
        new = [t for t in cand.template.atlas if t not in used]
        room = TECHNIQUE_BUDGET - len(used)
        if len(new) > room > 0:
            # Only part of the threat's techniques fit: keep the threat with its leading techniques
            # (a template lists its main technique first) rather than lose it altogether.
            fits = set(new[:room])
            cand.template = cand.template.model_copy(
                update={"atlas": [t for t in cand.template.atlas if t in used or t in fits]})
            new = new[:room]
        if len(used) + len(new) <= TECHNIQUE_BUDGET or not new:
            kept.append(cand)
            used |= set(new)
    # A worst case the user named keeps its riskiest covering threat even past the budget: the budget
    # is there to keep the model focused, and the user just said where the focus belongs.
    for item in named or []:
        if not any(covers(c, item) for c in required + kept):
            extra = next((c for c in ordered if c not in kept and covers(c, item)), None)
            if extra is not None:
                kept.append(extra)
    chosen = {id(c) for c in required + kept}
    return [c for c in candidates if id(c) in chosen]


# -- threats -------------------------------------------------------------------------------------
def threat_id(key: str) -> str:
    if key.startswith("R-"):
        return "T-" + key[2:]
    if key.startswith("P4AI|"):
        return "T-" + key.split("|", 1)[1]
    if key.startswith("KB|"):
        return "T-KB-" + key.split("|", 1)[1].replace("AML.", "")
    return "T-" + key


def own_assets(assets: list[str], profile: SystemProfile) -> list[str]:
    """The template's assets, without "Training data" for a team that trains nothing (a vendor's API or a
    model used as downloaded): a breach of its stores cannot take training data it never had."""
    if trains_nothing(profile) and len(assets) > 1:
        return [a for a in assets if a != "training_data"]
    return list(assets)


def _threat(cand: Candidate, profile: SystemProfile, kb: KnowledgeBase, rules: RuleSet,
            asset_components: dict[str, list[str]]) -> Threat:
    template = cand.template
    techniques = [t for t in template.atlas if t in kb.techniques]
    system = profile.name if profile.name != "Untitled AI system" else "your system"
    facts_said = list(dict.fromkeys(f"“{ref.quote}”" for why in cand.why for ref in why.facts if ref.quote))[:3]
    description = template.description.strip()
    if facts_said:
        description += f" This applies to {system} because you told us: {'; '.join(facts_said)}."
    assets = own_assets(template.assets, profile)
    components = sorted({c for a in assets for c in asset_components.get(a, [])})
    return Threat(
        id=threat_id(cand.key),
        title=template.title,
        description=description,
        stride=template.stride,
        atlas_techniques=techniques,
        plot4ai_cards=[c for c in template.plot4ai if c in kb.plot_cards],
        owasp_llm=[o for o in template.owasp if o in kb.owasp],
        maestro_layer=template.maestro,
        affected_assets=[f"asset-{a}" for a in assets],
        affected_components=components,
        dread=score(kb, profile, techniques, template.stride, template.assets, rules.dread_adjustments,
                    template.dread),
        mitigations=choose_mitigations(kb, techniques, template.plot4ai, template.owasp, profile),
        citations=citations(kb, techniques, template.plot4ai, template.owasp),
        why_applies=cand.why,
        origin=cand.origin,
        assumption=cand.assumed,
        key=cand.key,
    )
