"""Exports of a ThreatModel: JSON, Markdown, CSV, SARIF, ATLAS Navigator, Threat Dragon, OTM, Threat Composer."""

from __future__ import annotations

from collections.abc import Callable

from app.export.basic import to_csv, to_json, to_markdown
from app.model import ThreatModel

EXPORTERS: dict[str, Callable[[ThreatModel], str]] = {
    "json": to_json,
    "md": to_markdown,
    "csv": to_csv,
}
EXTENSIONS: dict[str, str] = {"json": "json", "md": "md", "csv": "csv"}

__all__ = ["EXPORTERS", "EXTENSIONS", "to_csv", "to_json", "to_markdown"]
