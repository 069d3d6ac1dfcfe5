"""The one adapter over `st.session_state`: keys as constants, a typed snapshot, small setters.

Nothing else in the app touches st.session_state (a test enforces it). API keys typed in the UI
live here, in this browser session only — never on disk, in logs or in exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

KEY_SESSION_ID = "ts_session_id"
KEY_LLM = "ts_llm"
KEY_BASE_URL = "ts_llm_base_url"
KEY_API_KEY = "ts_llm_api_key"
KEY_EXPLANATIONS = "ts_explanations"
KEY_FLASH = "ts_flash"


@dataclass(frozen=True)
class UISnapshot:
    session_id: str | None
    llm: str
    base_url: str | None
    has_api_key: bool

    @property
    def offline(self) -> bool:
        return self.llm in ("", "offline")


def snapshot(default_llm: str = "offline") -> UISnapshot:
    ss = st.session_state
    return UISnapshot(
        session_id=ss.get(KEY_SESSION_ID),
        llm=ss.get(KEY_LLM, default_llm),
        base_url=ss.get(KEY_BASE_URL) or None,
        has_api_key=bool(ss.get(KEY_API_KEY)),
    )


def set_session(session_id: str | None) -> None:
    st.session_state[KEY_SESSION_ID] = session_id
    st.session_state[KEY_EXPLANATIONS] = {}


def set_llm(llm: str, base_url: str | None, api_key: str | None) -> None:
    st.session_state[KEY_LLM] = llm
    st.session_state[KEY_BASE_URL] = base_url or ""
    if api_key is not None:
        st.session_state[KEY_API_KEY] = api_key


def api_key() -> str | None:
    value = st.session_state.get(KEY_API_KEY)
    return str(value) if value else None


def explanations() -> dict[str, str]:
    value: dict[str, str] = st.session_state.setdefault(KEY_EXPLANATIONS, {})
    return value


def flash(message: str | None = None) -> str | None:
    """Set a one-shot message (with an argument) or pop it (without)."""
    if message is not None:
        st.session_state[KEY_FLASH] = message
        return None
    value: Any = st.session_state.pop(KEY_FLASH, None)
    return str(value) if value else None
