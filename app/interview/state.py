"""The interview's state (persisted as JSON) and how fact updates are applied to it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.interview.extract import CONFIDENCE_UNNAMED, FactUpdate
from app.llm_call import LLMUsage
from app.model.facts import (
    Fact,
    FactChange,
    FactSource,
    FactState,
    Provenance,
    SystemProfile,
    TextFact,
    get_fact,
    get_text_fact,
    set_fact,
    set_text_fact,
)


class Contradiction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    old_state: FactState
    old_quote: str
    new_state: FactState
    new_quote: str


class InterviewState(BaseModel):
    """Everything needed to resume an interview exactly where it stopped."""

    model_config = ConfigDict(extra="forbid")

    profile: SystemProfile = Field(default_factory=SystemProfile)
    user_turns: int = Field(default=0, description="How many user messages were processed.")
    asked: list[str] = Field(default_factory=list, description="Question ids asked so far, in order.")
    pending: str | None = Field(default=None, description="The question waiting for an answer.")
    follow_ups_done: list[str] = Field(default_factory=list, description="Questions already re-asked once.")
    settled: list[str] = Field(default_factory=list, description="Facts answered, even with 'don't know'.")
    contradiction: Contradiction | None = Field(default=None, description="A conflict to clear up next.")
    plot4ai_answers: dict[str, FactState] = Field(default_factory=dict, description="PLOT4ai card -> answer.")
    plot4ai_pending: str | None = Field(default=None, description="The PLOT4ai card question waiting.")
    plot4ai_asked: list[str] = Field(default_factory=list)
    drafted: bool = Field(default=False)
    llm_usage: LLMUsage = Field(default_factory=LLMUsage, description="LLM calls and tokens in this session.")


def apply_updates(state: InterviewState, updates: list[FactUpdate], turn: int, source: FactSource, correcting: bool,
                  asked: frozenset[str] = frozenset()) -> tuple[list[FactUpdate], Contradiction | None]:
    """Apply extracted facts with provenance; keep history on change. Returns what changed and a
    contradiction worth asking about: a change the user did not flag as a correction and that is not the
    answer to a question about that very fact (a direct answer outranks an earlier passing mention; the
    earlier state stays in the fact's history)."""
    changed: list[FactUpdate] = []
    conflict: Contradiction | None = None
    for update in updates:
        current = get_fact(state.profile, update.path)
        # an answer to a question about this very fact is the best evidence for it, even when the fact is read
        # from what the answer implies ("it books flights and pays" answers "can it use tools?")
        provenance = Provenance(turn=turn, quote=update.quote[:400], source=source, direct=update.path in asked)
        if update.state is FactState.UNKNOWN:
            if update.path not in state.settled:
                state.settled.append(update.path)
            continue
        if current.state is FactState.UNKNOWN:
            set_fact(state.profile, update.path,
                     Fact(state=update.state, confidence=update.confidence, provenance=[provenance]))
            changed.append(update)
        elif (current.state is update.state and update.how == "implied" and current.provenance
              and not provenance.direct):
            pass  # the words that stated it stay its evidence; an implication in passing adds nothing to them
        elif current.state is update.state:
            merged = current.model_copy(update={
                "confidence": max(current.confidence, update.confidence),
                "provenance": [*current.provenance, provenance][-5:],
            })
            set_fact(state.profile, update.path, merged)
        elif update.how == "implied" and current.confidence > CONFIDENCE_UNNAMED:
            continue  # an implication never overrides what the user said (only a soft no from omission)
        else:
            history = [*current.history, FactChange(state=current.state, confidence=current.confidence,
                                                    provenance=current.provenance)]
            set_fact(state.profile, update.path,
                     Fact(state=update.state, confidence=update.confidence, provenance=[provenance], history=history))
            changed.append(update)
            if (not correcting and conflict is None and current.confidence > CONFIDENCE_UNNAMED
                    and update.path not in asked):
                old_quote = current.provenance[-1].quote if current.provenance else ""
                conflict = Contradiction(path=update.path, old_state=current.state, old_quote=old_quote,
                                         new_state=update.state, new_quote=update.quote)
        if update.path not in state.settled:
            state.settled.append(update.path)
    return changed, conflict


def unsettle(state: InterviewState, path: str) -> None:
    """Two answers disagree and the user is not sure which holds: neither stands. The fact goes back to
    unknown (so threats that need it are drafted as cautious assumptions and the question stays open), and
    both earlier states stay in its history."""
    current = get_fact(state.profile, path)
    if current.state is FactState.UNKNOWN:
        return
    history = [*current.history, FactChange(state=current.state, confidence=current.confidence,
                                            provenance=current.provenance)]
    set_fact(state.profile, path, Fact(state=FactState.UNKNOWN, confidence=0.0, history=history))
    if path in state.settled:
        state.settled.remove(path)


def set_text(state: InterviewState, path: str, text: str, turn: int, source: FactSource) -> None:
    """Record a free-text answer (purpose, objectives...) with provenance."""
    current = get_text_fact(state.profile, path)
    value = text.strip()[:4000]
    if not value:
        return
    provenance = Provenance(turn=turn, quote=value[:400], source=source)
    set_text_fact(state.profile, path, TextFact(value=value, provenance=[*current.provenance, provenance][-5:]))
    if path not in state.settled:
        state.settled.append(path)


def edit_fact(state: InterviewState, path: str, new_state: FactState, turn: int) -> None:
    """A user edit from the UI: overrides with full history, confidence 1."""
    current = get_fact(state.profile, path)
    if current.state is new_state:
        return
    history = [*current.history, FactChange(state=current.state, confidence=current.confidence,
                                            provenance=current.provenance)]
    set_fact(state.profile, path, Fact(state=new_state, confidence=1.0 if new_state is not FactState.UNKNOWN else 0.0,
                                       provenance=[Provenance(turn=turn, quote="(edited by the user)",
                                                              source=FactSource.EDIT)],
                                       history=history))
    if path not in state.settled:
        state.settled.append(path)
