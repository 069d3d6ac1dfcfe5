"""Heavy resources, loaded once per server process (st.cache_resource), and the current session."""

from __future__ import annotations

import html

import streamlit as st

from app.interview.session import InterviewSession
from app.llm import LLMConfigError, get_chat_model
from app.llm_call import LLMRunner
from app.services import Services, get_services
from app.settings import get_settings
from app.store import SessionStore, StoreError
from app.ui import state


@st.cache_resource(show_spinner=False)
def _services(workspace: str) -> Services:
    return get_services()


def services() -> Services:
    return _services(str(get_settings().workspace))


@st.cache_resource(show_spinner="Loading the search index (first time only)…")
def _warm_index(workspace: str) -> bool:
    services().index.ensure_built()
    return True


def warm_index() -> bool:
    return _warm_index(str(get_settings().workspace))


@st.cache_resource(show_spinner=False)
def _store(path: str) -> SessionStore:
    return SessionStore(get_settings().sessions_db)


def store() -> SessionStore:
    return _store(str(get_settings().sessions_db))


def runner() -> tuple[LLMRunner | None, str | None]:
    """The configured LLM for this browser session, or (None, reason) when offline or misconfigured."""
    snap = state.snapshot(get_settings().llm)
    if snap.offline:
        return None, None
    settings = get_settings().model_copy(update={"llm": snap.llm, "llm_base_url": snap.base_url})
    try:
        chat_model = get_chat_model(settings, api_key=state.api_key())
    except LLMConfigError as exc:
        return None, f"LLM not available ({exc}); using the offline engine."
    if chat_model is None:
        return None, None
    return LLMRunner(chat_model, timeout=settings.llm_timeout, max_retries=settings.llm_max_retries), None


def current_session(create: bool = True) -> InterviewSession | None:
    """This browser session's interview (created on first visit)."""
    snap = state.snapshot()
    llm, _ = runner()
    if snap.session_id:
        try:
            return InterviewSession.open(store(), services(), snap.session_id, llm)
        except StoreError:
            state.set_session(None)
    if not create:
        return None
    session = InterviewSession.create(store(), services(), "Untitled AI system", llm)
    state.set_session(session.id)
    return session


def safe_text(text: str) -> str:
    """User or LLM text shown as text: HTML is escaped before Streamlit's Markdown sees it."""
    return html.escape(text, quote=False)


def mode_badge() -> None:
    snap = state.snapshot(get_settings().llm)
    label = "Offline engine" if snap.offline else f"LLM: {snap.llm}"
    st.sidebar.caption(f"Mode: **{label}**")


def latest_model_or_stop(title: str):  # type: ignore[no-untyped-def]
    """Page header plus this session's latest model; stops the page with a hint when none is drafted."""
    chat = current_session()
    assert chat is not None
    st.title(title)
    model = chat.latest_model()
    if model is None:
        st.info("Draft a threat model first (Interview page → “Draft now”).")
        st.stop()
    return chat, model
