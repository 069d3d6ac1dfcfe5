"""The threat model contract: threats, mitigations, findings and the system picture around them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, computed_field, field_validator, model_validator

from app.model.facts import FactState, Strict, SystemProfile

SCHEMA_VERSION = "1.0"
# The fact whose answer names the user's worst cases; a DREAD adjustment citing it marks a threat covering one.
WORST_CASE_FACT = "scope.security_objectives"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,80}$"


class Stride(StrEnum):
    """STRIDE categories, adapted to AI systems."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information_disclosure"
    DENIAL_OF_SERVICE = "denial_of_service"
    ELEVATION_OF_PRIVILEGE = "elevation_of_privilege"


class RiskLevel(StrEnum):
    """Risk level derived from the DREAD average."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class MaestroLayer(StrEnum):
    """CSA MAESTRO layers of agentic AI systems."""

    L1_FOUNDATION_MODELS = "MAESTRO-L1"
    L2_DATA_OPERATIONS = "MAESTRO-L2"
    L3_AGENT_FRAMEWORKS = "MAESTRO-L3"
    L4_DEPLOYMENT_INFRASTRUCTURE = "MAESTRO-L4"
    L5_EVALUATION_OBSERVABILITY = "MAESTRO-L5"
    L6_SECURITY_COMPLIANCE = "MAESTRO-L6"
    L7_AGENT_ECOSYSTEM = "MAESTRO-L7"


class ThreatOrigin(StrEnum):
    """What put a threat in the model."""

    RULES = "rules"
    RETRIEVAL = "retrieval"
    LLM = "llm"
    USER = "user"
    RULES_PASS = "rules_pass"


class ThreatStatus(StrEnum):
    """The user's decision on a threat."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MITIGATED = "mitigated"


class Severity(StrEnum):
    """Severity of a rules-pass finding."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class AssetKind(StrEnum):
    """The method's four asset families."""

    DATA = "data"
    MODEL = "model"
    INFRASTRUCTURE = "infrastructure"
    INTERACTION = "interaction"


class ComponentKind(StrEnum):
    """Kinds of diagram elements."""

    ACTOR = "actor"
    PROCESS = "process"
    MODEL = "model"
    DATA_STORE = "data_store"
    EXTERNAL_SERVICE = "external_service"


class MitigationSource(StrEnum):
    """Where a mitigation comes from."""

    ATLAS = "atlas"
    PLOT4AI = "plot4ai"
    OWASP = "owasp"
    THREATSCRIBE = "threatscribe"
    USER = "user"


def reject_outside_context(values: list[str], info: ValidationInfo, key: str, what: str) -> list[str]:
    """With a validation context {key: set}, refuse values outside that set (the guard on LLM output)."""
    allowed = (info.context or {}).get(key)
    if allowed is not None:
        outside = [v for v in values if v not in allowed]
        if outside:
            raise ValueError(f"{what}: {', '.join(outside)}")
    return values


def risk_level_for(score: float) -> RiskLevel:
    """Map a 0–10 DREAD average to a level: the usual DREAD bands (under 5 low, 5 to 7 medium, 7 and over
    high), with 8 and over called critical. (High from 6 made nine threats in ten "high" across the dev
    scenarios, so the level told a reader nothing; see docs/evaluation.md, "Risk order".)"""
    if score >= 8:
        return RiskLevel.CRITICAL
    if score >= 7:
        return RiskLevel.HIGH
    if score >= 5:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


class DreadAdjustment(Strict):
    """One fact-driven change to a DREAD score, with the reason shown to the user."""

    dimension: str = Field(pattern="^(damage|reproducibility|exploitability|affected_users|discoverability)$",
                           description="Which DREAD dimension moved.")
    delta: int = Field(ge=-10, le=10, description="How much it moved.")
    reason: str = Field(max_length=300, description="Why, in plain words, naming the fact.")
    fact: str | None = Field(default=None, description="The fact path that caused it.")


class Dread(Strict):
    """DREAD risk: five 0–10 scores; the level is derived, never typed in."""

    damage: int = Field(ge=0, le=10, description="How bad the harm would be.")
    reproducibility: int = Field(ge=0, le=10, description="How reliably the attack can be repeated.")
    exploitability: int = Field(ge=0, le=10, description="How little skill or access it needs.")
    affected_users: int = Field(ge=0, le=10, description="How many people would be affected.")
    discoverability: int = Field(ge=0, le=10, description="How easy the weakness is to find.")
    adjustments: list[DreadAdjustment] = Field(
        default_factory=list, description="Fact-driven changes from the knowledge-base default, explained."
    )

    @computed_field(description="Average of the five scores, 0–10.")  # type: ignore[prop-decorator]
    @property
    def score(self) -> float:
        parts = (self.damage, self.reproducibility, self.exploitability, self.affected_users, self.discoverability)
        return round(sum(parts) / 5, 1)

    @computed_field(description="Risk level derived from the score.")  # type: ignore[prop-decorator]
    @property
    def risk(self) -> RiskLevel:
        return risk_level_for(self.score)

    @property
    def likelihood(self) -> float:
        return round((self.reproducibility + self.exploitability + self.discoverability) / 3, 1)

    @property
    def impact(self) -> float:
        return round((self.damage + self.affected_users) / 2, 1)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        # `score` and `risk` are computed; accept them in input (JSON round trip) but ignore them.
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("score", "risk")}
        return data


