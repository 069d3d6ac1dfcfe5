"""Threat model page: threats by risk with filters, why each applies, mitigations, decisions and edits."""

from __future__ import annotations

import streamlit as st

from app.concerns import card_categories, stated_concerns
from app.editing import EditError, add_threat, edit_text, set_status
from app.model import Stride, ThreatStatus
from app.ui import state
from app.ui.resources import current_session, safe_text, services, warm_index

chat = current_session()
assert chat is not None
st.title("Threat model")
message = state.flash()
if message:
    st.success(message)
model = chat.latest_model()
if model is None:
    st.info("No draft yet. Answer a few questions on the Interview page, then press “Draft now”.")
    if st.button("Draft now", key="draft_from_threats"):
        warm_index()
        chat.draft("draft from the threat model page")
        st.rerun()
    st.stop()

svc = services()
kb, rules = svc.kb, svc.rules
st.caption(f"{len(model.threats)} threats · {len(model.mitigations)} mitigations · knowledge base "
           f"ATLAS {model.kb_versions.get('atlas')}, PLOT4ai {model.kb_versions.get('plot4ai')}, "
           f"OWASP LLM {model.kb_versions.get('owasp_llm')}")

with st.expander(f"Rules pass: {len(model.findings)} findings", expanded=bool(model.findings)):
    if not model.findings:
        st.markdown("Nothing to fix: every id exists in the knowledge base, every threat has a mitigation, no "
                    "threat is listed twice, every required threat and PLOT4ai answer has its threat, every "
                    "worst case you named has a threat that leads there, and no threat rests on an answer you "
                    "have since changed.")
    for finding in model.findings:
        icon = {"error": "🔴", "warning": "🟠", "info": "🔵"}[finding.severity.value]
        st.markdown(f"{icon} **{finding.rule_id}** {safe_text(finding.message)}  \n"
                    f"_Fix:_ {safe_text(finding.suggested_fix)}")

tactic_names = {t.id: t.name for t in kb.tactics.values()}
worst = {n.concern.id: n.concern for n in stated_concerns(model.profile)}
categories = card_categories(kb)
cols = st.columns(6 if worst else 5)
f_stride = cols[0].multiselect("STRIDE", [s.value for s in Stride], key="f_stride")
f_tactic = cols[1].multiselect("ATLAS tactic", list(tactic_names), format_func=lambda t: tactic_names.get(t, t),
                               key="f_tactic")
f_risk = cols[2].multiselect("Risk", ["critical", "high", "medium", "low"], key="f_risk")
f_status = cols[3].multiselect("Status", [s.value for s in ThreatStatus], key="f_status")
f_origin = cols[4].multiselect("Origin", sorted({t.origin.value for t in model.threats}), key="f_origin")
f_worst = cols[5].multiselect("Leads to your worst case", list(worst), format_func=lambda c: worst[c].label,
                              key="f_worst") if worst else []


def keep(threat) -> bool:  # type: ignore[no-untyped-def]
    tactics = {ta for t in threat.atlas_techniques if t in kb.techniques for ta in kb.techniques[t].tactics}
    return bool((not f_stride or {s.value for s in threat.stride} & set(f_stride))
            and (not f_tactic or tactics & set(f_tactic))
            and (not f_risk or threat.dread.risk.value in f_risk)
            and (not f_status or threat.status.value in f_status)
            and (not f_origin or threat.origin.value in f_origin)
            and (not f_worst or any(worst[c].covered_by(threat, categories) for c in f_worst)))


shown = [t for t in model.threats_by_risk() if keep(t)]
st.dataframe([{"Risk": f"{t.dread.risk.value} ({t.dread.score})", "Id": t.id, "Threat": t.title,
               "STRIDE": ", ".join(s.value for s in t.stride), "ATLAS": ", ".join(t.atlas_techniques),
               "Status": t.status.value} for t in shown], hide_index=True, width="stretch", key="threat_table")

