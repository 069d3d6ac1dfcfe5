"""Threat-modelling tool formats: OWASP Threat Dragon v2, Open Threat Model 0.2.0 and AWS Threat Composer v1.

Ids are uuid5 values derived from the ThreatScribe ids, so exporting the same model twice gives the same file.
The ThreatScribe ids, ATLAS techniques, PLOT4ai cards and OWASP LLM ids travel in each tool's own free-form
place: the threat description in Threat Dragon, tags/attributes in OTM, tags/custom metadata in Threat Composer.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from app.model import Component, ComponentKind, DataFlow, Mitigation, Stride, Threat, ThreatModel

_NS = uuid.UUID("0c6f7a52-52a4-4d52-9a55-746f6f6c7321")
TD_VERSION = "2.3.0"
OTM_VERSION = "0.2.0"
STRIDE_LABELS = {  # Threat Dragon's own STRIDE wording
    Stride.SPOOFING: "Spoofing", Stride.TAMPERING: "Tampering", Stride.REPUDIATION: "Repudiation",
    Stride.INFORMATION_DISCLOSURE: "Information disclosure", Stride.DENIAL_OF_SERVICE: "Denial of service",
    Stride.ELEVATION_OF_PRIVILEGE: "Elevation of privilege",
}
STRIDE_LETTERS = {s: s.value[0].upper() for s in Stride}  # S T R I D E
STRIDE_GOALS = {  # the security property each STRIDE category violates
    Stride.SPOOFING: "authenticity", Stride.TAMPERING: "integrity", Stride.REPUDIATION: "non-repudiation",
    Stride.INFORMATION_DISCLOSURE: "confidentiality", Stride.DENIAL_OF_SERVICE: "availability",
    Stride.ELEVATION_OF_PRIVILEGE: "authorization",
}
THREAT_SOURCES = {Stride.SPOOFING: "threat actor posing as a legitimate user", Stride.REPUDIATION: "user or insider"}
SEVERITY = {"critical": "High", "high": "High", "medium": "Medium", "low": "Low"}
# "accepted" means the user confirmed the threat applies (still open), not that the risk was accepted.
STATUS = {  # ThreatScribe status -> (Threat Dragon, OTM threat state, OTM mitigation state, Threat Composer)
    "proposed": ("Open", "exposed", "recommended", "threatIdentified"),
    "accepted": ("Open", "exposed", "required", "threatIdentified"),
    "mitigated": ("Mitigated", "mitigated", "implemented", "threatResolved"),
    "rejected": ("NotApplicable", "not-applicable", "not-applicable", "threatResolvedNotUseful"),
}
OTM_RISK_REDUCTION = 50  # OTM requires a 0-100 estimate; ThreatScribe records none, so a neutral midpoint
TD_SHAPES = {  # kind -> (shape, type, width, height); external services are DFD external entities
    ComponentKind.ACTOR: ("actor", "tm.Actor", 160, 80),
    ComponentKind.EXTERNAL_SERVICE: ("actor", "tm.Actor", 160, 80),
    ComponentKind.PROCESS: ("process", "tm.Process", 120, 120),
    ComponentKind.MODEL: ("process", "tm.Process", 120, 120),
    ComponentKind.DATA_STORE: ("store", "tm.Store", 160, 75),
}
TD_DEFAULTS: dict[str, dict[str, Any]] = {
    "tm.Actor": {"providesAuthentication": False},
    "tm.Process": {"handlesCardPayment": False, "handlesGoodsOrServices": False, "isWebApplication": False,
                   "privilegeLevel": ""},
    "tm.Store": {"isALog": False, "isEncrypted": False, "isSigned": False, "storesCredentials": False,
                 "storesInventory": False},
}
STROKE = {"stroke": "#333333", "strokeWidth": 1.5, "strokeDasharray": "none"}


def _uid(kind: str, ident: str) -> str:
    return str(uuid.uuid5(_NS, f"{kind}:{ident}"))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _join(items: list[str], last: str) -> str:
    """Threat Composer's list rendering: "a, b and c" (goals use "and/or")."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _components(model: ThreatModel) -> list[Component]:
    """The model's components, or one stand-in process so threats of a diagram-less model have a home."""
    if model.components or not model.threats:
        return list(model.components)
    return [Component(id="system", name=model.profile.name or model.title, kind=ComponentKind.PROCESS)]