class FactReference(Strict):
    """A fact that made a rule fire, with the state it had and the words that said it."""

    path: str = Field(description="Fact path, e.g. exposure.public.")
    state: FactState = Field(description="The state the rule saw.")
    quote: str | None = Field(default=None, max_length=400, description="The user's words, if any.")
    turn: int | None = Field(default=None, description="The turn the words came from.")
    assumed: bool = Field(default=False, description="True when the fact was unknown and assumed risky.")


class WhyApplies(Strict):
    """Why a threat is in the model: the rule and facts behind it."""

    rule_id: str | None = Field(default=None, description="The rule that fired (None for retrieval/LLM/user).")
    facts: list[FactReference] = Field(default_factory=list, description="The facts the rule matched.")
    explanation: str = Field(default="", max_length=2000, description="Plain-language reason for this system.")


class Citation(Strict):
    """A knowledge-base passage supporting a threat."""

    passage_id: str = Field(pattern=ID_PATTERN, description="Knowledge-base id (technique, card, case study...).")
    title: str = Field(max_length=300, description="Title of the passage.")
    source: str = Field(max_length=100, description="MITRE ATLAS, PLOT4ai, OWASP, ThreatScribe.")
    license: str = Field(max_length=50, description="Licence of the source.")
    kind: str = Field(default="technique", max_length=40, description="technique, case_study, card, owasp, ...")


class Asset(Strict):
    """Something worth protecting."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id, e.g. asset-training-data.")
    name: str = Field(max_length=200, description="Plain name.")
    kind: AssetKind = Field(description="data, model, infrastructure or interaction.")
    description: str = Field(default="", max_length=2000, description="Why it matters.")


class Component(Strict):
    """An element of the data-flow diagram."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id.")
    name: str = Field(max_length=200, description="Plain name.")
    kind: ComponentKind = Field(description="Actor, process, model, data store or external service.")
    trust_boundary: str | None = Field(default=None, description="Id of the boundary it sits inside.")
    assets: list[str] = Field(default_factory=list, description="Ids of assets it holds or handles.")


class TrustBoundary(Strict):
    """A line where the level of trust changes (internet ↔ service, service ↔ vendor)."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id.")
    name: str = Field(max_length=200, description="Plain name.")


class DataFlow(Strict):
    """Data moving between two components."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id.")
    source: str = Field(description="Component id the data leaves.")
    target: str = Field(description="Component id the data reaches.")
    label: str = Field(max_length=200, description="What moves.")
    crosses_boundary: bool = Field(default=False, description="True when source and target trust differ.")


class Mitigation(Strict):
    """A control that reduces one or more threats."""

    id: str = Field(pattern=ID_PATTERN, description="ATLAS mitigation id, PLOT4ai card id, or TS-M-... for ours.")
    title: str = Field(max_length=300, description="Plain name.")
    description: str = Field(default="", max_length=4000, description="What it is.")
    how_to: list[str] = Field(default_factory=list, description="Concrete steps.")
    source: MitigationSource = Field(description="Where the mitigation comes from.")
    threats: list[str] = Field(default_factory=list, description="Ids of threats it reduces.")


