"""Interview questions as data (`knowledge/interview/questions.yaml`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.conditions import Condition
from app.model.facts import FACT_PATHS, TEXT_FACT_PATHS
from app.yamlfile import read_yaml

QUESTIONS_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "interview" / "questions.yaml"


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z_]+$")
    title: str


class Question(BaseModel):
    """One question: plain wording, why we ask, the facts it fills, when to ask it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^Q-[A-Z0-9-]+$")
    topic: str
    text: str = Field(min_length=10, description="Plain wording, one question.")
    why: str = Field(min_length=10, description="One line: why this matters, in lay terms.")
    fills: list[str] = Field(min_length=1, description="Fact paths (yes/no facts or text facts) the answer fills.")
    kind: Literal["open", "yesno", "choice"] = Field(description="open text, yes/no, or pick any of several.")
    ask_when: Condition | None = Field(default=None, description="Only ask when this holds.")
    examples: list[str] = Field(default_factory=list, description="Example answers.")
    follow_up_if_vague: str = Field(default="", description="A narrower question if the answer said nothing usable.")
    optional: bool = Field(default=False, description="Asked after coverage is complete; not counted in coverage.")
    bare_no: list[str] | None = Field(
        default=None,
        description="The facts a bare yes/no answers; omitted = every fact the question fills. Questions that "
                    "ask which option holds (what kind of model, who uses it) list only the facts of their "
                    "closing yes/no part, or none: 'no' cannot deny every kind of model.",
    )
    unnamed_are_no: list[list[str]] = Field(
        default_factory=list,
        description="Groups of options a pick-any answer names in full (the kinds of model; where the model "
                    "comes from; where it runs): once the answer names one of a group, the group's options it "
                    "leaves out become a soft 'no', which later answers override quietly.",
    )
    read_facts: bool = Field(
        default=True,
        description="Read yes/no facts from the answer. False for questions about hopes and boundaries (the "
                    "worst case, what to leave out): 'if someone copied the model' is a worry, not a fact.",
    )
    follow_up_bare_no: list[str] | None = Field(
        default=None,
        description="The facts a bare yes/no answers after the follow-up question; omitted = as for the main "
                    "question. Follow-ups are narrower ('did any of the data come from outside?').",
    )

    @field_validator("fills")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in FACT_PATHS and p not in TEXT_FACT_PATHS]
        if unknown:
            raise ValueError(f"unknown fact paths {unknown}")
        return value

    @model_validator(mode="after")
    def _bare_no_within_fills(self) -> Question:
        grouped = [p for group in self.unnamed_are_no for p in group]
        stray = [p for p in (self.bare_no or []) + (self.follow_up_bare_no or []) + grouped if p not in self.fills]
        if stray:
            raise ValueError(f"bare_no / unnamed_are_no list facts the question does not fill: {stray}")
        return self

    def polar_facts(self, follow_up: bool) -> list[str]:
        """The facts a bare yes/no to this question (or to its follow-up) answers."""
        chosen = self.follow_up_bare_no if follow_up and self.follow_up_bare_no is not None else self.bare_no
        return list(self.fills if chosen is None else chosen)


class QuestionBank(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: list[Topic] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> QuestionBank:
        topics = {t.id for t in self.topics}
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate question ids")
        for question in self.questions:
            if question.topic not in topics:
                raise ValueError(f"{question.id}: unknown topic {question.topic}")
        return self

    def ordered(self) -> list[Question]:
        """Questions in topic order (the method's order), then file order."""
        rank = {t.id: i for i, t in enumerate(self.topics)}
        return sorted(self.questions, key=lambda q: rank[q.topic])


def load_questions(path: Path = QUESTIONS_FILE) -> QuestionBank:
    return QuestionBank.model_validate(read_yaml(path))


@lru_cache(maxsize=2)
def get_question_bank(path: Path = QUESTIONS_FILE) -> QuestionBank:
    return load_questions(path)
