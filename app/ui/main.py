"""Streamlit entry point: `streamlit run app/ui/main.py`."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

from app import settings as _settings  # noqa: E402,F401  (offline env vars before anything heavy)
from app.ui.resources import mode_badge  # noqa: E402

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="ThreatScribe", page_icon=":material/shield:", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "interview.py", title="Interview", icon=":material/chat:", default=True),
        st.Page(PAGES / "threats.py", title="Threat model", icon=":material/shield:"),
        st.Page(PAGES / "pictures.py", title="Pictures", icon=":material/account_tree:"),
        st.Page(PAGES / "export.py", title="Export", icon=":material/download:"),
        st.Page(PAGES / "sessions.py", title="Sessions", icon=":material/folder_open:"),
        st.Page(PAGES / "settings.py", title="Settings", icon=":material/settings:"),
    ]
)
mode_badge()
navigation.run()
