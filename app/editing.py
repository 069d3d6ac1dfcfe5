"""User edits of a threat model (status decisions, text, new threats); the rules pass re-runs after each."""

from __future__ import annotations

from app.checks import run_checks
from app.draft.grounding import add_threat_to_model, choose_mitigations, citations
from app.draft.rules import RuleSet
from app.draft.scoring import NEUTRAL, base_scores
from app.kb.loader import KnowledgeBase
from app.model import Dread, Stride, Threat, ThreatModel, ThreatOrigin, ThreatStatus, WhyApplies


class EditError(ValueError):
    """The edit cannot be applied (unknown threat, unknown id, empty text)."""


def _recheck(model: ThreatModel, kb: KnowledgeBase, rules: RuleSet) -> None:
    model.findings = run_checks(model, kb, rules)


def set_status(model: ThreatModel, threat_id: str, status: ThreatStatus, reason: str, kb: KnowledgeBase,
               rules: RuleSet) -> Threat:
    threat = model.threat(threat_id)
    if threat is None:
        raise EditError(f"no threat {threat_id}")
    if status in (ThreatStatus.REJECTED, ThreatStatus.MITIGATED) and not reason.strip():
        raise EditError("please give a reason when rejecting or marking a threat mitigated")
    threat.status = status
    threat.status_reason = reason.strip()[:2000] or None
    _recheck(model, kb, rules)
    return threat


def edit_text(model: ThreatModel, threat_id: str, title: str, description: str, kb: KnowledgeBase,
              rules: RuleSet) -> Threat:
    threat = model.threat(threat_id)
    if threat is None:
        raise EditError(f"no threat {threat_id}")
    if not title.strip():
        raise EditError("the title cannot be empty")
    threat.title = title.strip()[:300]
    threat.description = description.strip()[:8000]
    threat.user_edited = True
    _recheck(model, kb, rules)
    return threat


def add_threat(model: ThreatModel, title: str, description: str, stride: list[Stride], atlas: list[str],
               kb: KnowledgeBase, rules: RuleSet) -> Threat:
    if not title.strip():
        raise EditError("the title cannot be empty")
    unknown = [t for t in atlas if t not in kb.techniques]
    if unknown:
        raise EditError(f"not ATLAS technique ids: {', '.join(unknown)}")
    number = 1
    while model.threat(f"T-USER-{number:02d}") is not None:
        number += 1
    ident = f"T-USER-{number:02d}"
    scores = base_scores(kb, atlas) if atlas else dict(NEUTRAL)
    mitigations = choose_mitigations(kb, atlas, [], [], model.profile)
    threat = Threat(
        id=ident, title=title.strip()[:300], description=description.strip()[:8000],
        stride=stride or [Stride.TAMPERING], atlas_techniques=atlas, dread=Dread(**scores),
        mitigations=mitigations, citations=citations(kb, atlas, [], []),
        why_applies=[WhyApplies(rule_id=None, explanation="Added by the user.")],
        origin=ThreatOrigin.USER, status=ThreatStatus.ACCEPTED, user_edited=True, key=f"USER|{ident}",
    )
    add_threat_to_model(model, threat, kb)
    _recheck(model, kb, rules)
    return threat
