"""Streamlit entry point: `streamlit run app/ui/main.py`."""

from __future__ import annotations

import streamlit as st

GREETING = (
    "Hi! I'm ThreatScribe. Tell me about the AI system you are building — what it does, which model "
    "it uses, what data it learns from, who can reach it and what it is connected to. I'll ask a few "
    "follow-up questions (about 10 minutes), then draft a threat model grounded in MITRE ATLAS, "
    "PLOT4ai and the OWASP Top 10 for LLM applications."
)

st.set_page_config(page_title="ThreatScribe", page_icon="🛡️", layout="wide")
st.title("ThreatScribe")
with st.chat_message("assistant"):
    st.markdown(GREETING)