def threat_targets(model: ThreatModel, threat: Threat, components: list[Component]) -> list[str]:
    """Component ids a threat is attached to: its affected components, else the main process element."""
    known = {c.id for c in components}
    targets = list(dict.fromkeys(c for c in threat.affected_components if c in known))
    if targets or not components:
        return targets
    for kind in (ComponentKind.PROCESS, ComponentKind.MODEL):
        main = next((c for c in components if c.kind is kind), None)
        if main:
            return [main.id]
    return [components[0].id]


def threat_mitigations(model: ThreatModel, threat: Threat) -> list[Mitigation]:
    """The existing mitigations linked to a threat from either side of the many-to-many relation."""
    ids = threat.mitigations + [m.id for m in model.mitigations if threat.id in m.threats]
    found = (model.mitigation(i) for i in dict.fromkeys(ids))
    return [m for m in found if m is not None]


def _refs(threat: Threat) -> list[str]:
    return threat.atlas_techniques + threat.plot4ai_cards + threat.owasp_llm


def _flows(model: ThreatModel, components: list[Component]) -> list[DataFlow]:
    known = {c.id for c in components}
    return [f for f in model.data_flows if f.source in known and f.target in known]


def _mitigation_text(mit: Mitigation) -> str:
    lines = [f"{mit.id} {mit.title}" + (f": {mit.description}" if mit.description else "")]
    return "\n".join(lines + [f"- {step}" for step in mit.how_to])


# --- OWASP Threat Dragon v2 -------------------------------------------------------------------------------------

def _td_description(threat: Threat) -> str:
    lines = [threat.description or threat.title, ""]
    lines.append("STRIDE: " + ", ".join(STRIDE_LABELS[s] for s in threat.stride))
    for label, ids in (("MITRE ATLAS", threat.atlas_techniques), ("PLOT4ai", threat.plot4ai_cards),
                       ("OWASP LLM Top 10", threat.owasp_llm)):
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    lines.append(f"DREAD: {threat.dread.score}/10 ({threat.dread.risk.value})")
    lines.append(f"ThreatScribe: {threat.id}, status {threat.status.value}, origin {threat.origin.value}")
    if threat.status_reason:
        lines.append(f"Decision reason: {threat.status_reason}")
    return "\n".join(lines)


def _td_threats(model: ThreatModel, components: list[Component]) -> dict[str, list[dict[str, Any]]]:
    attached: dict[str, list[dict[str, Any]]] = {c.id: [] for c in components}
    number = 0
    for threat in model.threats:
        mitigation = "\n\n".join(_mitigation_text(m) for m in threat_mitigations(model, threat))
        for target in threat_targets(model, threat, components):
            number += 1
            attached[target].append({
                "id": _uid("td-threat", f"{threat.id}|{target}"),
                "threatId": _uid("threat", threat.id),
                "title": threat.title,
                "status": STATUS[threat.status.value][0],
                "severity": SEVERITY[threat.dread.risk.value],
                "type": STRIDE_LABELS[threat.stride[0]],
                "description": _td_description(threat),
                "mitigation": mitigation,
                "modelType": "STRIDE",
                "new": False,
                "number": number,
                "score": str(threat.dread.score),
            })
    return attached


def _td_layout(model: ThreatModel, components: list[Component]) -> tuple[dict[str, tuple[int, int]],
                                                                           dict[str, tuple[int, int, int, int]]]:
    """One column per trust boundary (a box around its components), then a column for unbounded ones."""
    columns: dict[str | None, list[Component]] = {b.id: [] for b in model.trust_boundaries}
    columns[None] = []
    for comp in components:
        columns[comp.trust_boundary if comp.trust_boundary in columns else None].append(comp)
    positions: dict[str, tuple[int, int]] = {}
    boxes: dict[str, tuple[int, int, int, int]] = {}
    col = 0
    for key, members in columns.items():
        if key is None and not members:
            continue
        left = 40 + col * 300
        for row, comp in enumerate(members):
            positions[comp.id] = (left + 40, 120 + row * 170)
        if key is not None:
            boxes[key] = (left, 60, 240, max(1, len(members)) * 170 + 60)
        col += 1
    return positions, boxes


def _td_node(comp: Component, position: tuple[int, int], threats: list[dict[str, Any]], z: int) -> dict[str, Any]:
    shape, kind, width, height = TD_SHAPES[comp.kind]
    attrs: dict[str, Any] = {"text": {"text": comp.name}}
    if shape == "store":
        attrs |= {"topLine": dict(STROKE), "bottomLine": dict(STROKE)}
    else:
        attrs["body"] = dict(STROKE)
    description = f"ThreatScribe {comp.kind.value.replace('_', ' ')} ({comp.id})"
    if comp.assets:
        description += "; assets: " + ", ".join(comp.assets)
    data = {"type": kind, "name": comp.name, "description": description, "outOfScope": False,
            "reasonOutOfScope": "", **TD_DEFAULTS[kind], "threats": threats,
            "hasOpenThreats": any(t["status"] == "Open" for t in threats)}
    return {"id": _uid("td-cell", comp.id), "shape": shape, "zIndex": z, "visible": True,
            "position": {"x": position[0], "y": position[1]}, "size": {"width": width, "height": height},
            "attrs": attrs, "data": data}


