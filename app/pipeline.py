"""End-to-end offline pipeline: description (+ answers) -> facts -> draft -> rules pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.checks import run_checks
from app.draft.drafter import draft_model
from app.interview.engine import InterviewEngine, Reply
from app.interview.state import InterviewState
from app.model import FactSource, ThreatModel
from app.services import Services


@dataclass
class PipelineResult:
    state: InterviewState
    model: ThreatModel
    replies: list[Reply]


def interview_from_texts(services: Services, description: str, answers: list[str] | None = None,
                         source: FactSource = FactSource.USER) -> tuple[InterviewState, list[Reply]]:
    """Feed a description and then one answer per planned question, as a user would."""
    engine = InterviewEngine(services.extractor, services.bank, services.kb)
    state = InterviewState()
    replies = [engine.respond(state, description, source=source)]
    for answer in answers or []:
        reply = engine.respond(state, answer, source=source)
        replies.append(reply)
        if reply.intent == "draft":
            break
    return state, replies


def draft_state(services: Services, state: InterviewState, *, use_index: bool = True,
                now: dt.datetime | None = None, name: str | None = None) -> ThreatModel:
    """The deterministic draft plus its rules-pass findings."""
    if name:
        state.profile.name = name[:200]
    model = draft_model(state.profile, services.kb, services.rules, bank=services.bank,
                        index=services.index if use_index else None, plot4ai_answers=state.plot4ai_answers, now=now)
    model.findings = run_checks(model, services.kb, services.rules, state.plot4ai_answers)
    return model


def run_pipeline(services: Services, description: str, answers: list[str] | None = None, *,
                 use_index: bool = True, name: str | None = None) -> PipelineResult:
    state, replies = interview_from_texts(services, description, answers)
    model = draft_state(services, state, use_index=use_index, name=name)
    return PipelineResult(state, model, replies)
