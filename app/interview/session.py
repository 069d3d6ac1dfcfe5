"""A persisted interview: every turn saved before and after processing, drafts saved as versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from app.explain import explain
from app.interview.engine import InterviewEngine, Reply
from app.interview.extract import FactUpdate
from app.interview.state import Contradiction, InterviewState
from app.llm_call import LLMFailure, LLMRunner
from app.model import FactSource, FactState, Finding, Severity, ThreatModel
from app.pipeline import draft_state
from app.services import Services
from app.store import SessionStore, StoreError


@dataclass
class TurnResult:
    reply: Reply
    model: ThreatModel | None = None
    version: int | None = None


class InterviewSession:
    """The domain object both the UI and the CLI drive."""

    def __init__(self, store: SessionStore, services: Services, session_id: str, state: InterviewState,
                 runner: LLMRunner | None = None) -> None:
        self.store = store
        self.services = services
        self.id = session_id
        self.state = state
        self.runner = runner
        if runner is not None:
            runner.usage = state.llm_usage  # accounting lives in the saved state
        self.engine = InterviewEngine(services.extractor, services.bank, services.kb, explain=self._explain)

    # -- lifecycle -------------------------------------------------------------------------------
    @classmethod
    def create(cls, store: SessionStore, services: Services, name: str = "Untitled AI system",
               runner: LLMRunner | None = None) -> InterviewSession:
        state = InterviewState()
        state.profile.name = name[:200] or "Untitled AI system"
        session_id = store.create(state.profile.name, state.model_dump(mode="json"))
        session = cls(store, services, session_id, state, runner)
        step = session.engine.opening(state)
        session.engine._mark_asked(state, step)
        store.add_turn(session_id, "assistant", greeting(step.text, step.why), meta={"kind": "greeting"},
                       state=state.model_dump(mode="json"))
        return session

    @classmethod
    def open(cls, store: SessionStore, services: Services, session_id: str,
             runner: LLMRunner | None = None) -> InterviewSession:
        data = store.load_state(session_id)
        return cls(store, services, session_id, InterviewState.model_validate(data), runner)

    @classmethod
    def import_model(cls, store: SessionStore, services: Services, model: ThreatModel,
                     name: str | None = None) -> InterviewSession:
        """A new session that continues an exported model: its facts, and the model as version 1."""
        state = InterviewState(profile=model.profile.model_copy(deep=True), drafted=True)
        if name:
            state.profile.name = name[:200]
        session_id = store.create(state.profile.name, state.model_dump(mode="json"))
        session = cls(store, services, session_id, state)
        store.add_version(session_id, model.model_dump_json(), "imported from JSON")
        step = session.engine.opening(state)
        session.engine._mark_asked(state, step)
        store.add_turn(session_id, "assistant", f"Imported “{model.title}” with {len(model.threats)} threats. "
                       f"Tell me what changed in the system and I'll update the model.\n\n{step.text}",
                       meta={"kind": "import"}, state=state.model_dump(mode="json"))
        return session

    def save(self) -> None:
        self.store.save_state(self.id, self.state.model_dump(mode="json"))

    # -- turns -----------------------------------------------------------------------------------
    def send(self, text: str | bytes | None, source: FactSource = FactSource.USER) -> TurnResult:
        """Record the message first (never lost), then answer, then record the answer and new state."""
        raw = text if isinstance(text, str) else (text or b"").decode("utf-8", errors="replace")
        self.store.add_turn(self.id, "user", raw[:200_000])
        llm_updates, llm_notice = self._llm_read(raw)
        try:
            reply = self.engine.respond(self.state, text, source=source, llm_updates=llm_updates)
            self._flag_disagreement(reply, llm_updates)
        except Exception as exc:  # keep the conversation alive and the answer saved whatever happens
            reply = Reply(f"Sorry — something went wrong while reading that ({exc.__class__.__name__}). Your "
                          "message is saved; you can rephrase or continue.", "error")
        if llm_notice:
            reply.notices.append(llm_notice)
        result = TurnResult(reply)
        changed = reply.intent == "answer" and any(u.how != "implied" for u in reply.changed)
        if self.state.drafted and changed and reply.intent != "draft":
            result.model, result.version = self._redraft_after_change(reply)
        if reply.intent == "draft":
            model, version = self.draft("draft requested in chat")
            result.model, result.version = model, version
            reply.text = (f"Drafted version {version}: {len(model.threats)} threats, {len(model.findings)} "
                          "findings. Open the threat model to review them.")
        meta: dict[str, Any] = {"intent": reply.intent, "notices": reply.notices,
                                "captured": [u.path for u in reply.captured]}
        self.store.add_turn(self.id, "assistant", reply.text, meta=meta, state=self.state.model_dump(mode="json"))
        return result

    def draft(self, cause: str = "draft", now: dt.datetime | None = None) -> tuple[ThreatModel, int]:
        """A new version; decisions on threats that still apply are carried over from the last one."""
        from app.checks import run_checks
        from app.draft.redraft import carry_decisions

        previous = self.latest_model()
        model = draft_state(self.services, self.state, now=now)
        if self.runner is not None:
            self._llm_tailor(model)
        if previous is not None:
            carry_decisions(previous, model)
            model.findings = run_checks(model, self.services.kb, self.services.rules, self.state.plot4ai_answers)
        self.state.drafted = True
        self.save()
        version = self.store.add_version(self.id, model.model_dump_json(), cause)
        return model, version

    def _redraft_after_change(self, reply: Reply) -> tuple[ThreatModel, int]:
        from app.diff import diff_models, to_markdown

        previous = self.latest_model()
        model, version = self.draft("re-draft after the facts changed")
        if previous is not None:
            difference = diff_models(previous, model)
            if not difference.empty:
                titles = {t.id: t.title for t in model.threats} | {t.id: t.title for t in previous.threats}
                reply.text += f"\n\nI re-drafted the threat model (version {version}). What changed:\n\n" + to_markdown(
                    difference, titles)
        return model, version

    def save_model(self, model: ThreatModel, cause: str) -> int:
        """A user edit of the model becomes a new version."""
        model.updated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return self.store.add_version(self.id, model.model_dump_json(), cause)

    def latest_model(self) -> ThreatModel | None:
        versions = self.store.versions(self.id)
        if not versions:
            return None
        return ThreatModel.model_validate_json(versions[-1].model_json)

    def transcript(self) -> list[tuple[str, str]]:
        return [(t.role, t.text) for t in self.store.turns(self.id)]

    def _explain(self, question: str, state: InterviewState) -> str:
        """After a draft, explanations know the model too ("what should we fix first?" ranks its threats)."""
        return explain_with_optional_llm(question, self.services, self.runner, profile=state.profile,
                                         model=self.latest_model())

    # -- LLM (optional) --------------------------------------------------------------------------
    def _llm_read(self, raw: str) -> tuple[list[FactUpdate], str | None]:
        """At most one LLM call per turn; on any failure the offline reading stands."""
        if self.runner is None or not raw.strip():
            return [], None
        from app.llm_tasks import llm_extract

        question = next((q for q in self.services.bank.questions if q.id == self.state.pending), None)
        try:
            return llm_extract(self.runner, raw[:8000], list(question.fills) if question else []), None
        except LLMFailure as failure:
            return [], failure.notice()

    def _flag_disagreement(self, reply: Reply, llm_updates: list[FactUpdate]) -> None:
        """Offline and LLM readings differ: ask, never choose silently."""
        offline = {u.path: u for u in reply.captured if u not in llm_updates}
        for update in llm_updates:
            mine = offline.get(update.path)
            if mine is None or mine.state is update.state or update.state is FactState.UNKNOWN:
                continue
            if self.state.contradiction is None:
                self.state.contradiction = Contradiction(path=update.path, old_state=mine.state, old_quote=mine.quote,
                                                         new_state=update.state, new_quote=update.quote)
                reply.text += "\n\nI read part of that two ways — see my next question so I record it correctly."
            break

    def _llm_tailor(self, model: ThreatModel) -> None:
        assert self.runner is not None
        query = self.state.profile.description or self.state.profile.scope.purpose.value or ""
        tailor_or_notice(self.runner, model, self.services, query, self.state.plot4ai_answers)


def tailor_or_notice(runner: LLMRunner, model: ThreatModel, services: Services, query: str,
                     plot4ai_answers: dict[str, FactState] | None = None) -> list[str]:
    """At most one tailoring call per draft; on failure a finding says the offline draft stands."""
    from app.checks import run_checks
    from app.kb.index import SearchFilter
    from app.llm_tasks import llm_tailor

    try:
        retrieved = [p.id for p in services.index.search(query, k=15, flt=SearchFilter(
            kinds=("technique", "owasp_llm", "plot4ai_card")))] if query else []
        added = llm_tailor(runner, model, services.kb, retrieved)
    except LLMFailure as failure:
        model.findings.append(Finding(rule_id="CHK-LLM-001", severity=Severity.INFO, message=failure.notice(),
                                      suggested_fix="Check the LLM settings, or keep the offline draft."))
        return []
    model.findings = run_checks(model, services.kb, services.rules, plot4ai_answers or {})
    return added


def explain_with_optional_llm(question: str, services: Services, runner: LLMRunner | None,
                              profile: object = None, model: ThreatModel | None = None) -> str:
    """LLM answer from retrieved passages when configured; the offline composition otherwise or on failure."""
    from app.model import SystemProfile

    prof = profile if isinstance(profile, SystemProfile) else (model.profile if model else None)
    try:
        index = services.index
    except Exception:  # no index: explain from named ids only
        index = None
    offline = explain(question, services.kb, index, profile=prof, model=model)
    if runner is None or index is None or not offline.found:
        return offline.with_sources()
    from app.llm_tasks import llm_explain

    passages = [{"id": p.id, "title": p.title, "source": p.source, "license": p.license, "text": p.text}
                for p in index.search(question, k=5)]
    for source in offline.sources[:3]:
        if source.id in index.by_id and all(p["id"] != source.id for p in passages):
            p = index.by_id[source.id]
            passages.append({"id": p.id, "title": p.title, "source": p.source, "license": p.license, "text": p.text})
    try:
        answer = llm_explain(runner, question, passages, prof)
    except LLMFailure as failure:
        return offline.with_sources() + f"\n\n_{failure.notice()}_"
    if answer.not_enough_information:
        return offline.with_sources()
    cited = [p for p in passages if p["id"] in answer.cited_ids]
    lines = [f"- {p['id']} — {p['title']} ({p['source']}, {p['license']})" for p in cited]
    return answer.answer + ("\n\n**Sources**\n" + "\n".join(lines) if lines else "")


def greeting(first_question: str, why: str) -> str:
    return (
        "Hi! I'm ThreatScribe. I'll ask about the AI system you're building — what it does, the model, its "
        "data, who can reach it and what it's connected to — then draft a threat model grounded in MITRE ATLAS, "
        "PLOT4ai and the OWASP Top 10 for LLM applications. It usually takes 10–15 questions (about 10 minutes). "
        "You can paste a whole description first, ask “why?” about anything, or say “draft” at any time.\n\n"
        f"{first_question}" + (f"\n\n_Why I ask: {why}_" if why else "")
    )


def open_or_fail(store: SessionStore, services: Services, session_id: str) -> InterviewSession:
    if not store.exists(session_id):
        raise StoreError(f"no session {session_id!r}; see `threatscribe sessions list`")
    return InterviewSession.open(store, services, session_id)
