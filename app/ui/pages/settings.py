"""Settings page: offline (default) or an LLM provider. A key typed here stays in this browser session only."""

from __future__ import annotations

import streamlit as st

from app.settings import get_settings
from app.ui import state
from app.ui.resources import runner

PROVIDERS = ["offline", "openai", "anthropic", "ollama", "openai-compatible"]

st.title("Settings")
snap = state.snapshot(get_settings().llm)
provider, _sep, model_name = snap.llm.partition(":")
provider = provider if provider in PROVIDERS else "offline"
choice = st.radio("Engine", PROVIDERS, index=PROVIDERS.index(provider), horizontal=True, key="llm_provider",
                  help="The offline engine is complete on its own; an LLM only improves wording and may add threats.")
if choice == "offline":
    if st.button("Use the offline engine", key="save_offline"):
        state.set_llm("offline", None, None)
        st.rerun()
else:
    name = st.text_input("Model name", value=model_name or {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5",
                                                            "ollama": "llama3.1"}.get(choice, ""), key="llm_model")
    base = st.text_input("Base URL (openai-compatible / ollama)", value=snap.base_url or "", key="llm_base")
    typed_key = st.text_input("API key (kept only in this browser session, never saved)", type="password",
                              key="llm_key")
    if st.button("Use this model", key="save_llm"):
        state.set_llm(f"{choice}:{name.strip()}", base.strip() or None, typed_key or None)
        _unused, problem = runner()
        if problem:
            st.error(problem)
        else:
            st.success(f"Using {choice}:{name.strip()}. The offline engine takes over if a call fails.")
st.caption(f"Workspace: `{get_settings().workspace}`")