def _td_flow(flow: DataFlow, z: int) -> dict[str, Any]:
    label = {"markup": [{"tagName": "ellipse", "selector": "labelBody"}, {"tagName": "text", "selector": "labelText"}],
             "attrs": {"labelText": {"text": flow.label, "textAnchor": "middle", "textVerticalAnchor": "middle"},
                       "labelBody": {"ref": "labelText", "refRx": "50%", "refRy": "60%", "fill": "#fff",
                                     "strokeWidth": 0}},
             "position": {"distance": 0.5, "args": {"keepGradient": True, "ensureLegibility": True}}}
    description = f"ThreatScribe flow {flow.id}" + ("; crosses a trust boundary" if flow.crosses_boundary else "")
    return {"id": _uid("td-flow", flow.id), "shape": "flow", "zIndex": z, "connector": "smooth",
            "source": {"cell": _uid("td-cell", flow.source)}, "target": {"cell": _uid("td-cell", flow.target)},
            "attrs": {"line": {**STROKE, "sourceMarker": {"name": ""}, "targetMarker": {"name": "block"}}},
            "labels": [label],
            "data": {"type": "tm.Flow", "name": flow.label, "description": description, "outOfScope": False,
                     "reasonOutOfScope": "", "hasOpenThreats": False, "isBidirectional": False,
                     "isEncrypted": False, "isPublicNetwork": False, "protocol": "", "threats": []}}


def to_threat_dragon(model: ThreatModel) -> str:
    """An OWASP Threat Dragon v2 model: one STRIDE diagram, threats in each element's `data.threats`."""
    components = _components(model)
    threats = _td_threats(model, components)
    positions, boxes = _td_layout(model, components)
    cells: list[dict[str, Any]] = []
    for boundary in model.trust_boundaries:
        x, y, w, h = boxes[boundary.id]
        cells.append({"id": _uid("td-boundary", boundary.id), "shape": "trust-boundary-box", "zIndex": -1,
                      "visible": True, "position": {"x": x, "y": y}, "size": {"width": w, "height": h},
                      "attrs": {"label": {"text": boundary.name}, "headerText": {"text": boundary.name}},
                      "data": {"type": "tm.BoundaryBox", "name": boundary.name, "isTrustBoundary": True,
                               "description": f"ThreatScribe trust boundary {boundary.id}",
                               "hasOpenThreats": False}})
    cells += [_td_node(c, positions[c.id], threats[c.id], i + 1) for i, c in enumerate(components)]
    cells += [_td_flow(f, 100 + i) for i, f in enumerate(_flows(model, components))]
    total = sum(len(t) for t in threats.values())
    document = {
        "version": TD_VERSION,
        "summary": {"title": model.title, "owner": "", "id": 0,
                    "description": model.profile.description or f"ThreatScribe threat model of {model.profile.name}"},
        "detail": {
            "contributors": [],
            "diagrams": [{"id": 0, "title": model.profile.name or model.title, "diagramType": "STRIDE",
                          "placeholder": "", "thumbnail": "./public/content/images/thumbnail.stride.jpg",
                          "version": TD_VERSION, "description": f"Exported by ThreatScribe; schema "
                          f"{model.schema_version}", "cells": cells}],
            "diagramTop": 1,
            "reviewer": "",
            "threatTop": total,
        },
    }
    return _dumps(document)


# --- Open Threat Model 0.2.0 ------------------------------------------------------------------------------------

def _otm_assets(model: ThreatModel) -> list[dict[str, Any]]:
    """Assets with C/I/A risk from the DREAD impact (x10) of the threats against them, by STRIDE property."""
    goals = {Stride.INFORMATION_DISCLOSURE: "confidentiality", Stride.TAMPERING: "integrity",
             Stride.DENIAL_OF_SERVICE: "availability"}
    out = []
    for asset in model.assets:
        risk = {"confidentiality": 0, "integrity": 0, "availability": 0}
        for threat in model.threats:
            if asset.id in threat.affected_assets and threat.status.value != "rejected":
                for stride in threat.stride:
                    if stride in goals:
                        risk[goals[stride]] = max(risk[goals[stride]], round(threat.dread.impact * 10))
        out.append({"id": _uid("asset", asset.id), "name": asset.name, "description": asset.description or None,
                    "risk": {**risk, "comment": "Highest DREAD impact (x10) of the threats against it."},
                    "attributes": {"threatscribeId": asset.id, "kind": asset.kind.value}})
    return out


