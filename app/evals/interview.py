"""Interview efficiency: a simulated user answers each question from a scenario's facts; we count
questions until coverage is complete (every relevant fact settled)."""

from __future__ import annotations

import statistics
from typing import Any

from app.evals.scenarios import Scenario
from app.interview.engine import InterviewEngine
from app.interview.planner import coverage
from app.interview.questions import QuestionBank
from app.interview.state import InterviewState
from app.model import FACT_PATHS, FactState, get_fact
from app.model.facts import TEXT_FACT_PATHS, fact_description
from app.services import Services
from app.wording import mid_sentence

MAX_QUESTIONS = 60


def simulated_answer(fills: list[str], facts: dict[str, str]) -> str:
    """What a user who knows `facts` (and nothing else) would say to a question about `fills`."""
    sentences: list[str] = []
    unknown = False
    for path in fills:
        if path in TEXT_FACT_PATHS:
            sentences.append("It helps our users with their work.")
            continue
        value = facts.get(path)
        label = fact_description(path).rstrip(".")
        if value == "yes":
            sentences.append(f"{label}.")
        elif value == "no":
            sentences.append(f"No, it is not the case that {mid_sentence(label)}.")
        else:
            unknown = True
    if unknown:
        sentences.insert(0, "I'm not sure about some of that.")
    return " ".join(sentences) or "I don't know."


def interview_scenario(engine: InterviewEngine, bank: QuestionBank, scenario: Scenario) -> dict[str, Any]:
    state = InterviewState()
    step = engine.opening(state)
    engine._mark_asked(state, step)
    engine.respond(state, scenario.description)
    questions = 0
    while questions < MAX_QUESTIONS:
        if coverage(bank, state).complete or state.pending is None:
            break
        question = next(q for q in bank.questions if q.id == state.pending)
        questions += 1
        engine.respond(state, simulated_answer(list(question.fills), scenario.facts))
    cov = coverage(bank, state)
    agree = sum(1 for p, v in scenario.facts.items() if p in FACT_PATHS and get_fact(state.profile, p).state.value == v)
    wrong = sum(1 for p, v in scenario.facts.items() if p in FACT_PATHS
                and get_fact(state.profile, p).state not in (FactState.UNKNOWN, FactState(v)))
    return {"id": scenario.id, "questions": questions, "complete": cov.complete, "coverage": cov.percent_settled,
            "facts_right": agree, "facts_wrong": wrong, "facts_total": len(scenario.facts)}


def evaluate(services: Services, scenarios: list[Scenario]) -> dict[str, Any]:
    engine = InterviewEngine(services.extractor, services.bank, services.kb)
    rows = [interview_scenario(engine, services.bank, s) for s in scenarios if not s.skip and s.facts]
    counts = [r["questions"] for r in rows]
    return {
        "scenarios": len(rows),
        "median_questions": statistics.median(counts) if counts else 0,
        "max_questions": max(counts) if counts else 0,
        "complete": sum(1 for r in rows if r["complete"]),
        "fact_accuracy": round(sum(r["facts_right"] for r in rows) / max(1, sum(r["facts_total"] for r in rows)), 4),
        "facts_wrong": sum(r["facts_wrong"] for r in rows),
        "rows": rows,
    }