explained = state.explanations()
for threat in shown:
    with st.expander(f"{threat.dread.risk.value.upper()} · {threat.title} ({threat.id})"):
        st.markdown(safe_text(threat.description))
        refs = ", ".join(threat.atlas_techniques + threat.plot4ai_cards + threat.owasp_llm) or "—"
        st.markdown(f"**References:** {refs} · **STRIDE:** {', '.join(s.value for s in threat.stride)}"
                    + (f" · **MAESTRO:** {threat.maestro_layer.value}" if threat.maestro_layer else ""))
        d = threat.dread
        st.markdown(f"**DREAD** damage {d.damage}, reproducibility {d.reproducibility}, exploitability "
                    f"{d.exploitability}, affected users {d.affected_users}, discoverability {d.discoverability} "
                    f"→ **{d.score}**")
        for adj in d.adjustments:
            st.caption(f"{adj.dimension} {adj.delta:+d}: {adj.reason}" if adj.delta else adj.reason)
        st.markdown("**Why it applies**")
        for why in threat.why_applies:
            st.markdown(f"- {safe_text(why.explanation)}")
            for ref in why.facts:
                quote = f" — “{safe_text(ref.quote)}”" if ref.quote else ""
                st.markdown(f"  - `{ref.path}` = {ref.state.value}{' (assumed)' if ref.assumed else ''}{quote}")
        st.markdown("**Mitigations**")
        for mit_id in threat.mitigations:
            mit = model.mitigation(mit_id)
            if mit is None:
                continue
            with st.container(border=True):
                st.markdown(f"**{mit.id} — {safe_text(mit.title)}**  \n{safe_text(mit.description)}")
                for i, step in enumerate(mit.how_to, 1):
                    st.markdown(f"{i}. {safe_text(step)}")
                if st.button("Explain", key=f"explain_{threat.id}_{mit.id}"):
                    explained[f"{threat.id}|{mit.id}"] = chat._explain(f"How do I implement {mit.id}?", chat.state)
                if f"{threat.id}|{mit.id}" in explained:
                    st.info(explained[f"{threat.id}|{mit.id}"])
        if threat.citations:
            st.markdown("**Sources and real cases:** " + "; ".join(
                f"{c.passage_id} {safe_text(c.title)} ({c.source}, {c.license})" for c in threat.citations))
        if st.button("Explain this threat", key=f"explain_{threat.id}"):
            warm_index()
            # naming the threat's id explains it as it stands in this model, then its technique or card
            explained[threat.id] = chat._explain(f"Why is {threat.id} a risk for us?", chat.state)
        if threat.id in explained:
            st.info(explained[threat.id])
        st.divider()
        c1, c2 = st.columns(2)
        statuses = [s.value for s in ThreatStatus]
        new_status = c1.selectbox("Decision", statuses, index=statuses.index(threat.status.value),
                                  key=f"status_{threat.id}")
        reason = c2.text_input("Reason", value=threat.status_reason or "", key=f"reason_{threat.id}")
        if st.button("Save decision", key=f"save_status_{threat.id}"):
            try:
                set_status(model, threat.id, ThreatStatus(new_status), reason, kb, rules)
                version = chat.save_model(model, f"{threat.id} marked {new_status}")
                state.flash(f"Saved as version {version}; the rules pass re-ran.")
                st.rerun()
            except EditError as exc:
                st.error(str(exc))
        title = st.text_input("Title", value=threat.title, key=f"title_{threat.id}")
        body = st.text_area("Description", value=threat.description, key=f"desc_{threat.id}")
        if st.button("Save text", key=f"save_text_{threat.id}"):
            try:
                edit_text(model, threat.id, title, body, kb, rules)
                version = chat.save_model(model, f"{threat.id} edited")
                state.flash(f"Saved as version {version}.")
                st.rerun()
            except EditError as exc:
                st.error(str(exc))

with st.expander("Add a threat"):
    new_title = st.text_input("Title", key="new_title")
    new_desc = st.text_area("What could happen?", key="new_desc")
    new_stride = st.multiselect("STRIDE", [s.value for s in Stride], key="new_stride")
    new_atlas = st.multiselect("ATLAS techniques", list(kb.techniques),
                               format_func=lambda t: f"{t} {kb.techniques[t].name}", key="new_atlas")
    if st.button("Add threat", key="add_threat"):
        try:
            added = add_threat(model, new_title, new_desc, [Stride(s) for s in new_stride], new_atlas, kb, rules)
            version = chat.save_model(model, f"{added.id} added by the user")
            state.flash(f"Added {added.id}; saved as version {version}.")
            st.rerun()
        except EditError as exc:
            st.error(str(exc))

versions = chat.store.versions(chat.id)
if len(versions) > 1:
    with st.expander("Compare versions (what changed)"):
        from app.diff import diff_models, to_markdown
        from app.model import ThreatModel

        labels = [f"v{v.version} · {v.cause} · {v.created_at}" for v in versions]
        c_old, c_new = st.columns(2)
        old_label = c_old.selectbox("From", labels, index=len(labels) - 2, key="diff_from")
        new_label = c_new.selectbox("To", labels, index=len(labels) - 1, key="diff_to")
        old_m = ThreatModel.model_validate_json(versions[labels.index(str(old_label))].model_json)
        new_m = ThreatModel.model_validate_json(versions[labels.index(str(new_label))].model_json)
        names = {t.id: t.title for t in old_m.threats} | {t.id: t.title for t in new_m.threats}
        st.markdown(safe_text(to_markdown(diff_models(old_m, new_m), names)))
