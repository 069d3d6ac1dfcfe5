"""AWS Threat Composer export: threats in its threat grammar, mitigations linked."""

from __future__ import annotations

import re
from typing import Any

from app.export.tools import (
    SEVERITY,
    STATUS,
    STRIDE_GOALS,
    STRIDE_LETTERS,
    THREAT_SOURCES,
    _clip,
    _components,
    _dumps,
    _flows,
    _join,
    _refs,
    _uid,
    threat_mitigations,
    threat_targets,
)
from app.model import Component, Mitigation, Threat, ThreatModel


def _lower_first(text: str) -> str:
    """Lower-case a sentence's first letter so it reads mid-sentence, leaving acronyms such as API alone."""
    word = text.split(" ", 1)[0]
    return text if len(word) > 1 and word[:2].isupper() else text[:1].lower() + text[1:]


def threat_statement(parts: dict[str, Any]) -> str:
    """The statement as Threat Composer renders its grammar, for whichever optional parts are present."""
    source = parts["threatSource"]
    vowel = source[:1].lower() in "aeiou" and not source.lower().startswith(("us", "uni", "eu", "one"))
    text = f"{'An' if vowel else 'A'} {source} {parts.get('prerequisites', '')} can {parts['threatAction']}"
    if parts.get("threatImpact"):
        text += f", which leads to {parts['threatImpact']}"
    goals, assets = _join(parts["impactedGoal"], "and/or"), _join(parts["impactedAssets"], "and")
    if goals and assets:
        text += f", resulting in reduced {goals} of {assets}"
    elif goals:
        text += f", resulting in reduced {goals}"
    elif assets:
        text += f", negatively impacting {assets}"
    return _clip(re.sub(r"\s\s+", " ", text).replace(" ,", ","), 1400)


def _tc_grammar(model: ThreatModel, threat: Threat, components: list[Component]) -> dict[str, Any]:
    names = {c.id: c.name for c in components}
    targets = [names[t] for t in threat_targets(model, threat, components)]
    asset_names = {a.id: a.name for a in model.assets}
    assets = [asset_names[a] for a in threat.affected_assets if a in asset_names] or targets
    sentence = re.split(r"(?<=[.!?])\s+", threat.description.strip(), maxsplit=1)[0].rstrip(".!? ")
    parts: dict[str, Any] = {
        "threatSource": THREAT_SOURCES.get(threat.stride[0], "threat actor"),
        "prerequisites": _clip(f"targeting {_join(targets, 'and')}", 200) if targets else "",
        "threatAction": _clip(f"cause “{threat.title}”", 200),
        "threatImpact": _clip(_lower_first(sentence), 200) if sentence else "",
        "impactedGoal": list(dict.fromkeys(STRIDE_GOALS[s] for s in threat.stride)),
        "impactedAssets": [_clip(a, 200) for a in assets],
    }
    return {key: value for key, value in parts.items() if value or key.startswith("impacted")}


