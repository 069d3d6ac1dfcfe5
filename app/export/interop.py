"""SARIF 2.1.0 and ATLAS Navigator layer (format 4.5) exports."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from app.model import RiskLevel, Threat, ThreatModel

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_URI = "https://github.com/threatscribe/threatscribe"
LEVELS = {RiskLevel.CRITICAL: "error", RiskLevel.HIGH: "error", RiskLevel.MEDIUM: "warning", RiskLevel.LOW: "note"}
ATLAS_TACTICS = {
    "AML.TA0002": "reconnaissance", "AML.TA0003": "resource-development", "AML.TA0004": "initial-access",
    "AML.TA0000": "ai-model-access", "AML.TA0005": "execution", "AML.TA0006": "persistence",
    "AML.TA0012": "privilege-escalation", "AML.TA0007": "defense-evasion", "AML.TA0013": "credential-access",
    "AML.TA0008": "discovery", "AML.TA0015": "lateral-movement", "AML.TA0009": "collection",
    "AML.TA0001": "ai-attack-staging", "AML.TA0014": "command-and-control", "AML.TA0010": "exfiltration",
    "AML.TA0011": "impact",
}
SARIF_KINDS = {"proposed": "review", "accepted": "open", "mitigated": "pass", "rejected": "notApplicable"}
_NS = uuid.UUID("6f1c1d1e-0b7a-4e5e-9d60-7468726561ff")


def _guid(text: str) -> str:
    return str(uuid.uuid5(_NS, text))


def threat_kind(threat: Threat) -> str:
    """The SARIF rule a threat belongs to: its main technique, card or OWASP entry."""
    for ident in threat.atlas_techniques + threat.plot4ai_cards + threat.owasp_llm:
        return ident
    return threat.key or threat.id


def to_sarif(model: ThreatModel) -> str:
    """One result per threat; rule = threat kind; level from risk; ATLAS and STRIDE as taxonomies."""
    kinds: dict[str, Threat] = {}
    for threat in model.threats_by_risk():
        kinds.setdefault(threat_kind(threat), threat)
    rule_ids = sorted(kinds)
    rules = []
    for rule_id in rule_ids:
        example = kinds[rule_id]
        rule: dict[str, Any] = {
            "id": rule_id,
            "name": re.sub(r"[^A-Za-z0-9]+", "", example.title.title())[:80] or rule_id.replace(".", ""),
            "shortDescription": {"text": example.title},
            "fullDescription": {"text": example.description or example.title},
            "properties": {"tags": [s.value for s in example.stride]},
        }
        if rule_id.startswith("AML.T"):
            rule["helpUri"] = f"https://atlas.mitre.org/techniques/{rule_id}"
        rules.append(rule)
    techniques = sorted({t for th in model.threats for t in th.atlas_techniques})
    strides = sorted({s.value for th in model.threats for s in th.stride})
    results = []
    for threat in model.threats_by_risk():
        rule_id = threat_kind(threat)
        atlas_ref = {"name": "MITRE ATLAS", "guid": _guid("atlas")}
        taxa = [{"id": t, "toolComponent": atlas_ref} for t in threat.atlas_techniques]
        taxa += [{"id": s.value, "toolComponent": {"name": "STRIDE", "guid": _guid("stride")}} for s in threat.stride]
        components = {c.id: c for c in model.components}
        locations = [{"logicalLocations": [{"name": components[c].name, "fullyQualifiedName": c, "kind": "module"}]}
                     for c in threat.affected_components if c in components]
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": rule_ids.index(rule_id),
            "level": LEVELS[threat.dread.risk],
            "kind": SARIF_KINDS[threat.status.value],
            "message": {"text": f"{threat.title} — risk {threat.dread.risk.value} ({threat.dread.score}/10)."},
            "guid": _guid(f"{model.title}|{threat.id}"),
            "taxa": taxa,
            "properties": {
                "threatId": threat.id, "stride": [s.value for s in threat.stride], "dread": threat.dread.score,
                "risk": threat.dread.risk.value, "status": threat.status.value, "origin": threat.origin.value,
                "plot4ai": threat.plot4ai_cards, "owaspLlm": threat.owasp_llm, "mitigations": threat.mitigations,
            },
        }
        if locations:
            result["locations"] = locations[:5]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ThreatScribe", "informationUri": TOOL_URI, "version": "0.1.0",
                                "rules": rules}},
            "taxonomies": [
                {"name": "MITRE ATLAS", "guid": _guid("atlas"), "version": model.kb_versions.get("atlas", ""),
                 "organization": "MITRE", "informationUri": "https://atlas.mitre.org",
                 "taxa": [{"id": t} for t in techniques]},
                {"name": "STRIDE", "guid": _guid("stride"), "taxa": [{"id": s} for s in strides]},
            ],
            "results": results,
            "properties": {"title": model.title, "schemaVersion": model.schema_version,
                           "knowledgeBase": model.kb_versions},
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def to_navigator(model: ThreatModel, tactics_of: dict[str, list[str]] | None = None) -> str:
    """An ATLAS Navigator layer: each technique scored by the highest DREAD risk among its threats (0-10)."""
    scores: dict[str, float] = {}
    comments: dict[str, list[str]] = {}
    for threat in model.threats:
        if threat.status.value == "rejected":
            continue
        for technique in threat.atlas_techniques:
            scores[technique] = max(scores.get(technique, 0.0), threat.dread.score)
            comments.setdefault(technique, []).append(f"{threat.id}: {threat.title}")
    entries = []
    for technique in sorted(scores):
        entry: dict[str, Any] = {
            "techniqueID": technique,
            "score": scores[technique],
            "comment": "; ".join(comments[technique])[:1000],
            "enabled": True,
            "metadata": [{"name": "threats", "value": str(len(comments[technique]))}],
        }
        if "." in technique.removeprefix("AML."):
            pass  # sub-techniques carry no tactic: the Navigator places them under their parent
        elif tactics_of and tactics_of.get(technique):
            for tactic in tactics_of[technique]:
                entries.append({**entry, "tactic": ATLAS_TACTICS.get(tactic, tactic), "showSubtechniques": True})
            continue
        entries.append(entry)
    layer = {
        "name": model.title[:100],
        "versions": {"layer": "4.5", "navigator": "4.9.0"},
        "domain": "atlas-atlas",
        "description": f"ThreatScribe: techniques scored by DREAD risk (0-10); {len(model.threats)} threats.",
        "techniques": entries,
        "gradient": {"colors": ["#ffffff", "#ffe766", "#ff6666"], "minValue": 0, "maxValue": 10},
        "legendItems": [{"label": "low risk", "color": "#ffe766"}, {"label": "high risk", "color": "#ff6666"}],
        "metadata": [{"name": "atlas_data_version", "value": model.kb_versions.get("atlas", "")},
                     {"name": "generator", "value": "ThreatScribe"}],
        "sorting": 3,
        "hideDisabled": False,
    }
    return json.dumps(layer, indent=2) + "\n"


def validate_navigator_layer(layer: Any) -> list[str]:
    """Problems with a layer against the v4.5 property tables (no official JSON Schema exists)."""
    problems: list[str] = []
    layers = layer if isinstance(layer, list) else [layer]
    for i, item in enumerate(layers):
        where = f"layer[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object")
            continue
        for key in ("name", "domain"):
            if not isinstance(item.get(key), str) or not item.get(key):
                problems.append(f"{where}.{key}: required string")
        versions = item.get("versions")
        if versions is not None and (not isinstance(versions, dict) or not isinstance(versions.get("layer"), str)
                                     or not isinstance(versions.get("navigator"), str)):
            problems.append(f"{where}.versions: needs string layer and navigator")
        for j, tech in enumerate(item.get("techniques", [])):
            tw = f"{where}.techniques[{j}]"
            if not isinstance(tech.get("techniqueID"), str):
                problems.append(f"{tw}.techniqueID: required string")
            if "score" in tech and not isinstance(tech["score"], int | float):
                problems.append(f"{tw}.score: must be a number")
            for key, kind in (("tactic", str), ("comment", str), ("color", str), ("enabled", bool),
                              ("showSubtechniques", bool)):
                if key in tech and not isinstance(tech[key], kind):
                    problems.append(f"{tw}.{key}: wrong type")
            for meta in tech.get("metadata", []):
                if not (meta.get("divider") is True or (isinstance(meta.get("name"), str)
                                                        and isinstance(meta.get("value"), str))):
                    problems.append(f"{tw}.metadata: needs name and value strings")
        gradient = item.get("gradient")
        if gradient is not None:
            colors = gradient.get("colors")
            if not isinstance(colors, list) or len(colors) < 2:
                problems.append(f"{where}.gradient.colors: at least two colours")
            low, high = gradient.get("minValue"), gradient.get("maxValue")
            if not (isinstance(low, int | float) and isinstance(high, int | float) and high > low):
                problems.append(f"{where}.gradient: minValue < maxValue required")
        for legend in item.get("legendItems", []):
            if not isinstance(legend.get("label"), str) or not isinstance(legend.get("color"), str):
                problems.append(f"{where}.legendItems: label and color strings")
        for meta in item.get("metadata", []):
            if not (meta.get("divider") is True or (isinstance(meta.get("name"), str)
                                                    and isinstance(meta.get("value"), str))):
                problems.append(f"{where}.metadata: needs name and value strings")
    return problems
