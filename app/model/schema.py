"""The published JSON Schema of threat-model files (what ThreatScribe writes)."""

from __future__ import annotations

from typing import Any

from app.model.threat_model import SCHEMA_VERSION, ThreatModel

SCHEMA_ID = "https://github.com/threatscribe/threatscribe/docs/threat-model.schema.json"


def model_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a serialised ThreatModel, including derived DREAD score and risk."""
    schema = ThreatModel.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "x-schema-version": SCHEMA_VERSION,
        **schema,
    }
