"""What a draft does not know: the assumptions its threats rest on, and the questions still open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.draft.rules import RuleSet
from app.interview.planner import relevant_questions
from app.interview.questions import QuestionBank
from app.model import FACT_PATHS, Assumption, FactState, OpenQuestion, SystemProfile, get_fact
from app.wording import mid_sentence

if TYPE_CHECKING:
    from app.draft.drafter import Candidate


def assumptions(candidates: list[Candidate], profile: SystemProfile, rules: RuleSet) -> list[Assumption]:
    """Each unknown fact a drafted threat rests on, assumed the cautious way, with the question that settles it."""
    by_rule = {r.id: r for r in rules.rules}
    seen: dict[str, Assumption] = {}
    for cand in candidates:
        for why in cand.why:
            rule = by_rule.get(why.rule_id or "")
            assumed = [ref for ref in why.facts if ref.assumed]
            for ref in assumed:
                if ref.path in seen:
                    continue
                label = mid_sentence(_fact_label(ref.path))
                state = FactState.YES if _assumed_yes(rule, ref.path) else FactState.NO
                # the rule's own question settles its one unknown fact; with several, each gets its own
                own_question = rule.question if rule and rule.question and len(assumed) == 1 else None
                seen[ref.path] = Assumption(
                    id=f"A-{ref.path}",
                    fact=ref.path,
                    assumed_state=state,
                    statement=("Not yet known; to be safe we assume that " + label if state is FactState.YES
                               else "Not yet known; to be safe we assume it is not the case that " + label) + ".",
                    question=own_question or f"Is this true of your system: {label}?",
                )
    return sorted(seen.values(), key=lambda a: a.id)


def _assumed_yes(rule: object, path: str) -> bool:
    from app.conditions import All, Any_, FactIs, Not

    def walk(cond: object) -> str | None:
        if isinstance(cond, FactIs):
            return cond.is_ if cond.fact == path else None
        if isinstance(cond, All | Any_):
            for part in (cond.all if isinstance(cond, All) else cond.any):
                found = walk(part)
                if found:
                    return found
        if isinstance(cond, Not):
            return walk(cond.not_)
        return None

    return walk(getattr(rule, "when", None)) != "no_or_unknown"


def _fact_label(path: str) -> str:
    from app.model.facts import fact_description

    return fact_description(path)


def open_questions(profile: SystemProfile, bank: QuestionBank | None) -> list[OpenQuestion]:
    """The relevant questions that would still settle unknown facts (at most eight)."""
    if bank is None:
        return []
    out: list[OpenQuestion] = []
    for question in relevant_questions(bank, profile):
        unknown = [p for p in question.fills if p in FACT_PATHS and get_fact(profile, p).state is FactState.UNKNOWN]
        if unknown:
            out.append(OpenQuestion(id=question.id.replace("Q-", "OQ-"), question=question.text, facts=unknown,
                                    why=question.why))
    return out[:8]
