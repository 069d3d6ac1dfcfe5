"""Data behind the pictures: a likelihood × impact risk matrix and an ATLAS tactic × technique heat map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.kb.loader import KnowledgeBase
from app.model import ThreatModel

BANDS = ("low (0-3)", "medium (4-5)", "high (6-7)", "very high (8-10)")


def band(value: float) -> str:
    if value >= 8:
        return BANDS[3]
    if value >= 6:
        return BANDS[2]
    if value >= 4:
        return BANDS[1]
    return BANDS[0]


@dataclass
class RiskMatrix:
    cells: dict[tuple[str, str], list[str]]

    @property
    def table(self) -> list[dict[str, str]]:
        """Rows = impact (highest first), columns = likelihood."""
        rows = []
        for impact in reversed(BANDS):
            row = {"impact ↓ / likelihood →": impact}
            for likelihood in BANDS:
                row[likelihood] = ", ".join(self.cells.get((impact, likelihood), []))
            rows.append(row)
        return rows


def risk_matrix(model: ThreatModel) -> RiskMatrix:
    cells: dict[tuple[str, str], list[str]] = {}
    for threat in model.threats:
        if threat.status.value == "rejected":
            continue
        cells.setdefault((band(threat.dread.impact), band(threat.dread.likelihood)), []).append(threat.id)
    return RiskMatrix(cells)


def atlas_heatmap(model: ThreatModel, kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One row per (tactic, technique) in the model, with the highest risk score and the threats."""
    rows: dict[tuple[int, str, str], dict[str, Any]] = {}
    for threat in model.threats:
        if threat.status.value == "rejected":
            continue
        for tech_id in threat.atlas_techniques:
            tech = kb.techniques.get(tech_id)
            if tech is None:
                continue
            for tactic_id in tech.tactics:
                tactic = kb.tactics[tactic_id]
                key = (tactic.order, tactic_id, tech_id)
                row = rows.setdefault(key, {"tactic": tactic.name, "technique": f"{tech_id} {tech.name}",
                                            "max risk": 0.0, "threats": []})
                row["max risk"] = max(row["max risk"], threat.dread.score)
                row["threats"].append(threat.id)
    out = []
    for key in sorted(rows):
        row = rows[key]
        out.append({**row, "threats": ", ".join(row["threats"])})
    return out
