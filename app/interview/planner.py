"""The planner: skip what is known, ask the most useful next question, follow up on vague or
contradictory answers, and report coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.conditions import evaluate
from app.interview.questions import Question, QuestionBank
from app.interview.state import InterviewState
from app.kb.loader import KnowledgeBase, PlotCard
from app.model.facts import (
    FACT_PATHS,
    TEXT_FACT_PATHS,
    FactState,
    SystemProfile,
    fact_description,
    get_fact,
    get_text_fact,
)

MAX_PLOT4AI_QUESTIONS = 3
STATE_WORDS = {FactState.YES: "yes", FactState.NO: "no", FactState.UNKNOWN: "not sure"}


@dataclass
class Coverage:
    relevant: int
    known: int
    settled: int
    missing: list[str] = field(default_factory=list)

    @property
    def percent_known(self) -> int:
        return round(100 * self.known / self.relevant) if self.relevant else 100

    @property
    def percent_settled(self) -> int:
        return round(100 * self.settled / self.relevant) if self.relevant else 100

    @property
    def complete(self) -> bool:
        return self.settled >= self.relevant


@dataclass
class NextStep:
    kind: str  # question | follow_up | contradiction | plot4ai | done
    text: str
    why: str = ""
    question_id: str | None = None
    card_id: str | None = None
    fills: list[str] = field(default_factory=list)


def is_known(profile: SystemProfile, path: str) -> bool:
    if path in TEXT_FACT_PATHS:
        return get_text_fact(profile, path).known
    return get_fact(profile, path).known


def relevant_questions(bank: QuestionBank, profile: SystemProfile, include_optional: bool = False) -> list[Question]:
    return [q for q in bank.ordered() if (include_optional or not q.optional)
            and (q.ask_when is None or evaluate(q.ask_when, profile)[0])]


def coverage(bank: QuestionBank, state: InterviewState) -> Coverage:
    relevant = list(dict.fromkeys(p for q in relevant_questions(bank, state.profile) for p in q.fills))
    known = [p for p in relevant if is_known(state.profile, p)]
    settled = [p for p in relevant if p in known or p in state.settled]
    return Coverage(len(relevant), len(known), len(settled), [p for p in relevant if p not in settled])


def next_step(bank: QuestionBank, state: InterviewState, kb: KnowledgeBase | None = None,
              last_answer_was_vague: bool = False) -> NextStep:
    """What to ask next (or that we are done)."""
    if state.contradiction is not None:
        c = state.contradiction
        label = fact_description(c.path).rstrip(".")
        return NextStep(
            "contradiction",
            f"Earlier you said “{c.old_quote}” ({STATE_WORDS[c.old_state]}), and now “{c.new_quote}” "
            f"({STATE_WORDS[c.new_state]}). Which is right about this: {label.lower()}?",
            why="A contradiction here changes which threats apply, so I want to be sure.",
            fills=[c.path],
        )
    by_id = {q.id: q for q in bank.questions}
    pending = by_id.get(state.pending or "")
    if (last_answer_was_vague and pending and pending.follow_up_if_vague
            and pending.id not in state.follow_ups_done):
        return NextStep("follow_up", pending.follow_up_if_vague, why=pending.why, question_id=pending.id,
                        fills=pending.fills)
    core = relevant_questions(bank, state.profile)
    optional = [q for q in relevant_questions(bank, state.profile, include_optional=True) if q.optional]
    for question in core + optional:  # optional questions only once the core ones are settled
        if question.id in state.asked:
            continue
        open_facts = [p for p in question.fills if not is_known(state.profile, p) and p not in state.settled]
        if open_facts:
            return NextStep("question", question.text, why=question.why, question_id=question.id,
                            fills=question.fills)
    if kb is not None and len(state.plot4ai_asked) < MAX_PLOT4AI_QUESTIONS:
        card = next((c for c in relevant_cards(kb, state.profile) if c.id not in state.plot4ai_asked), None)
        if card is not None and card.prose is not None:
            return NextStep("plot4ai", card.prose.question,
                            why=f"From the PLOT4ai library ({card.category}): {card.label}.", card_id=card.id)
    return NextStep("done", "I have what I need for a first draft. Say “draft” and I'll build the threat model.")


def relevant_cards(kb: KnowledgeBase, profile: SystemProfile, limit: int = 8) -> list[PlotCard]:
    """PLOT4ai cards whose signs the facts satisfy best (and that fit the AI type)."""
    generative = any(get_fact(profile, p).state is FactState.YES for p in ("model.kind_llm_chat", "model.kind_agent",
                                                                            "model.kind_generative_media"))
    scored: list[tuple[int, str, PlotCard]] = []
    for card in kb.plot_cards.values():
        if card.prose is None or not card.prose.signs:
            continue
        if ("Generative" if generative else "Traditional") not in card.aitypes:
            continue
        hits = 0
        for sign in card.prose.signs:
            path, _, wanted = sign.partition("=")
            if path in FACT_PATHS and get_fact(profile, path).state.value == wanted:
                hits += 1
        if hits >= 2:
            scored.append((-hits, card.id, card))
    return [card for _, _, card in sorted(scored)[:limit]]
