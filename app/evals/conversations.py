"""Conversation eval: whole interviews with natural answers written per question, scored on the facts
the interview ends with. Unlike `eval interview` (a simulated user who restates fact descriptions), the
answers here are how people actually reply: short, sloppy, hedged, sometimes off the point."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.interview.engine import InterviewEngine
from app.interview.state import InterviewState
from app.model import FACT_PATHS, FactState, get_fact
from app.services import Services
from app.yamlfile import read_yaml

MAX_TURNS = 45
DONT_KNOW = "I'm not sure."


class ConversationError(ValueError):
    """A conversation file does not follow the contract."""


@dataclass
class Conversation:
    id: str
    name: str
    description: str
    answers: dict[str, str]
    expected: dict[str, FactState] = field(default_factory=dict)


def _state(value: Any) -> FactState:
    if value is True or str(value).lower() == "yes":
        return FactState.YES
    if value is False or str(value).lower() == "no":
        return FactState.NO
    raise ValueError(f"expected yes or no, got {value!r}")


def load_conversations(directory: Path, question_ids: set[str] | None = None) -> list[Conversation]:
    """Every *.yaml in `directory`; with `question_ids`, answers to unknown questions are an error (a typo in
    an answer key would otherwise silently turn into "I'm not sure.")."""
    out: list[Conversation] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = read_yaml(path)
            expected = {str(k): _state(v) for k, v in (data.get("expected") or {}).items()}
            unknown = [k for k in expected if k not in FACT_PATHS]
            if unknown:
                raise ValueError(f"unknown fact paths {unknown}")
            stray = [k for k in (data.get("answers") or {}) if question_ids is not None
                     and str(k).removesuffix("#fu") not in question_ids]
            if stray:
                raise ValueError(f"answers to unknown questions {stray}")
            out.append(Conversation(
                id=path.stem, name=str(data.get("name") or path.stem), description=str(data["description"]),
                answers={str(k): str(v) for k, v in (data.get("answers") or {}).items()}, expected=expected))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConversationError(f"{path}: not a valid conversation ({exc.__class__.__name__}: {exc})") from exc
    return out


def run_conversation(engine: InterviewEngine, conversation: Conversation) -> tuple[InterviewState, int]:
    """Play the interview: the description first, then the written answer to whatever is asked
    ("I'm not sure." when the writer gave none, and to contradiction questions). Stops at PLOT4ai cards."""
    state = InterviewState()
    engine._mark_asked(state, engine.opening(state))
    reply = engine.respond(state, conversation.description)
    questions = 0
    while questions < MAX_TURNS and reply.step is not None and reply.step.kind in ("question", "follow_up",
                                                                                       "contradiction"):
        questions += 1
        ident = reply.step.question_id or ""
        if reply.step.kind == "follow_up":
            answer = conversation.answers.get(f"{ident}#fu") or conversation.answers.get(ident) or DONT_KNOW
        elif reply.step.kind == "question":
            answer = conversation.answers.get(ident, DONT_KNOW)
        else:
            answer = DONT_KNOW
        reply = engine.respond(state, answer)
    return state, questions


def evaluate(services: Services, conversations: list[Conversation]) -> dict[str, Any]:
    engine = InterviewEngine(services.extractor, services.bank, services.kb)
    rows: list[dict[str, Any]] = []
    for conversation in conversations:
        state, questions = run_conversation(engine, conversation)
        right = wrong = unsettled = 0
        errors: list[dict[str, str]] = []
        for path, want in conversation.expected.items():
            got = get_fact(state.profile, path).state
            if got is want:
                right += 1
            elif got is FactState.UNKNOWN:
                unsettled += 1
                errors.append({"fact": path, "want": want.value, "got": "unknown"})
            else:
                wrong += 1
                fact = get_fact(state.profile, path)
                quote = fact.provenance[-1].quote if fact.provenance else ""
                errors.append({"fact": path, "want": want.value, "got": got.value, "quote": quote})
        rows.append({"id": conversation.id, "questions": questions, "expected": len(conversation.expected),
                     "right": right, "wrong": wrong, "unsettled": unsettled, "errors": errors})
    total = sum(r["expected"] for r in rows)
    right = sum(r["right"] for r in rows)
    wrong = sum(r["wrong"] for r in rows)
    return {
        "conversations": len(rows),
        "facts": total,
        "accuracy": round(right / total, 4) if total else 1.0,
        "wrong_rate": round(wrong / total, 4) if total else 0.0,
        "precision": round(right / (right + wrong), 4) if right + wrong else 1.0,
        "median_questions": statistics.median([r["questions"] for r in rows]) if rows else 0,
        "rows": rows,
    }
