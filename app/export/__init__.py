"""Exports of a ThreatModel: JSON, Markdown, CSV, SARIF, ATLAS Navigator, Threat Dragon, OTM, Threat Composer."""

from __future__ import annotations

from collections.abc import Callable

from app.export.basic import to_csv, to_json, to_markdown
from app.export.diagram import to_dot, to_mermaid
from app.export.interop import to_navigator, to_sarif
from app.export.threat_composer import to_threat_composer
from app.export.tools import to_otm, to_threat_dragon
from app.model import ThreatModel


def _markdown_with_diagram(model: ThreatModel) -> str:
    return to_markdown(model, diagram=to_mermaid(model) if model.components else None)


def _navigator(model: ThreatModel) -> str:
    from app.kb.service import get_kb

    try:
        kb = get_kb()
        tactics = {t.id: t.tactics for t in kb.techniques.values()}
    except Exception:  # exporting must not depend on the knowledge base loading
        tactics = {}
    return to_navigator(model, tactics)


EXPORTERS: dict[str, Callable[[ThreatModel], str]] = {
    "json": to_json,
    "md": _markdown_with_diagram,
    "csv": to_csv,
    "sarif": to_sarif,
    "navigator": _navigator,
    "mermaid": to_mermaid,
    "dot": to_dot,
    "threat-dragon": to_threat_dragon,
    "otm": to_otm,
    "threat-composer": to_threat_composer,
}
EXTENSIONS: dict[str, str] = {"json": "json", "md": "md", "csv": "csv", "sarif": "sarif",
                              "navigator": "layer.json", "mermaid": "mmd", "dot": "dot",
                              "threat-dragon": "td.json", "otm": "otm.json", "threat-composer": "tc.json"}
MEDIA_TYPES: dict[str, str] = {"json": "application/json", "md": "text/markdown", "csv": "text/csv",
                               "sarif": "application/sarif+json", "navigator": "application/json",
                               "mermaid": "text/plain", "dot": "text/vnd.graphviz",
                               "threat-dragon": "application/json", "otm": "application/json",
                               "threat-composer": "application/json"}

__all__ = ["EXPORTERS", "EXTENSIONS", "MEDIA_TYPES", "to_csv", "to_dot", "to_json", "to_markdown", "to_mermaid",
           "to_navigator", "to_otm", "to_sarif", "to_threat_composer", "to_threat_dragon"]
