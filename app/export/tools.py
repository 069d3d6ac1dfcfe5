"""Threat-modelling tool formats: OWASP Threat Dragon v2, Open Threat Model 0.2.0 and AWS Threat Composer v1.

Ids are uuid5 values of the ThreatScribe ids (same model, same file). ThreatScribe ids and ATLAS / PLOT4ai / OWASP
ids travel in each tool's free-form place: TD threat description, OTM tags/attributes, TC tags/custom metadata.
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
_ACTOR, _PROCESS = ("actor", "tm.Actor", 160, 80), ("process", "tm.Process", 120, 120)
TD_SHAPES = {  # kind -> (shape, type, width, height); external services are DFD external entities
    ComponentKind.ACTOR: _ACTOR, ComponentKind.EXTERNAL_SERVICE: _ACTOR, ComponentKind.PROCESS: _PROCESS,
    ComponentKind.MODEL: _PROCESS, ComponentKind.DATA_STORE: ("store", "tm.Store", 160, 75),
}
TD_DEFAULTS: dict[str, dict[str, Any]] = {  # Threat Dragon's default element properties
    "tm.Actor": {"providesAuthentication": False},
    "tm.Process": dict.fromkeys(["handlesCardPayment", "handlesGoodsOrServices", "isWebApplication"], False)
    | {"privilegeLevel": ""},
    "tm.Store": dict.fromkeys(["isALog", "isEncrypted", "isSigned", "storesCredentials", "storesInventory"], False),
}
Point = tuple[int, int]
Box = tuple[int, int, int, int]  # x, y, width, height
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
    kinds = (ComponentKind.PROCESS, ComponentKind.MODEL)
    return [next((c for kind in kinds for c in components if c.kind is kind), components[0]).id]


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
    """The description, then everything Threat Dragon has no field for: STRIDE list, references, DREAD, ids."""
    refs = (("MITRE ATLAS", threat.atlas_techniques), ("PLOT4ai", threat.plot4ai_cards),
            ("OWASP LLM Top 10", threat.owasp_llm))
    lines = [threat.description or threat.title, "", "STRIDE: " + ", ".join(STRIDE_LABELS[s] for s in threat.stride)]
    lines += [f"{label}: {', '.join(ids)}" for label, ids in refs if ids]
    lines += [f"DREAD: {threat.dread.score}/10 ({threat.dread.risk.value})",
              f"ThreatScribe: {threat.id}, status {threat.status.value}, origin {threat.origin.value}"]
    return "\n".join(lines + ([f"Decision reason: {threat.status_reason}"] if threat.status_reason else []))


def _td_threats(model: ThreatModel, components: list[Component]) -> dict[str, list[dict[str, Any]]]:
    attached: dict[str, list[dict[str, Any]]] = {c.id: [] for c in components}
    number = 0
    for threat in model.threats:
        mitigation = "\n\n".join(_mitigation_text(m) for m in threat_mitigations(model, threat))
        for target in threat_targets(model, threat, components):
            number += 1
            attached[target].append({
                "id": _uid("td-threat", f"{threat.id}|{target}"), "threatId": _uid("threat", threat.id),
                "title": threat.title, "status": STATUS[threat.status.value][0],
                "severity": SEVERITY[threat.dread.risk.value], "type": STRIDE_LABELS[threat.stride[0]],
                "description": _td_description(threat), "mitigation": mitigation, "modelType": "STRIDE",
                "new": False, "number": number, "score": str(threat.dread.score)})
    return attached


def _td_layout(model: ThreatModel, components: list[Component]) -> tuple[dict[str, Point], dict[str, Box]]:
    """One column per trust boundary (a box around its components), then a column for unbounded ones."""
    columns: dict[str | None, list[Component]] = {b.id: [] for b in model.trust_boundaries}
    columns[None] = []
    for comp in components:
        columns[comp.trust_boundary if comp.trust_boundary in columns else None].append(comp)
    positions: dict[str, Point] = {}
    boxes: dict[str, Box] = {}
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


def _td_node(comp: Component, position: Point, threats: list[dict[str, Any]], z: int) -> dict[str, Any]:
    shape, kind, width, height = TD_SHAPES[comp.kind]
    lines = ("topLine", "bottomLine") if shape == "store" else ("body",)  # a store is drawn as two lines
    attrs = {"text": {"text": comp.name}, **{part: dict(STROKE) for part in lines}}
    description = f"ThreatScribe {comp.kind.value.replace('_', ' ')} ({comp.id})" + (
        f"; assets: {', '.join(comp.assets)}" if comp.assets else "")
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
    diagram = {"id": 0, "title": model.profile.name or model.title, "diagramType": "STRIDE", "placeholder": "",
               "thumbnail": "./public/content/images/thumbnail.stride.jpg", "version": TD_VERSION,
               "description": f"Exported by ThreatScribe (schema {model.schema_version})", "cells": cells}
    about = model.profile.description or f"ThreatScribe threat model of {model.profile.name}"
    return _dumps({"version": TD_VERSION, "summary": {"title": model.title, "owner": "", "id": 0, "description": about},
                   "detail": {"contributors": [], "diagrams": [diagram], "diagramTop": 1, "reviewer": "",
                              "threatTop": sum(len(t) for t in threats.values())}})


# --- Open Threat Model 0.2.0 ------------------------------------------------------------------------------------

def _otm_assets(model: ThreatModel) -> list[dict[str, Any]]:
    """Assets with C/I/A risk from the DREAD impact (x10) of the threats against them, by STRIDE property."""
    goals = {Stride.INFORMATION_DISCLOSURE: "confidentiality", Stride.TAMPERING: "integrity",
             Stride.DENIAL_OF_SERVICE: "availability"}
    out = []
    for asset in model.assets:
        against = [t for t in model.threats if asset.id in t.affected_assets and t.status.value != "rejected"]
        risk = {goal: max((round(t.dread.impact * 10) for t in against if stride in t.stride), default=0)
                for stride, goal in goals.items()}
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


def _otm_components(model: ThreatModel, components: list[Component]) -> list[dict[str, Any]]:
    """Components in their trust zone, each carrying the threats applied to it with their mitigations."""
    known = {b.id for b in model.trust_boundaries}
    instances: dict[str, list[dict[str, Any]]] = {c.id: [] for c in components}
    for threat in model.threats:
        state = STATUS[threat.status.value]
        mitigations = [{"mitigation": _uid("mitigation", m.id), "state": state[2]}
                       for m in threat_mitigations(model, threat)]
        for target in threat_targets(model, threat, components):
            instances[target].append({"threat": _uid("threat", threat.id), "state": state[1],
                                      "mitigations": mitigations})
    return [{
        "id": _uid("component", c.id), "name": c.name, "type": c.kind.value.replace("_", "-"),
        "parent": {"trustZone": _uid("zone", c.trust_boundary if c.trust_boundary in known else "")},
        "assets": {"processed": [_uid("asset", a) for a in c.assets],
                   "stored": [_uid("asset", a) for a in c.assets] if c.kind is ComponentKind.DATA_STORE else []},
        "threats": instances[c.id], "tags": [c.kind.value], "attributes": {"threatscribeId": c.id},
    } for c in components]


def to_otm(model: ThreatModel) -> str:
    """An Open Threat Model 0.2.0 document; threats defined once and applied to components with their state."""
    components = _components(model)
    dataflows = [{
        "id": _uid("flow", f.id), "name": f.label, "bidirectional": False,
        "source": _uid("component", f.source), "destination": _uid("component", f.target),
        "tags": ["crosses-trust-boundary"] if f.crosses_boundary else [],
        "attributes": {"threatscribeId": f.id, "crossesTrustBoundary": str(f.crosses_boundary).lower()},
    } for f in _flows(model, components)]
    mitigations = [{"id": _uid("mitigation", m.id), "name": m.title, "riskReduction": OTM_RISK_REDUCTION,
                    "description": "\n".join([m.description] + [f"- {s}" for s in m.how_to]).strip() or None,
                    "attributes": {"threatscribeId": m.id, "source": m.source.value}} for m in model.mitigations]
    attributes = {"generator": "ThreatScribe", "schemaVersion": model.schema_version,
                  "updatedAt": model.updated_at.isoformat(), **{f"kb.{k}": v for k, v in model.kb_versions.items()}}
    document: dict[str, Any] = {
        "otmVersion": OTM_VERSION,
        "project": {"name": model.title, "id": re.sub(r"[^a-z0-9]+", "-", model.title.lower()).strip("-") or "model",
                    "description": model.profile.description or None, "tags": ["threatscribe"],
                    "attributes": attributes},
        "assets": _otm_assets(model),
        "trustZones": _otm_trust_zones(model, components),
        "components": _otm_components(model, components),
        "dataflows": dataflows,
        "threats": [_otm_threat(t) for t in model.threats],
        "mitigations": mitigations,
    }
    return _dumps(document)


# --- AWS Threat Composer v1 -------------------------------------------------------------------------------------