def _otm_trust_zones(model: ThreatModel, components: list[Component]) -> list[dict[str, Any]]:
    """Trust zones; a zone holding actors or external services is rated 20, one holding only our parts 80."""
    zones = []
    outside = {ComponentKind.ACTOR, ComponentKind.EXTERNAL_SERVICE}
    for boundary in model.trust_boundaries:
        kinds = {c.kind for c in components if c.trust_boundary == boundary.id}
        zones.append({"id": _uid("zone", boundary.id), "name": boundary.name, "type": "trust-boundary",
                      "risk": {"trustRating": 20 if kinds & outside else 80},
                      "attributes": {"threatscribeId": boundary.id}})
    known = {b.id for b in model.trust_boundaries}
    if any(c.trust_boundary not in known for c in components):
        zones.append({"id": _uid("zone", ""), "name": "Unassigned", "type": "unassigned",
                      "description": "Components placed in no trust boundary.", "risk": {"trustRating": 50},
                      "attributes": {"threatscribeId": ""}})
    return zones


def _otm_threat(threat: Threat) -> dict[str, Any]:
    d = threat.dread
    return {
        "id": _uid("threat", threat.id), "name": threat.title, "description": threat.description or None,
        "categories": [STRIDE_LABELS[s] for s in threat.stride], "cwes": [],
        "risk": {"likelihood": round(d.likelihood * 10),
                 "likelihoodComment": "DREAD reproducibility, exploitability and discoverability (x10).",
                 "impact": round(d.impact * 10), "impactComment": "DREAD damage and affected users (x10)."},
        "tags": _refs(threat) + [f"risk:{d.risk.value}", f"status:{threat.status.value}"],
        "attributes": {"threatscribeId": threat.id, "status": threat.status.value,
                       "statusReason": threat.status_reason or "", "severity": SEVERITY[d.risk.value],
                       "dreadScore": str(d.score), "riskLevel": d.risk.value, "origin": threat.origin.value,
                       "atlasTechniques": ", ".join(threat.atlas_techniques),
                       "plot4aiCards": ", ".join(threat.plot4ai_cards), "owaspLlm": ", ".join(threat.owasp_llm),
                       "maestroLayer": threat.maestro_layer.value if threat.maestro_layer else ""},
    }


def to_otm(model: ThreatModel) -> str:
    """An Open Threat Model 0.2.0 document; threats defined once and applied to components with their state."""
    components = _components(model)
    known = {b.id for b in model.trust_boundaries}
    instances: dict[str, list[dict[str, Any]]] = {c.id: [] for c in components}
    for threat in model.threats:
        mitigations = [{"mitigation": _uid("mitigation", m.id), "state": STATUS[threat.status.value][2]}
                       for m in threat_mitigations(model, threat)]
        for target in threat_targets(model, threat, components):
            instances[target].append({"threat": _uid("threat", threat.id), "state": STATUS[threat.status.value][1],
                                      "mitigations": mitigations})
    otm_components = [{
        "id": _uid("component", c.id), "name": c.name, "type": c.kind.value.replace("_", "-"),
        "parent": {"trustZone": _uid("zone", c.trust_boundary if c.trust_boundary in known else "")},
        "assets": {"processed": [_uid("asset", a) for a in c.assets],
                   "stored": [_uid("asset", a) for a in c.assets] if c.kind is ComponentKind.DATA_STORE else []},
        "threats": instances[c.id], "tags": [c.kind.value], "attributes": {"threatscribeId": c.id},
    } for c in components]
    dataflows = [{
        "id": _uid("flow", f.id), "name": f.label, "bidirectional": False,
        "source": _uid("component", f.source), "destination": _uid("component", f.target),
        "tags": ["crosses-trust-boundary"] if f.crosses_boundary else [],
        "attributes": {"threatscribeId": f.id, "crossesTrustBoundary": str(f.crosses_boundary).lower()},
    } for f in _flows(model, components)]
    mitigations = [{"id": _uid("mitigation", m.id), "name": m.title, "riskReduction": OTM_RISK_REDUCTION,
                    "description": "\n".join([m.description] + [f"- {s}" for s in m.how_to]).strip() or None,
                    "attributes": {"threatscribeId": m.id, "source": m.source.value}} for m in model.mitigations]
    document = {
        "otmVersion": OTM_VERSION,
        "project": {"name": model.title, "id": re.sub(r"[^a-z0-9]+", "-", model.title.lower()).strip("-") or "model",
                    "description": model.profile.description or None, "tags": ["threatscribe"],
                    "attributes": {"generator": "ThreatScribe", "schemaVersion": model.schema_version,
                                   "updatedAt": model.updated_at.isoformat(),
                                   **{f"kb.{k}": v for k, v in sorted(model.kb_versions.items())}}},
        "assets": _otm_assets(model),
        "trustZones": _otm_trust_zones(model, components),
        "components": otm_components,
        "dataflows": dataflows,
        "threats": [_otm_threat(t) for t in model.threats],
        "mitigations": mitigations,
    }
    return _dumps(document)