class Threat(Strict):
    """One threat to the system, grounded in the knowledge base and explained."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id within the model, e.g. T-001.")
    title: str = Field(min_length=1, max_length=300, description="Plain-language title.")
    description: str = Field(default="", max_length=8000, description="What could happen to this system.")
    stride: list[Stride] = Field(min_length=1, description="STRIDE categories.")
    atlas_techniques: list[str] = Field(default_factory=list, description="ATLAS technique ids.")
    plot4ai_cards: list[str] = Field(default_factory=list, description="PLOT4ai card ids (P4AI-XXX-NN).")
    owasp_llm: list[str] = Field(default_factory=list, description="OWASP LLM Top 10 2025 ids.")
    maestro_layer: MaestroLayer | None = Field(default=None, description="MAESTRO layer, for agentic systems.")
    affected_assets: list[str] = Field(default_factory=list, description="Asset ids.")
    affected_components: list[str] = Field(default_factory=list, description="Component ids.")
    dread: Dread = Field(description="DREAD scores and derived risk.")
    mitigations: list[str] = Field(default_factory=list, description="Mitigation ids (many to many).")
    citations: list[Citation] = Field(default_factory=list, description="Supporting passages and case studies.")
    why_applies: list[WhyApplies] = Field(default_factory=list, description="The rules and facts behind it.")
    origin: ThreatOrigin = Field(description="rules, retrieval, llm, user or rules_pass.")
    status: ThreatStatus = Field(default=ThreatStatus.PROPOSED, description="The user's decision.")
    status_reason: str | None = Field(default=None, max_length=2000, description="Why it was rejected/mitigated.")
    assumption: bool = Field(default=False, description="True when it rests on an unknown fact assumed risky.")
    user_edited: bool = Field(default=False, description="True when the user changed its text.")
    key: str = Field(default="", max_length=200, description="Merge key kept across re-drafts.")

    @field_validator("atlas_techniques", "plot4ai_cards", "owasp_llm", "mitigations")
    @classmethod
    def _known_ids(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """With a validation context {'known_ids': set}, reject ids outside it (LLM output guard)."""
        return reject_outside_context(value, info, "known_ids", "ids not in the knowledge base")


class Finding(Strict):
    """A rules-pass result: something missing, inconsistent or wrong in the model."""

    rule_id: str = Field(description="The check that produced it, e.g. CHK-COV-001.")
    severity: Severity = Field(description="info, warning or error.")
    message: str = Field(max_length=2000, description="What is wrong, plainly.")
    facts: list[str] = Field(default_factory=list, description="Fact paths involved.")
    threats: list[str] = Field(default_factory=list, description="Threat ids involved.")
    suggested_fix: str = Field(default="", max_length=2000, description="How to fix it.")


class Assumption(Strict):
    """Something assumed because it was not known; settle it by answering the question."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id.")
    fact: str = Field(description="Fact path assumed.")
    assumed_state: FactState = Field(description="The state assumed (usually the risky one).")
    statement: str = Field(max_length=1000, description="The assumption, plainly.")
    question: str = Field(default="", max_length=1000, description="The question that would settle it.")


class OpenQuestion(Strict):
    """A question still worth answering."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id.")
    question: str = Field(max_length=1000, description="The question.")
    facts: list[str] = Field(default_factory=list, description="Fact paths it would fill.")
    why: str = Field(default="", max_length=1000, description="Why it matters.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class ThreatModel(Strict):
    """A complete threat model of one AI system."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this contract.")
    kb_versions: dict[str, str] = Field(
        default_factory=lambda: {"atlas": "5.6.0", "plot4ai": "2.0", "owasp_llm": "2025"},
        description="Knowledge-base versions the model was drafted against.",
    )
    title: str = Field(default="Threat model", max_length=300, description="Title of the report.")
    created_at: dt.datetime = Field(default_factory=_now, description="When the model was first created (UTC).")
    updated_at: dt.datetime = Field(default_factory=_now, description="When it last changed (UTC).")
    profile: SystemProfile = Field(default_factory=SystemProfile, description="What is known about the system.")
    assets: list[Asset] = Field(default_factory=list, description="Things worth protecting.")
    components: list[Component] = Field(default_factory=list, description="Diagram elements.")
    trust_boundaries: list[TrustBoundary] = Field(default_factory=list, description="Trust boundaries.")
    data_flows: list[DataFlow] = Field(default_factory=list, description="Data flows between components.")
    threats: list[Threat] = Field(default_factory=list, description="Threats.")
    mitigations: list[Mitigation] = Field(default_factory=list, description="Mitigations.")
    findings: list[Finding] = Field(default_factory=list, description="Rules-pass findings.")
    assumptions: list[Assumption] = Field(default_factory=list, description="Assumptions made.")
    open_questions: list[OpenQuestion] = Field(default_factory=list, description="Questions still open.")

    @field_validator("schema_version")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(f"schema_version {value} is not supported (this ThreatScribe reads {SCHEMA_VERSION})")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> ThreatModel:
        for name in ("threats", "mitigations", "assets", "components", "data_flows", "trust_boundaries"):
            ids = [item.id for item in getattr(self, name)]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {name} ids: {', '.join(dupes)}")
        return self

    def threat(self, threat_id: str) -> Threat | None:
        return next((t for t in self.threats if t.id == threat_id), None)

    def mitigation(self, mitigation_id: str) -> Mitigation | None:
        return next((m for m in self.mitigations if m.id == mitigation_id), None)

    def threats_by_risk(self) -> list[Threat]:
        """Riskiest first. Equal scores are common (DREAD is coarse), so ties go to a threat covering a worst case
        the user named, then to one resting on what the user told us rather than on assumptions, then to the one
        with more stated facts behind it; the id only settles what is left."""
        return sorted(self.threats, key=lambda t: (-t.dread.score, not _covers_named_worst_case(t), t.assumption,
                                                   -_stated_facts(t), t.id))



def _covers_named_worst_case(threat: Threat) -> bool:
    return any(a.fact == WORST_CASE_FACT for a in threat.dread.adjustments)


def _stated_facts(threat: Threat) -> int:
    return len({f.path for w in threat.why_applies for f in w.facts if not f.assumed})
