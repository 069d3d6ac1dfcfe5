"""The threat-model contract accepts good models and rejects bad ones."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.model import FACT_PATHS, Dread, FactState, RiskLevel, Threat, ThreatModel, get_fact
from app.model.facts import SystemProfile, fact_description, set_fact
from tests.factories import sample_model


def test_sample_model_is_valid_and_round_trips() -> None:
    model = sample_model()
    again = ThreatModel.model_validate_json(model.model_dump_json())
    assert again == model


def test_unknown_field_is_rejected() -> None:
    data = json.loads(sample_model().model_dump_json())
    data["threats"][0]["severity"] = "high"
    with pytest.raises(ValidationError, match="severity"):
        ThreatModel.model_validate(data)


def test_bad_enum_is_rejected() -> None:
    data = json.loads(sample_model().model_dump_json())
    data["threats"][0]["stride"] = ["phishing"]
    with pytest.raises(ValidationError, match="stride"):
        ThreatModel.model_validate(data)


@pytest.mark.parametrize("value", [-1, 11, 3.5])
def test_dread_out_of_range_is_rejected(value: float) -> None:
    with pytest.raises(ValidationError):
        Dread(damage=value, reproducibility=1, exploitability=1, affected_users=1, discoverability=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scores", "level"),
    [((1, 1, 1, 1, 1), RiskLevel.LOW), ((4, 5, 5, 5, 5), RiskLevel.LOW), ((5, 5, 5, 5, 5), RiskLevel.MEDIUM),
     ((6, 6, 6, 6, 7), RiskLevel.MEDIUM), ((7, 7, 7, 7, 7), RiskLevel.HIGH), ((9, 8, 8, 8, 8), RiskLevel.CRITICAL)],
)
def test_risk_level_is_derived_from_scores(scores: tuple[int, ...], level: RiskLevel) -> None:
    names = ("damage", "reproducibility", "exploitability", "affected_users", "discoverability")
    assert Dread(**dict(zip(names, scores, strict=True))).risk is level


def test_derived_risk_in_input_is_ignored_not_trusted() -> None:
    data = {"damage": 1, "reproducibility": 1, "exploitability": 1, "affected_users": 1,
            "discoverability": 1, "score": 9.9, "risk": "critical"}
    assert Dread.model_validate(data).risk is RiskLevel.LOW


def test_duplicate_threat_ids_are_rejected() -> None:
    model = sample_model()
    data = json.loads(model.model_dump_json())
    data["threats"][1]["id"] = data["threats"][0]["id"]
    with pytest.raises(ValidationError, match="duplicate threats ids"):
        ThreatModel.model_validate(data)


def test_unsupported_schema_version_is_refused_clearly() -> None:
    data = json.loads(sample_model().model_dump_json())
    data["schema_version"] = "7.0"
    with pytest.raises(ValidationError, match="not supported"):
        ThreatModel.model_validate(data)


def test_ids_outside_the_context_set_are_rejected() -> None:
    threat = json.loads(sample_model().threats[0].model_dump_json())
    with pytest.raises(ValidationError, match="AML.T9999"):
        Threat.model_validate({**threat, "atlas_techniques": ["AML.T9999"]},
                              context={"known_ids": {"AML.T0051.001", "LLM01", "AML.M0015"}})
    ok = Threat.model_validate(threat, context={"known_ids": {"AML.T0051.001", "LLM01", "AML.M0015"}})
    assert ok.atlas_techniques == ["AML.T0051.001"]


def test_fact_catalogue_covers_the_brief() -> None:
    required = {
        "impact.safety_critical", "impact.decisions_about_people", "model.kind_llm_chat", "model.kind_agent",
        "model.kind_classifier", "model.kind_regression", "model.kind_recommender", "model.kind_vision",
        "model.kind_speech", "model.kind_generative_media", "model.origin_in_house",
        "model.origin_fine_tuned_open_weights", "model.origin_third_party_api",
        "model.origin_downloaded_pretrained", "model.hosting_cloud", "model.hosting_on_prem",
        "model.hosting_edge_device", "data.source_user_provided", "data.source_scraped_web",
        "data.source_public_datasets", "data.source_licensed", "data.source_internal_records",
        "data.personal_data", "data.labelling_external", "data.retraining", "data.feedback_loop",
        "data.provenance_tracked", "exposure.public", "exposure.authentication", "exposure.rate_limiting",
        "exposure.outputs_labels", "exposure.outputs_scores", "exposure.outputs_free_text",
        "exposure.outputs_actions", "exposure.uploads", "llm.system_prompt", "llm.retrieval",
        "llm.retrieval_editable_by_users", "llm.tools", "llm.human_approval", "llm.memory",
        "llm.code_execution", "llm.browsing", "llm.email", "llm.multi_agent",
        "supply_chain.third_party_models", "supply_chain.third_party_datasets",
        "supply_chain.open_source_libraries", "supply_chain.unsafe_model_formats",
        "supply_chain.secrets_managed", "operations.logging", "operations.monitoring",
        "operations.incident_response", "operations.human_oversight", "governance.regulated",
    }
    assert required <= set(FACT_PATHS)
    assert all(fact_description(p) for p in FACT_PATHS)


def test_every_field_has_a_description() -> None:
    schema = ThreatModel.model_json_schema()
    missing = []
    for name, definition in schema["$defs"].items():
        for prop, spec in definition.get("properties", {}).items():
            if "description" not in spec:
                missing.append(f"{name}.{prop}")
    assert not missing


def test_unknown_fact_path_fails_loudly() -> None:
    with pytest.raises(KeyError):
        get_fact(SystemProfile(), "exposure.publik")


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    title=st.text(max_size=80).filter(lambda s: s.strip() != ""),
    states=st.lists(st.sampled_from(list(FactState)), min_size=3, max_size=3),
    scores=st.lists(st.integers(min_value=0, max_value=10), min_size=5, max_size=5),
    quote=st.text(max_size=120),
)
def test_json_round_trip_is_lossless(title: str, states: list[FactState], scores: list[int], quote: str) -> None:
    model = sample_model()
    model.threats[0].title = title
    names = ("damage", "reproducibility", "exploitability", "affected_users", "discoverability")
    model.threats[1].dread = Dread(**dict(zip(names, scores, strict=True)))
    for path, state in zip(FACT_PATHS[:3], states, strict=True):
        fact = get_fact(model.profile, path).model_copy(update={"state": state})
        set_fact(model.profile, path, fact)
    model.profile.description = quote
    assert ThreatModel.model_validate_json(model.model_dump_json()) == model


def test_equal_scores_rank_named_worst_cases_then_stated_facts_first() -> None:
    from app.model import DreadAdjustment, FactReference, ThreatOrigin, WhyApplies
    from app.model.threat_model import Stride

    def threat(ident: str, *, named: bool = False, assumed: bool = False, stated: int = 1) -> Threat:
        adjustments = [DreadAdjustment(dimension="damage", delta=0, reason="named", fact="scope.security_objectives")]
        facts = [FactReference(path=f"x.f{i}", state=FactState.YES) for i in range(stated)]
        return Threat(id=ident, title=ident, stride=[Stride.TAMPERING], origin=ThreatOrigin.RULES, assumption=assumed,
                      dread=Dread(damage=10, reproducibility=6, exploitability=6, affected_users=6, discoverability=6,
                                  adjustments=adjustments if named else []),
                      why_applies=[WhyApplies(facts=facts)])

    model = ThreatModel(title="t", threats=[
        threat("T-A1", assumed=True), threat("T-A2", stated=3), threat("T-A3"), threat("T-Z9", named=True),
        Threat(id="T-A0", title="riskier", stride=[Stride.TAMPERING], origin=ThreatOrigin.RULES,
               dread=Dread(damage=10, reproducibility=8, exploitability=6, affected_users=6, discoverability=6)),
    ])
    assert [t.id for t in model.threats_by_risk()] == ["T-A0", "T-Z9", "T-A2", "T-A3", "T-A1"]
