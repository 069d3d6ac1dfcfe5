"""Re-drafting keeps the user's decisions: status and reason, edited text, and threats they added."""

from __future__ import annotations

from app.model import ThreatModel, ThreatOrigin


def carry_decisions(previous: ThreatModel, fresh: ThreatModel) -> ThreatModel:
    """Copy decisions on threats that still exist onto `fresh`, and keep user-added threats."""
    old = {t.id: t for t in previous.threats}
    for threat in fresh.threats:
        before = old.get(threat.id)
        if before is None:
            continue
        threat.status = before.status
        threat.status_reason = before.status_reason
        if before.user_edited:
            threat.title, threat.description, threat.user_edited = before.title, before.description, True
    present = {t.id for t in fresh.threats}
    for threat in previous.threats:
        if threat.origin is ThreatOrigin.USER and threat.id not in present:
            fresh.threats.append(threat.model_copy(deep=True))
            for mit_id in threat.mitigations:
                mitigation = fresh.mitigation(mit_id) or previous.mitigation(mit_id)
                if mitigation is not None and fresh.mitigation(mit_id) is None:
                    fresh.mitigations.append(mitigation.model_copy(deep=True))
    fresh.created_at = previous.created_at
    return fresh
