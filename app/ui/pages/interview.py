"""Interview page: the chat, and beside it the live picture (facts, coverage, open questions)."""

from __future__ import annotations

import streamlit as st

from app.interview.planner import coverage
from app.model import FACT_PATHS, FactState, get_fact
from app.model.facts import best_evidence, fact_description
from app.ui import state
from app.ui.resources import current_session, safe_text, services, warm_index

STATES = ["yes", "no", "unknown"]

chat = current_session()
assert chat is not None
st.title("ThreatScribe")
message = state.flash()
if message:
    # A failed LLM call is a warning: the offline engine's reading was used instead.
    (st.warning if "offline engine" in message else st.success)(message)

left, right = st.columns([3, 2], gap="large")
with left:
    for role, text in chat.transcript():
        with st.chat_message("user" if role == "user" else "assistant"):
            st.markdown(safe_text(text))
    prompt = st.chat_input("Describe your system, answer the question, or ask “why…?”", key="chat_input")
    if prompt is not None:
        if chat.engine.explain is not None and prompt.strip().lower().startswith(("why", "what", "how", "explain")):
            warm_index()
        result = chat.send(prompt)
        for notice in result.reply.notices:
            state.flash(notice)
        st.rerun()
    if st.button("Draft now", key="draft_now", type="primary"):
        with st.status("Drafting the threat model…", expanded=True) as status:
            st.write("Loading the knowledge base and search index…")
            warm_index()
            st.write("Firing rules on your facts, searching ATLAS, PLOT4ai and OWASP, scoring DREAD…")
            drafted, version = chat.draft("draft from the interview page")
            st.write(f"Rules pass: {len(drafted.findings)} findings.")
            status.update(label=f"Draft version {version}: {len(drafted.threats)} threats", state="complete")
        state.flash(f"Draft version {version} is ready: {len(drafted.threats)} threats. Open “Threat model”.")
        st.rerun()

with right:
    bank = services().bank
    cov = coverage(bank, chat.state)
    st.subheader("What I know so far")
    st.progress(cov.percent_settled / 100, text=f"Coverage: {cov.percent_settled}% of relevant questions settled "
                                                 f"({cov.percent_known}% known)")
    known = [p for p in FACT_PATHS if get_fact(chat.state.profile, p).known]
    if not known:
        st.caption("Nothing yet — paste a description of your system to start.")
    for path in known:
        fact = get_fact(chat.state.profile, path)
        evidence = best_evidence(fact.provenance)
        words = f" — “{safe_text(evidence.quote)}”" if evidence else ""
        unsure = " _(unsure)_" if fact.confidence < 0.6 else ""
        st.markdown(f"- **{fact.state.value}** · {fact_description(path)}{unsure}{words}")
    scope = chat.state.profile.scope
    if scope.security_objectives.value or scope.worst_cases is not None:
        from app.concerns import load_concerns, stated_concerns

        named = stated_concerns(chat.state.profile)
        how = "you confirmed" if scope.worst_cases is not None else "read from your answer"
        listed = "; ".join(n.concern.label for n in named) or "none recognised"
        st.markdown(f"**Worst cases** ({how}): {listed}")
        with st.expander("Correct the worst cases"):
            catalogue = {c.id: c.label for c in load_concerns()}
            chosen = st.multiselect("Worst cases", list(catalogue), default=[n.concern.id for n in named],
                                    format_func=catalogue.__getitem__, key="edit_worst_cases")
            if st.button("Save worst cases", key="edit_worst_cases_save"):
                scope.worst_cases = list(chosen)
                chat.save()
                state.flash("Saved your worst cases. Re-draft so threats that lead there score higher.")
                st.rerun()
            if scope.worst_cases is not None and st.button("Read them from my answer again", key="reset_worst"):
                scope.worst_cases = None
                chat.save()
                st.rerun()
    with st.expander("Correct a fact"):
        path = st.selectbox("Fact", FACT_PATHS, format_func=fact_description, key="edit_fact_path")
        current = get_fact(chat.state.profile, path).state.value
        choice = st.radio("It is", STATES, index=STATES.index(current), horizontal=True, key="edit_fact_state")
        if st.button("Save correction", key="edit_fact_save"):
            from app.interview.state import edit_fact

            edit_fact(chat.state, path, FactState(choice), chat.state.user_turns)
            chat.save()
            state.flash(f"Saved: {fact_description(path)} = {choice}. Re-draft to update the threat model.")
            st.rerun()
    model = chat.latest_model()
    if cov.missing:
        st.subheader("Still open")
        for path in cov.missing[:8]:
            st.markdown(f"- {fact_description(path)}")
    if model and model.assumptions:
        st.subheader("Assumptions in the last draft")
        for assumption in model.assumptions[:8]:
            st.markdown(f"- {assumption.statement} — _{assumption.question}_")
    if chat.state.llm_usage.calls:
        st.caption(chat.state.llm_usage.summary())
