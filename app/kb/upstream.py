"""Reading the upstream source files (ATLAS.yaml, PLOT4ai deck.json) into plain facts.

Only ids, names, relationships and classifications are taken: these are facts. No upstream
sentence is copied into the knowledge base; prose lives in hand-written files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from app.yamlfile import read_yaml

PLOT4AI_CATEGORY_CODES: dict[str, str] = {
    "Data & Data Governance": "DAT",
    "Transparency & Accessibility": "TRA",
    "Privacy & Data Protection": "PRI",
    "Cybersecurity": "CYB",
    "Safety & Environmental Impact": "SAF",
    "Bias, Fairness & Discrimination": "BIA",
    "Ethics & Human Rights": "ETH",
    "Accountability & Human Oversight": "ACC",
}


class UpstreamError(ValueError):
    """An upstream file is missing, unreadable or not shaped as expected."""


def _date(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value is not None else None


def load_atlas_yaml(path: Path) -> dict[str, Any]:
    """Parse ATLAS.yaml and check its top-level shape."""
    try:
        data = read_yaml(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UpstreamError(f"{path}: cannot read ATLAS data ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("matrices"), list) or not data["matrices"]:
        raise UpstreamError(f"{path}: not an ATLAS.yaml (no 'matrices' list)")
    matrix = data["matrices"][0]
    for key in ("tactics", "techniques", "mitigations"):
        if not isinstance(matrix.get(key), list):
            raise UpstreamError(f"{path}: matrices[0].{key} is missing or not a list")
    if not isinstance(data.get("case-studies", []), list):
        raise UpstreamError(f"{path}: case-studies is not a list")
    return data


def atlas_facts(data: dict[str, Any]) -> dict[str, Any]:
    """Ids, names and relations from a parsed ATLAS.yaml, in matrix order.

    Repairs the known 5.6.0 quirk: technique links misplaced in a mitigation's `ml-lifecycle`.
    """
    matrix = data["matrices"][0]
    tactics = [{"id": t["id"], "name": t["name"]} for t in matrix["tactics"]]
    techniques: list[dict[str, Any]] = []
    parents: dict[str, list[str]] = {}
    for tech in matrix["techniques"]:
        if "subtechnique-of" not in tech:
            parents[tech["id"]] = list(tech.get("tactics", []))
    for tech in matrix["techniques"]:
        parent = tech.get("subtechnique-of")
        entry: dict[str, Any] = {"id": tech["id"], "name": tech["name"]}
        if parent:
            entry["parent"] = parent
        entry["tactics"] = parents.get(parent, []) if parent else list(tech.get("tactics", []))
        entry["maturity"] = tech.get("maturity")
        techniques.append(entry)
    mitigations = []
    for mit in matrix["mitigations"]:
        links: list[str] = []
        lifecycle: list[str] = []
        for item in mit.get("techniques", []) or []:
            links.append(item["id"])
        for item in mit.get("ml-lifecycle", []) or []:
            if isinstance(item, dict) and "id" in item:
                links.append(item["id"])  # upstream quirk: a link in the wrong list
            else:
                lifecycle.append(str(item))
        mitigations.append({
            "id": mit["id"],
            "name": mit["name"],
            "category": (mit.get("category") or [None])[0],
            "lifecycle": lifecycle,
            # keep order, drop exact duplicate pairs (two upstream links are listed twice)
            "techniques": list(dict.fromkeys(links)),
        })
    case_studies = []
    for cs in data.get("case-studies", []):
        steps = [{"tactic": s["tactic"], "technique": s["technique"]} for s in cs.get("procedure", [])]
        case_studies.append({
            "id": cs["id"],
            "name": cs["name"],
            "type": cs.get("case-study-type"),
            "date": _date(cs.get("incident-date")),
            "procedure": steps,
        })
    return {
        "version": str(data.get("version")),
        "tactics": tactics,
        "techniques": techniques,
        "mitigations": mitigations,
        "case_studies": case_studies,
    }


def load_plot4ai_deck(path: Path) -> list[dict[str, Any]]:
    """Parse deck.json."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UpstreamError(f"{path}: cannot read PLOT4ai deck ({exc})") from exc
    if not isinstance(data, list):
        raise UpstreamError(f"{path}: expected a list of categories")
    return data


def plot4ai_facts(deck: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per card with the stable id we assign: P4AI-<category code>-<position>."""
    cards = []
    for category in deck:
        code = PLOT4AI_CATEGORY_CODES[category["category"]]
        for index, card in enumerate(category["cards"], start=1):
            cards.append({
                "id": f"P4AI-{code}-{index:02d}",
                "label": card["label"].strip(),
                "category": category["category"],
                "categories": list(card.get("categories", [])),
                "threatif": card["threatif"],
                "phases": list(card.get("phases", [])),
                "aitypes": list(card.get("aitypes", [])),
                "roles": list(card.get("roles", [])),
                "cia": list(card.get("cia", [])),
            })
    return cards


def upstream_sentences(atlas_data: dict[str, Any] | None, deck: list[dict[str, Any]] | None) -> list[str]:
    """All upstream prose, for the check that none of it was copied."""
    texts: list[str] = []
    if atlas_data:
        matrix = atlas_data["matrices"][0]
        for key in ("tactics", "techniques", "mitigations"):
            for item in matrix[key]:
                texts.append(str(item.get("description", "")))
                for link in item.get("techniques", []) or []:
                    if isinstance(link, dict):
                        texts.append(str(link.get("use", "")))
        for cs in atlas_data.get("case-studies", []):
            texts.append(str(cs.get("summary", "")))
            texts.extend(str(step.get("description", "")) for step in cs.get("procedure", []))
    if deck:
        for category in deck:
            for card in category["cards"]:
                texts.extend(str(card.get(k, "")) for k in ("question", "explanation", "recommendation"))
    return texts