# --- AWS Threat Composer v1 -------------------------------------------------------------------------------------

def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def threat_statement(parts: dict[str, Any]) -> str:
    """The statement as Threat Composer renders its grammar, for whichever optional parts are present."""
    source = parts["threatSource"]
    text = f"{'An' if source[:1].lower() in 'aeiou' else 'A'} {source} {parts.get('prerequisites', '')} " \
           f"can {parts['threatAction']}"
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
    assets = [a.name for a in model.assets if a.id in threat.affected_assets] or targets
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


def _tc_tags(values: list[str]) -> list[str]:
    return list(dict.fromkeys(_clip(v, 30) for v in values if v.strip()))


def _tc_threat(model: ThreatModel, threat: Threat, number: int, components: list[Component]) -> dict[str, Any]:
    parts = _tc_grammar(model, threat, components)
    metadata: list[dict[str, Any]] = [
        {"key": "STRIDE", "value": list(dict.fromkeys(STRIDE_LETTERS[s] for s in threat.stride))},
        {"key": "Priority", "value": SEVERITY[threat.dread.risk.value]},
        {"key": "Comments", "value": _clip(threat.description or threat.title, 1000)},
        {"key": "custom:threatscribeId", "value": threat.id},
        {"key": "custom:dread", "value": f"{threat.dread.score}/10 ({threat.dread.risk.value})"},
        {"key": "custom:threatscribeStatus", "value": threat.status.value},
        {"key": "custom:atlasTechniques", "value": threat.atlas_techniques},
        {"key": "custom:plot4aiCards", "value": threat.plot4ai_cards},
        {"key": "custom:owaspLlm", "value": threat.owasp_llm},
        {"key": "custom:affectedComponents", "value": threat_targets(model, threat, components)},
    ]
    if threat.status_reason:
        metadata.append({"key": "custom:statusReason", "value": threat.status_reason})
    return {"id": _uid("threat", threat.id), "numericId": number, "displayOrder": number,
            "metadata": [m for m in metadata if m["value"]], "tags": _tc_tags(_refs(threat)), **parts,
            "statement": threat_statement(parts), "status": STATUS[threat.status.value][3]}


def _tc_mitigation(model: ThreatModel, mit: Mitigation, number: int, linked: list[Threat]) -> dict[str, Any]:
    done = bool(linked) and all(t.status.value == "mitigated" for t in linked)
    comments = "\n".join([mit.description] + [f"- {step}" for step in mit.how_to]).strip()
    metadata: list[dict[str, Any]] = [{"key": "custom:threatscribeId", "value": mit.id},
                                      {"key": "custom:source", "value": mit.source.value}]
    if comments:
        metadata.insert(0, {"key": "Comments", "value": comments[:1000]})
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
    assumptions, assumption_links = [], []
    for i, assumption in enumerate(model.assumptions, 1):
        metadata = [{"key": "custom:fact", "value": assumption.fact},
                    {"key": "custom:assumedState", "value": assumption.assumed_state.value}]
        if assumption.question:
            metadata.insert(0, {"key": "Comments", "value": f"To settle it: {assumption.question}"})
        assumptions.append({"id": _uid("assumption", assumption.id), "numericId": i, "displayOrder": i,
                            "metadata": metadata, "content": assumption.statement})
        for threat in model.threats:
            if any(f.assumed and f.path == assumption.fact for w in threat.why_applies for f in w.facts):
                assumption_links.append({"type": "Threat", "assumptionId": _uid("assumption", assumption.id),
                                         "linkedId": _uid("threat", threat.id)})
    document = {"schema": 1, **_tc_context(model, components), "assumptions": assumptions,
                "mitigations": mitigations, "assumptionLinks": assumption_links, "mitigationLinks": links,
                "threats": threats}
    return _dumps(document)
