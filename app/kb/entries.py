"""Pydantic models of the hand-written knowledge files (our prose, keyed by id)."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.model.facts import FACT_PATHS


class Stride(StrEnum):
    """STRIDE categories."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information_disclosure"
    DENIAL_OF_SERVICE = "denial_of_service"
    ELEVATION_OF_PRIVILEGE = "elevation_of_privilege"


SIGN = re.compile(r"^(?P<path>[a-z_]+\.[a-z_]+)=(?P<state>yes|no|unknown)$")
OWASP_ID = re.compile(r"^LLM(0[1-9]|10)$")


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_signs(signs: list[str]) -> list[str]:
    for sign in signs:
        match = SIGN.match(sign)
        if not match:
            raise ValueError(f"sign {sign!r} must look like 'section.fact=yes|no|unknown'")
        if match["path"] not in FACT_PATHS:
            raise ValueError(f"sign {sign!r}: unknown fact path {match['path']!r}")
    return signs


class Dread(Entry):
    """A default DREAD profile, each 0–10."""

    damage: int = Field(ge=0, le=10, description="How bad the harm is if it happens.")
    reproducibility: int = Field(ge=0, le=10, description="How reliably it can be repeated.")
    exploitability: int = Field(ge=0, le=10, description="How little skill/effort it takes.")
    affected_users: int = Field(ge=0, le=10, description="How many people are affected.")
    discoverability: int = Field(ge=0, le=10, description="How easy the weakness is to find.")


class TacticProse(Entry):
    summary: str = Field(min_length=20, description="What the attacker is trying to achieve at this stage.")


class TechniqueProse(Entry):
    summary: str = Field(min_length=40, description="2–4 sentences: what the technique is.")
    for_you: str = Field(min_length=30, description="What it means for a team building a system, plainly.")
    signs: list[str] = Field(default_factory=list, description="Facts that make it relevant ('path=yes').")
    stride: list[Stride] = Field(min_length=1, description="STRIDE categories.")
    owasp_llm: list[str] = Field(default_factory=list, description="OWASP LLM Top 10 2025 ids.")
    llm_only: bool = Field(default=False, description="Only relevant to LLM/agent systems.")
    dread: Dread = Field(description="Default DREAD profile.")
    keywords: list[str] = Field(default_factory=list, description="Plain phrases people use for it.")
    sounds_like: list[str] = Field(
        default_factory=list,
        description="How a non-expert might describe this worry or system trait, in whole sentences of our own; "
        "indexed so that plain-language searches find the technique.",
    )

    _signs = field_validator("signs")(lambda cls, v: _check_signs(v))

    @field_validator("owasp_llm")
    @classmethod
    def _owasp(cls, value: list[str]) -> list[str]:
        for item in value:
            if not OWASP_ID.match(item):
                raise ValueError(f"{item!r} is not an OWASP LLM 2025 id (LLM01..LLM10)")
        return value


class MitigationProse(Entry):
    summary: str = Field(min_length=30, description="What the control is, plainly.")
    how_to: list[str] = Field(min_length=2, description="Concrete steps to put it in place.")
    keywords: list[str] = Field(default_factory=list, description="Plain phrases people use for it.")


class CaseStudyProse(Entry):
    story: str = Field(min_length=60, description="What happened, in our words.")
    lesson: str = Field(min_length=20, description="What a team should take from it.")


class PlotCardProse(Entry):
    question: str = Field(
        min_length=10, description="Our yes/no question; the card's `threatif` answer means it applies."
    )
    summary: str = Field(min_length=40, description="What can go wrong, plainly.")
    recommendations: list[str] = Field(min_length=2, description="What to do about it.")
    related_atlas: list[str] = Field(default_factory=list, description="ATLAS technique ids where they exist.")
    signs: list[str] = Field(default_factory=list, description="Facts that make the card relevant.")
    keywords: list[str] = Field(default_factory=list, description="Plain phrases people use for it.")

    _signs = field_validator("signs")(lambda cls, v: _check_signs(v))


class OwaspEntry(Entry):
    id: str = Field(pattern=r"^LLM(0[1-9]|10)$", description="OWASP LLM Top 10 2025 id.")
    name: str = Field(description="Official entry name.")
    summary: str = Field(min_length=40, description="What the risk is.")
    for_you: str = Field(min_length=30, description="What it means for a team, plainly.")
    how_to: list[str] = Field(min_length=2, description="How to reduce it.")
    related_atlas: list[str] = Field(default_factory=list, description="ATLAS technique ids.")
    stride: list[Stride] = Field(min_length=1, description="STRIDE categories.")
    signs: list[str] = Field(default_factory=list, description="Facts that make it relevant.")
    keywords: list[str] = Field(default_factory=list, description="Plain phrases.")

    _signs = field_validator("signs")(lambda cls, v: _check_signs(v))


class StrideEntry(Entry):
    id: Stride = Field(description="STRIDE category.")
    name: str = Field(description="Display name.")
    property_violated: str = Field(description="The security property it breaks.")
    summary: str = Field(min_length=40, description="What it is.")
    in_ai_systems: str = Field(min_length=40, description="How it shows up in AI systems.")


class MaestroEntry(Entry):
    id: str = Field(pattern=r"^MAESTRO-L[1-7]$", description="Layer id.")
    name: str = Field(description="Layer name.")
    summary: str = Field(min_length=40, description="What lives in this layer.")
    typical_threats: list[str] = Field(min_length=2, description="Threats typical of the layer, plainly.")
    related_atlas: list[str] = Field(default_factory=list, description="ATLAS technique ids.")


class MethodCaseStudy(Entry):
    id: str = Field(pattern=r"^TS-CS-[A-Z0-9-]+$", description="Our id.")
    name: str = Field(description="Short title.")
    story: str = Field(min_length=60, description="What happened, in our words.")
    lesson: str = Field(min_length=20, description="What a team should take from it.")
    related_atlas: list[str] = Field(min_length=1, description="ATLAS technique ids.")
    related_atlas_case_studies: list[str] = Field(default_factory=list, description="ATLAS case-study ids.")
    references: list[str] = Field(default_factory=list, description="Public write-ups (title, venue, year).")
    keywords: list[str] = Field(default_factory=list, description="Plain phrases.")
