"""A persisted interview: every turn saved before and after processing, drafts saved as versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from app.explain import explain
from app.interview.engine import InterviewEngine, Reply
from app.interview.state import InterviewState
from app.model import FactSource, ThreatModel
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

    def __init__(self, store: SessionStore, services: Services, session_id: str, state: InterviewState) -> None:
        self.store = store
        self.services = services
        self.id = session_id
        self.state = state
        self.engine = InterviewEngine(services.extractor, services.bank, services.kb, explain=self._explain)

    # -- lifecycle -------------------------------------------------------------------------------
    @classmethod
    def create(cls, store: SessionStore, services: Services, name: str = "Untitled AI system") -> InterviewSession:
        state = InterviewState()
        state.profile.name = name[:200] or "Untitled AI system"
        session_id = store.create(state.profile.name, state.model_dump(mode="json"))
        session = cls(store, services, session_id, state)
        step = session.engine.opening(state)
        session.engine._mark_asked(state, step)
        store.add_turn(session_id, "assistant", greeting(step.text, step.why), meta={"kind": "greeting"},
                       state=state.model_dump(mode="json"))
        return session

    @classmethod
    def open(cls, store: SessionStore, services: Services, session_id: str) -> InterviewSession:
        data = store.load_state(session_id)
        return cls(store, services, session_id, InterviewState.model_validate(data))

    def save(self) -> None:
        self.store.save_state(self.id, self.state.model_dump(mode="json"))

    # -- turns -----------------------------------------------------------------------------------
    def send(self, text: str | bytes | None, source: FactSource = FactSource.USER) -> TurnResult:
        """Record the message first (never lost), then answer, then record the answer and new state."""
        raw = text if isinstance(text, str) else (text or b"").decode("utf-8", errors="replace")
        self.store.add_turn(self.id, "user", raw[:200_000])
        try:
            reply = self.engine.respond(self.state, text, source=source)
        except Exception as exc:  # keep the conversation alive and the answer saved whatever happens
            reply = Reply(f"Sorry — something went wrong while reading that ({exc.__class__.__name__}). Your "
                          "message is saved; you can rephrase or continue.", "error")
        result = TurnResult(reply)
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
        model = draft_state(self.services, self.state, now=now)
        self.state.drafted = True
        self.save()
        version = self.store.add_version(self.id, model.model_dump_json(), cause)
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
        services = self.services
        try:
            index = services.index
        except Exception:  # no index: explain from named ids only
            index = None
        return explain(question, services.kb, index, profile=state.profile).with_sources()


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
