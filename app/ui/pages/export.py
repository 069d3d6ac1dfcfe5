"""Export page: downloads of the latest model in every format."""

from __future__ import annotations

import re

import streamlit as st

from app.export import EXPORTERS, EXTENSIONS, MEDIA_TYPES
from app.ui.resources import latest_model_or_stop

LABELS = {"md": "Markdown report", "json": "JSON (re-importable)", "csv": "CSV of threats", "sarif": "SARIF 2.1.0",
          "navigator": "ATLAS Navigator layer", "mermaid": "Mermaid diagram", "dot": "Graphviz DOT diagram",
          "threat-dragon": "OWASP Threat Dragon v2", "otm": "Open Threat Model (OTM)",
          "threat-composer": "AWS Threat Composer"}

_, model = latest_model_or_stop("Export")
stem = re.sub(r"[^A-Za-z0-9]+", "-", model.profile.name).strip("-").lower() or "threat-model"
st.caption(f"Latest version of “{model.title}”, {len(model.threats)} threats.")
for fmt, exporter in EXPORTERS.items():
    st.download_button(f"Download {LABELS.get(fmt, fmt)}", data=exporter(model).encode("utf-8"),
                       file_name=f"{stem}.{EXTENSIONS[fmt]}", mime=MEDIA_TYPES[fmt], key=f"download_{fmt}")
