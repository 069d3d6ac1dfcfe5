"""The extraction pattern file's contract (`knowledge/interview/extraction.yaml`): per fact, regexes that
say "yes" and regexes that say "no", the cue words (negation, hedges, don't-know, yes/no, corrections)
and implications between facts. Unknown fact paths and bad regexes fail at load."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.model.facts import FACT_PATHS
from app.yamlfile import read_yaml


class FactPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid")

    negatable: bool = Field(
        default=True,
        description="A nearby 'not' flips a yes pattern; off for topics ('we have not tested the face model').",
    )
    prefer_yes: bool = Field(
        default=False, description="Any plain 'yes' in the message outweighs a 'no' (partial automation is automation)."
    )
    prefer_no: bool = Field(
        default=False, description="Any plain 'no' in the message outweighs a 'yes' (a control in place for only part "
        "of the system is not in place: 'the serving image is pinned, training is not').",
    )
    yes_if: list[str] = Field(default_factory=list, description="Regexes meaning the fact holds.")
    no_if: list[str] = Field(default_factory=list, description="Regexes meaning it does not.")


class Implication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: str = Field(description="A fact path that is yes.")
    then: list[str] = Field(description="Fact paths that are then yes too.")


class Cues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    correction: list[str] = Field(default_factory=list, description="Phrases that retract an earlier statement.")
    negation: list[str]
    hedge: list[str]
    unknown: list[str]
    affirm: list[str]
    deny: list[str]
    resolve_yes: list[str]
    resolve_no: list[str]


class ExtractionSpec(BaseModel):
    """The whole pattern file, validated: unknown fact paths and bad regexes fail at load."""

    model_config = ConfigDict(extra="forbid")

    cues: Cues
    facts: dict[str, FactPatterns]
    implications: list[Implication] = Field(default_factory=list)

    @field_validator("facts")
    @classmethod
    def _paths(cls, value: dict[str, FactPatterns]) -> dict[str, FactPatterns]:
        unknown = sorted(set(value) - set(FACT_PATHS))
        if unknown:
            raise ValueError(f"unknown fact paths: {', '.join(unknown)}")
        for path, spec in value.items():
            for pattern in spec.yes_if + spec.no_if:
                try:
                    re.compile(pattern.lstrip("!"))
                except re.error as exc:
                    raise ValueError(f"{path}: bad pattern {pattern!r}: {exc}") from exc
        return value

    @field_validator("implications")
    @classmethod
    def _implied_paths(cls, value: list[Implication]) -> list[Implication]:
        for item in value:
            for path in [item.when, *item.then]:
                if path not in FACT_PATHS:
                    raise ValueError(f"implication uses unknown fact path {path!r}")
        return value



DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "knowledge" / "interview" / "extraction.yaml"


def load_spec(path: Path = DEFAULT_SPEC) -> ExtractionSpec:
    return ExtractionSpec.model_validate(read_yaml(path))
