"""Deterministic sample models for tests and golden files."""

from __future__ import annotations

import datetime as dt

from app.model import (
    Asset,
    AssetKind,
    Assumption,
    Citation,
    Component,
    ComponentKind,
    DataFlow,
    Dread,
    DreadAdjustment,
    Fact,
    FactReference,
    FactState,
    Finding,
    Mitigation,
    MitigationSource,
    OpenQuestion,
    Provenance,
    Severity,
    Stride,
    SystemProfile,
    TextFact,
    Threat,
    ThreatModel,
    ThreatOrigin,
    TrustBoundary,
    WhyApplies,
)

FIXED_TIME = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def sample_profile() -> SystemProfile:
    profile = SystemProfile(name="Support assistant", description="A chatbot that answers customers.")
    profile.scope.purpose = TextFact(value="Answer customer questions about orders",
                                     provenance=[Provenance(turn=0, quote="answers customer questions")])
    profile.exposure.public = Fact(state=FactState.YES, confidence=0.9,
                                   provenance=[Provenance(turn=0, quote="customers use it on our website")])
    profile.model.kind_llm_chat = Fact(state=FactState.YES, confidence=0.95,
                                       provenance=[Provenance(turn=0, quote="a chatbot")])
    profile.llm.retrieval = Fact(state=FactState.YES, confidence=0.8,
                                 provenance=[Provenance(turn=1, quote="it searches our help-centre pages")])
    profile.data.personal_data = Fact(state=FactState.NO, confidence=0.6,
                                      provenance=[Provenance(turn=2, quote="I think we do not store personal data")])
    return profile


def sample_model() -> ThreatModel:
    dread = Dread(damage=8, reproducibility=7, exploitability=6, affected_users=8, discoverability=7,
                  adjustments=[DreadAdjustment(dimension="discoverability", delta=2,
                                               reason="Anyone on the internet can reach it.",
                                               fact="exposure.public")])
    threats = [
        Threat(
            id="T-001",
            title="Hidden instructions in help-centre pages steer the assistant",
            description="Someone who can edit a page the assistant reads could plant instructions in it.",
            stride=[Stride.TAMPERING, Stride.ELEVATION_OF_PRIVILEGE],
            atlas_techniques=["AML.T0051.001"],
            owasp_llm=["LLM01"],
            affected_assets=["asset-kb"],
            affected_components=["c-assistant"],
            dread=dread,
            mitigations=["AML.M0015"],
            citations=[Citation(passage_id="AML.T0051.001", title="LLM Prompt Injection: Indirect",
                                source="MITRE ATLAS", license="Apache-2.0")],
            why_applies=[WhyApplies(rule_id="R-LLM-INDIRECT-PI", explanation="It reads documents.",
                                    facts=[FactReference(path="llm.retrieval", state=FactState.YES,
                                                         quote="it searches our help-centre pages", turn=1)])],
            origin=ThreatOrigin.RULES,
            key="R-LLM-INDIRECT-PI|asset-kb",
        ),
        Threat(
            id="T-002",
            title="Flooding the chatbot runs up the bill",
            stride=[Stride.DENIAL_OF_SERVICE],
            atlas_techniques=["AML.T0034"],
            dread=Dread(damage=4, reproducibility=8, exploitability=7, affected_users=3, discoverability=5),
            mitigations=["AML.M0004"],
            origin=ThreatOrigin.RULES,
            assumption=True,
        ),
    ]
    mitigations = [
        Mitigation(id="AML.M0015", title="Adversarial Input Detection", source=MitigationSource.ATLAS,
                   description="Screen inputs for attack patterns.", how_to=["Scan retrieved text.", "Log hits."],
                   threats=["T-001"]),
        Mitigation(id="AML.M0004", title="Restrict Number of AI Model Queries", source=MitigationSource.ATLAS,
                   how_to=["Set per-user quotas.", "Alert on spikes."], threats=["T-002"]),
    ]
    return ThreatModel(
        title="Threat model: Support assistant",
        created_at=FIXED_TIME,
        updated_at=FIXED_TIME,
        profile=sample_profile(),
        assets=[Asset(id="asset-kb", name="Help-centre knowledge base", kind=AssetKind.DATA,
                      description="Pages the assistant retrieves.")],
        components=[
            Component(id="c-user", name="Customer", kind=ComponentKind.ACTOR, trust_boundary="tb-internet"),
            Component(id="c-assistant", name="Assistant", kind=ComponentKind.PROCESS, trust_boundary="tb-service"),
        ],
        trust_boundaries=[TrustBoundary(id="tb-internet", name="Internet"),
                          TrustBoundary(id="tb-service", name="Our service")],
        data_flows=[DataFlow(id="f-1", source="c-user", target="c-assistant", label="questions",
                             crosses_boundary=True)],
        threats=threats,
        mitigations=mitigations,
        findings=[Finding(rule_id="CHK-COV-002", severity=Severity.WARNING, message="Asset has no threat.",
                          suggested_fix="Review it.")],
        assumptions=[Assumption(id="A-1", fact="exposure.rate_limiting", assumed_state=FactState.NO,
                                statement="No per-user rate limit.", question="Do you limit requests per user?")],
        open_questions=[OpenQuestion(id="Q-1", question="Who can edit the help-centre pages?",
                                     facts=["llm.retrieval_editable_by_users"])],
    )