def _tc_metadata(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": value} for key, value in values.items() if value]


def _tc_tags(values: list[str]) -> list[str]:
    return list(dict.fromkeys(_clip(v, 30) for v in values if v.strip()))


def _tc_threat(model: ThreatModel, threat: Threat, number: int, components: list[Component]) -> dict[str, Any]:
    parts = _tc_grammar(model, threat, components)
    values: dict[str, Any] = {
        "STRIDE": list(dict.fromkeys(STRIDE_LETTERS[s] for s in threat.stride)),
        "Priority": SEVERITY[threat.dread.risk.value], "Comments": _clip(threat.description or threat.title, 1000),
        "custom:threatscribeId": threat.id, "custom:dread": f"{threat.dread.score}/10 ({threat.dread.risk.value})",
        "custom:threatscribeStatus": threat.status.value, "custom:statusReason": threat.status_reason or "",
        "custom:atlasTechniques": threat.atlas_techniques, "custom:plot4aiCards": threat.plot4ai_cards,
        "custom:owaspLlm": threat.owasp_llm, "custom:affectedComponents": threat_targets(model, threat, components),
    }
    return {"id": _uid("threat", threat.id), "numericId": number, "displayOrder": number,
            "metadata": _tc_metadata(values), "tags": _tc_tags(_refs(threat)), **parts,
            "statement": threat_statement(parts), "status": STATUS[threat.status.value][3]}


def _tc_mitigation(model: ThreatModel, mit: Mitigation, number: int, linked: list[Threat]) -> dict[str, Any]:
    done = bool(linked) and all(t.status.value == "mitigated" for t in linked)
    comments = "\n".join([mit.description] + [f"- {step}" for step in mit.how_to]).strip()
    metadata = _tc_metadata({"Comments": comments[:1000], "custom:threatscribeId": mit.id,
                             "custom:source": mit.source.value})
    return {"id": _uid("mitigation", mit.id), "numericId": number, "displayOrder": number, "metadata": metadata,
            "tags": _tc_tags([mit.id, mit.source.value]), "content": _clip(mit.title, 1000),
            "status": "mitigationResolved" if done else "mitigationIdentified"}


def _tc_context(model: ThreatModel, components: list[Component]) -> dict[str, Any]:
    zones = {b.id: b.name for b in model.trust_boundaries}
    names = {c.id: c.name for c in components}
    arch = ["### Components"] + [f"- **{c.name}** ({c.kind.value.replace('_', ' ')}), trust boundary: "
                                 f"{zones.get(c.trust_boundary or '', 'none')}" for c in components]
    flows = ["### Data flows"] + [f"- {names[f.source]} → {names[f.target]}: {f.label}"
                                  + (" (crosses a trust boundary)" if f.crosses_boundary else "")
                                  for f in _flows(model, components)]
    kb = ", ".join(f"{k} {v}" for k, v in sorted(model.kb_versions.items()))
    about = model.profile.description or f"Threat model drafted by ThreatScribe (knowledge base: {kb})."
    return {"applicationInfo": {"name": _clip(model.profile.name or model.title, 200), "description": about},
            "architecture": {"description": "\n".join(arch)}, "dataflow": {"description": "\n".join(flows)}}


def to_threat_composer(model: ThreatModel) -> str:
    """An AWS Threat Composer v1 workspace export: threat grammar, mitigations, assumptions and their links."""
    components = _components(model)
    threats = [_tc_threat(model, t, i, components) for i, t in enumerate(model.threats, 1)]
    linked: dict[str, list[Threat]] = {m.id: [] for m in model.mitigations}
    links = []
    for threat in model.threats:
        for mit in threat_mitigations(model, threat):
            linked[mit.id].append(threat)
            links.append({"mitigationId": _uid("mitigation", mit.id), "linkedId": _uid("threat", threat.id)})
    mitigations = [_tc_mitigation(model, m, i, linked[m.id]) for i, m in enumerate(model.mitigations, 1)]
    assumptions = [{"id": _uid("assumption", a.id), "numericId": i, "displayOrder": i, "content": a.statement,
                    "metadata": _tc_metadata({"Comments": _clip(f"To settle: {a.question}", 1000) if a.question else "",
                                              "custom:fact": a.fact, "custom:assumedState": a.assumed_state.value})}
                   for i, a in enumerate(model.assumptions, 1)]
    assumption_links = [{"type": "Threat", "assumptionId": _uid("assumption", a.id), "linkedId": _uid("threat", t.id)}
                        for a in model.assumptions for t in model.threats  # threats resting on the assumed fact
                        if any(f.assumed and f.path == a.fact for w in t.why_applies for f in w.facts)]
    document = {"schema": 1, **_tc_context(model, components), "assumptions": assumptions,
                "mitigations": mitigations, "assumptionLinks": assumption_links, "mitigationLinks": links,
                "threats": threats}
    return _dumps(document)
