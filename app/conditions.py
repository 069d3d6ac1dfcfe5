"""Condition trees over facts (rules, interview questions): all / any / not over `fact is STATE`.

Parsed into a pydantic union; fact paths are checked when the file loads, so a typo fails
loudly. No eval: the operator table below is all there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.model.facts import FACT_PATHS, FactState, SystemProfile, get_fact

Operator = Literal["yes", "no", "unknown", "known", "yes_or_unknown", "no_or_unknown"]


def _yaml_bool(value: Any) -> Any:
    # YAML 1.1 reads bare yes/no as booleans; accept them as the words they were meant to be.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class FactIs(BaseModel):
    """`fact` has state `is` (yes_or_unknown: an unknown fact counts, as an assumption)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fact: str = Field(description="A fact path from the catalogue.")
    is_: Operator = Field(alias="is", description="yes, no, unknown, known, yes_or_unknown, no_or_unknown.")

    @field_validator("fact")
    @classmethod
    def _path(cls, value: str) -> str:
        if value not in FACT_PATHS:
            raise ValueError(f"unknown fact path {value!r}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _bools(cls, data: Any) -> Any:
        if isinstance(data, dict) and "is" in data:
            data = {**data, "is": _yaml_bool(data["is"])}
        return data


class All(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all: list[Condition] = Field(min_length=1)


class Any_(BaseModel):
    model_config = ConfigDict(extra="forbid")
    any: list[Condition] = Field(min_length=1)


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid")
    not_: Condition = Field(alias="not")


Condition = Union[FactIs, All, Any_, Not]  # noqa: UP007  (pydantic needs the runtime union)
All.model_rebuild()
Any_.model_rebuild()
Not.model_rebuild()


@dataclass(frozen=True)
class Match:
    """One predicate that held: the fact, the state it had, and whether it was assumed."""

    path: str
    state: FactState
    assumed: bool
    assumed_as: FactState | None = None


def evaluate(condition: Condition, profile: SystemProfile) -> tuple[bool, list[Match]]:
    """Whether `condition` holds for `profile`, and the fact predicates that made it hold."""
    if isinstance(condition, FactIs):
        state = get_fact(profile, condition.fact).state
        ok, assumed = _check(condition.is_, state)
        assumed_as = None
        if assumed:
            assumed_as = FactState.YES if condition.is_ == "yes_or_unknown" else FactState.NO
        return ok, [Match(condition.fact, state, assumed, assumed_as)] if ok else []
    if isinstance(condition, All):
        matches: list[Match] = []
        for part in condition.all:
            ok, found = evaluate(part, profile)
            if not ok:
                return False, []
            matches += found
        return True, matches
    if isinstance(condition, Any_):
        matched = False
        matches = []
        for part in condition.any:
            ok, found = evaluate(part, profile)
            if ok:
                matched = True
                matches += found
        # Prefer firm evidence: when some branch holds without assumptions, drop assumed ones.
        if matched and any(not m.assumed for m in matches):
            matches = [m for m in matches if not m.assumed] or matches
        return matched, matches
    ok, _ = evaluate(condition.not_, profile)
    return (not ok), []


def _check(operator: str, state: FactState) -> tuple[bool, bool]:
    if operator == "yes_or_unknown":
        return state in (FactState.YES, FactState.UNKNOWN), state is FactState.UNKNOWN
    if operator == "no_or_unknown":
        return state in (FactState.NO, FactState.UNKNOWN), state is FactState.UNKNOWN
    if operator == "known":
        return state is not FactState.UNKNOWN, False
    return state.value == operator, False


def facts_in(condition: Condition) -> set[str]:
    """Every fact path a condition mentions."""
    if isinstance(condition, FactIs):
        return {condition.fact}
    if isinstance(condition, All):
        return set().union(*(facts_in(c) for c in condition.all))
    if isinstance(condition, Any_):
        return set().union(*(facts_in(c) for c in condition.any))
    return facts_in(condition.not_)
