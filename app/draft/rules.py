"""Rules as data (`knowledge/rules/*.yaml`): a condition over facts and the threat it requires or proposes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.conditions import Condition, Match, evaluate, facts_in
from app.kb.entries import Dread as KbDread
from app.model import AssetKind, MaestroLayer, Stride, SystemProfile
from app.yamlfile import read_yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "rules"

# The assets a threat can name; each maps to one of the method's four asset families.
ASSETS: dict[str, tuple[str, AssetKind, str]] = {
    "training_data": (
        "Training data", AssetKind.DATA,
        "The data the model learns from; poisoning it changes behaviour.",
    ),
    "user_data": (
        "Users' personal data", AssetKind.DATA,
        "Personal information about users or affected people.",
    ),
    "retrieval_corpus": (
        "Retrieved documents", AssetKind.DATA,
        "Documents, pages and records the model reads at answer time.",
    ),
    "prompts_and_outputs": (
        "Prompts, answers and logs", AssetKind.INTERACTION,
        "What users send and what the system returns.",
    ),
    "system_prompt": (
        "System prompt and configuration", AssetKind.MODEL,
        "Hidden instructions and settings that steer the model.",
    ),
    "model_weights": (
        "Model and its weights", AssetKind.MODEL,
        "The trained model: costly to build, revealing if stolen.",
    ),
    "model_behaviour": (
        "Model behaviour and decisions", AssetKind.MODEL,
        "The correctness and integrity of what the model decides.",
    ),
    "inference_api": (
        "Prediction service / API", AssetKind.INFRASTRUCTURE,
        "The endpoint that serves the model.",
    ),
    "tools_and_credentials": (
        "Tools, connectors and credentials", AssetKind.INFRASTRUCTURE,
        "What the AI can act on and the keys it uses.",
    ),
    "agent_memory": (
        "Agent memory and conversation state", AssetKind.DATA,
        "What the assistant remembers between turns or sessions.",
    ),
    "supply_chain": (
        "Third-party models, data and libraries", AssetKind.INFRASTRUCTURE,
        "Everything built by others that the system loads.",
    ),
    "infrastructure": (
        "Hosting, pipelines and storage", AssetKind.INFRASTRUCTURE,
        "Servers, buckets, registries and build pipelines.",
    ),
    "actions": (
        "Actions in other systems", AssetKind.INTERACTION,
        "Payments, messages, changes the system makes happen.",
    ),
    "affected_people": (
        "People affected by outputs", AssetKind.INTERACTION,
        "Users and others who live with the decisions.",
    ),
    "budget": (
        "Compute budget and availability", AssetKind.INFRASTRUCTURE,
        "Money and capacity spent serving requests.",
    ),
}


class RuleError(ValueError):
    """A rule file is malformed."""


class ThreatTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=5, max_length=160, description="Plain-language title.")
    description: str = Field(min_length=20, description="What could happen, for this kind of system.")
    atlas: list[str] = Field(default_factory=list, description="ATLAS technique ids.")
    plot4ai: list[str] = Field(default_factory=list, description="PLOT4ai card ids.")
    owasp: list[str] = Field(default_factory=list, description="OWASP LLM 2025 ids.")
    stride: list[Stride] = Field(min_length=1, description="STRIDE categories.")
    maestro: MaestroLayer | None = Field(default=None, description="MAESTRO layer for agentic threats.")
    assets: list[str] = Field(min_length=1, description="Keys of ASSETS.")
    llm_only: bool = Field(default=False, description="Only meaningful for LLM/agent systems.")
    dread: KbDread | None = Field(default=None, description="Default DREAD of this threat (a threat with no ATLAS "
                                                            "technique, or a concrete attack that differs from its "
                                                            "technique's generic profile); else the main technique's.")

    @field_validator("assets")
    @classmethod
    def _assets(cls, value: list[str]) -> list[str]:
        unknown = [a for a in value if a not in ASSETS]
        if unknown:
            raise ValueError(f"unknown assets {unknown}; choose from {sorted(ASSETS)}")
        return value


class Rule(BaseModel):
    """A rule: when the condition holds, the threat is required (or proposed)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^R-[A-Z0-9-]+$", description="Stable rule id.")
    title: str = Field(min_length=5, description="What the rule checks, in a few words.")
    level: Literal["required", "proposed"] = Field(default="required", description="Required threats must appear.")
    when: Condition = Field(description="Condition tree over facts.")
    threat: ThreatTemplate = Field(description="The threat it adds.")
    why: str = Field(min_length=20, description="Plain 'why this applies to you'.")
    question: str = Field(default="", description="The question that settles an assumption.")

    @property
    def facts(self) -> set[str]:
        return facts_in(self.when)


class DreadAdjustmentRule(BaseModel):
    """A fact-driven change to a DREAD dimension, for threats matching `applies_to`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^D-[A-Z0-9-]+$")
    when: Condition
    dimension: Literal["damage", "reproducibility", "exploitability", "affected_users", "discoverability"]
    delta: int = Field(ge=-5, le=5)
    reason: str = Field(min_length=10)
    stride: list[Stride] = Field(default_factory=list, description="Only threats with one of these (empty: all).")
    assets: list[str] = Field(default_factory=list, description="Only threats touching one of these (empty: all).")
    techniques: list[str] = Field(default_factory=list,
                                  description="Only threats built on one of these ATLAS techniques (empty: all).")
    except_techniques: list[str] = Field(
        default_factory=list, description="Not for threats built on one of these ATLAS techniques (e.g. an insider's "
        "own misuse is not made rarer by the system being internal).")


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list)
    dread_adjustments: list[DreadAdjustmentRule] = Field(default_factory=list)


@dataclass
class FiredRule:
    rule: Rule
    matches: list[Match]

    @property
    def assumed(self) -> bool:
        return any(m.assumed for m in self.matches)


@dataclass
class RuleSet:
    rules: list[Rule]
    dread_adjustments: list[DreadAdjustmentRule]

    def fire(self, profile: SystemProfile) -> list[FiredRule]:
        fired: list[FiredRule] = []
        for rule in self.rules:
            ok, matches = evaluate(rule.when, profile)
            if ok:
                fired.append(FiredRule(rule, matches))
        return fired


def load_rules(directory: Path = RULES_DIR) -> RuleSet:
    """Load every rules file; RuleError names the file and the problem."""
    rules: list[Rule] = []
    adjustments: list[DreadAdjustmentRule] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = RuleFile.model_validate(read_yaml(path) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            raise RuleError(f"{path}: {exc}") from exc
        rules += data.rules
        adjustments += data.dread_adjustments
    ids = [r.id for r in rules] + [a.id for a in adjustments]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RuleError(f"duplicate rule ids: {', '.join(dupes)}")
    return RuleSet(rules, adjustments)
