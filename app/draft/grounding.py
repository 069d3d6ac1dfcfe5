"""Grounding a threat in the knowledge base: which mitigations, which citations and real cases."""

from __future__ import annotations

from app.kb.loader import KnowledgeBase
from app.kb.passages import SOURCE_ATLAS, SOURCE_OWASP, SOURCE_OWN, SOURCE_PLOT4AI
from app.model import Citation, FactState, Mitigation, MitigationSource, SystemProfile, Threat, ThreatModel, get_fact

MAX_MITIGATIONS = 4
# Controls a team can only apply to a model it trains itself: hardening, ensembles, cleaning training data,
# alignment fine-tuning, dataset provenance. Offered to a team that uses a vendor's or a downloaded model
# as is, they are advice it cannot act on.
NEEDS_OWN_TRAINING = frozenset({"AML.M0003", "AML.M0006", "AML.M0007", "AML.M0022", "AML.M0025"})
# Controls that fit only threats built on particular techniques (ATLAS links deepfake detection to
# phishing in general; it helps only where the lure is a generated face or voice).
ONLY_FOR_TECHNIQUES = {"AML.M0034": frozenset({"AML.T0088"})}
# Facts that mean the team itself trains or updates a model.
TRAINS_ITS_OWN = ("model.origin_in_house", "model.origin_fine_tuned_open_weights", "data.retraining",
                  "data.feedback_loop", "data.source_user_provided")
USES_OTHERS_MODEL = ("model.origin_third_party_api", "model.origin_downloaded_pretrained")


def trains_nothing(profile: SystemProfile | None) -> bool:
    """The team uses someone else's model as it is: a vendor's API or a downloaded model, nothing trained."""
    if profile is None:
        return False
    states = {p: get_fact(profile, p).state for p in TRAINS_ITS_OWN + USES_OTHERS_MODEL}
    return (any(states[p] is FactState.YES for p in USES_OTHERS_MODEL)
            and all(states[p] is not FactState.YES for p in TRAINS_ITS_OWN))


def _fits(mitigation: str, techniques: list[str], own_training: bool) -> bool:
    if mitigation in NEEDS_OWN_TRAINING and not own_training:
        return False
    needed = ONLY_FOR_TECHNIQUES.get(mitigation)
    return needed is None or bool(needed & set(techniques))


def choose_mitigations(kb: KnowledgeBase, techniques: list[str], cards: list[str], owasp: list[str],
                       profile: SystemProfile | None = None) -> list[str]:
    """ATLAS mitigations covering most of the threat's techniques, then PLOT4ai cards, then OWASP; without
    controls the system's team cannot apply (see NEEDS_OWN_TRAINING, ONLY_FOR_TECHNIQUES)."""
    own_training = not trains_nothing(profile)
    counts: dict[str, int] = {}
    for tech_id in techniques:
        family = {tech_id, kb.technique_family(tech_id)}
        for member in family:
            for mit in kb.techniques[member].mitigations if member in kb.techniques else []:
                if _fits(mit, techniques, own_training):
                    counts[mit] = counts.get(mit, 0) + (2 if member == tech_id else 1)
    chosen = sorted(counts, key=lambda m: (-counts[m], m))[:MAX_MITIGATIONS]
    chosen += [c for c in cards if c in kb.plot_cards][:2]
    if not chosen:
        related = [c.id for c in kb.plot_cards.values() if c.prose and set(c.prose.related_atlas) & set(techniques)]
        chosen += related[:2]
    if not chosen:
        chosen += [o for o in owasp if o in kb.owasp][:1]
    return chosen


def citations(kb: KnowledgeBase, techniques: list[str], cards: list[str], owasp: list[str]) -> list[Citation]:
    out: list[Citation] = []
    for tech_id in techniques:
        tech = kb.techniques[tech_id]
        out.append(Citation(passage_id=tech_id, title=tech.name, source=SOURCE_ATLAS, license="Apache-2.0"))
    seen_cases: set[str] = set()
    for tech_id in techniques:
        studies = sorted(kb.techniques[tech_id].case_studies,
                         key=lambda c: (kb.case_studies[c].type != "incident", c))
        for case_id in studies[:2]:
            if case_id not in seen_cases and len(seen_cases) < 3:
                seen_cases.add(case_id)
                out.append(Citation(passage_id=case_id, title=kb.case_studies[case_id].name, source=SOURCE_ATLAS,
                                    license="Apache-2.0", kind="case_study"))
    for case in kb.method_cases.values():
        if set(case.related_atlas) & set(techniques):
            out.append(Citation(passage_id=case.id, title=case.name, source=SOURCE_OWN, license="Apache-2.0",
                                kind="method_case"))
    for card_id in cards:
        if card_id in kb.plot_cards:
            out.append(Citation(passage_id=card_id, title=kb.plot_cards[card_id].label, source=SOURCE_PLOT4AI,
                                license="CC BY-SA 4.0", kind="plot4ai_card"))
    for owasp_id in owasp:
        if owasp_id in kb.owasp:
            out.append(Citation(passage_id=owasp_id, title=kb.owasp[owasp_id].name, source=SOURCE_OWASP,
                                license="CC BY-SA 4.0", kind="owasp_llm"))
    return out


def mitigation_entry(mit_id: str, kb: KnowledgeBase) -> Mitigation:
    if mit_id in kb.mitigations:
        mit = kb.mitigations[mit_id]
        return Mitigation(id=mit_id, title=mit.name, description=mit.prose.summary if mit.prose else "",
                          how_to=list(mit.prose.how_to) if mit.prose else [], source=MitigationSource.ATLAS)
    if mit_id in kb.plot_cards:
        card = kb.plot_cards[mit_id]
        return Mitigation(id=mit_id, title=f"PLOT4ai: {card.label}",
                          description=card.prose.summary if card.prose else "",
                          how_to=list(card.prose.recommendations) if card.prose else [],
                          source=MitigationSource.PLOT4AI)
    entry = kb.owasp[mit_id]
    return Mitigation(id=mit_id, title=f"OWASP {mit_id}: {entry.name}", description=entry.summary,
                      how_to=list(entry.how_to), source=MitigationSource.OWASP)


def add_threat_to_model(model: ThreatModel, threat: Threat, kb: KnowledgeBase) -> None:
    """Append a threat and link its mitigations both ways, creating mitigation entries as needed."""
    model.threats.append(threat)
    for mit_id in threat.mitigations:
        mitigation = model.mitigation(mit_id)
        if mitigation is None:
            mitigation = mitigation_entry(mit_id, kb)
            model.mitigations.append(mitigation)
        if threat.id not in mitigation.threats:
            mitigation.threats.append(threat.id)
