"""Sessions page: start new, resume, rename, delete. Everything is autosaved after each turn and edit."""

from __future__ import annotations

import streamlit as st

from app.interview.session import InterviewSession
from app.store import StoreError
from app.ui import state
from app.ui.resources import runner, services, store

st.title("Sessions")
snap = state.snapshot()
if st.button("Start a new interview", key="new_session", type="primary"):
    llm, _ = runner()
    session = InterviewSession.create(store(), services(), "Untitled AI system", llm)
    state.set_session(session.id)
    st.switch_page("pages/interview.py")

rows = store().all()
if not rows:
    st.caption("No sessions yet.")
for info in rows:
    current = " (current)" if info.id == snap.session_id else ""
    with st.container(border=True):
        st.markdown(f"**{info.name}**{current} · `{info.id}` · {info.turns} turns · {info.versions} versions · "
                    f"updated {info.updated_at}")
        c1, c2, c3 = st.columns([1, 2, 1])
        if c1.button("Resume", key=f"resume_{info.id}"):
            state.set_session(info.id)
            st.switch_page("pages/interview.py")
        name = c2.text_input("Name", value=info.name, key=f"name_{info.id}", label_visibility="collapsed")
        if c2.button("Rename", key=f"rename_{info.id}"):
            try:
                store().rename(info.id, name)
                session = InterviewSession.open(store(), services(), info.id)
                session.state.profile.name = name[:200] or "Untitled AI system"
                session.save()
            except StoreError as exc:
                st.error(str(exc))
            st.rerun()
        if c3.button("Delete", key=f"delete_{info.id}"):
            store().delete(info.id)
            if info.id == snap.session_id:
                state.set_session(None)
            st.rerun()
