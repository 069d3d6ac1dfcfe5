"""Every rule gets a firing and a non-firing case, generated from its condition tree, plus the drafter's
end-to-end guarantees (ids exist, LLM-only threats stay off non-LLM systems, injection text changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from app.conditions import All, Any_, Condition, FactIs, Not, evaluate
from app.draft.drafter import draft_model
from app.draft.rules import RuleError, load_rules
from app.kb.loader import load_knowledge
from app.model import Fact, FactState, SystemProfile, set_fact

RULES = load_rules()
KB = load_knowledge()
MAKE_TRUE = {"yes": "yes", "no": "no", "unknown": "unknown", "known": "yes", "yes_or_unknown": "yes",
             "no_or_unknown": "no"}
MAKE_FALSE = {"yes": "no", "no": "yes", "unknown": "yes", "known": "unknown", "yes_or_unknown": "no",
              "no_or_unknown": "yes"}


def _merge(a: dict[str, str] | None, b: dict[str, str] | None) -> dict[str, str] | None:
    if a is None or b is None:
        return None
    if any(a[k] != v for k, v in b.items() if k in a):
        return None
    return {**a, **b}


def satisfy(cond: Condition) -> dict[str, str] | None:
    if isinstance(cond, FactIs):
        return {cond.fact: MAKE_TRUE[cond.is_]}
    if isinstance(cond, All):
        out: dict[str, str] | None = {}
        for part in cond.all:
            out = _merge(out, satisfy(part))
        return out
    if isinstance(cond, Any_):
        return next((s for s in (satisfy(p) for p in cond.any) if s is not None), None)
    assert isinstance(cond, Not)
    return falsify(cond.not_)


def falsify(cond: Condition) -> dict[str, str] | None:
    if isinstance(cond, FactIs):
        return {cond.fact: MAKE_FALSE[cond.is_]}
    if isinstance(cond, All):
        return next((s for s in (falsify(p) for p in cond.all) if s is not None), None)
    if isinstance(cond, Any_):
        out: dict[str, str] | None = {}
        for part in cond.any:
            out = _merge(out, falsify(part))
        return out
    assert isinstance(cond, Not)
    return satisfy(cond.not_)


def profile(assignment: dict[str, str], base: str = "no") -> SystemProfile:
    """Facts not in the assignment are set to `base` so nothing else can make the rule fire by accident."""
    from app.model import FACT_PATHS

    prof = SystemProfile()
    for path in FACT_PATHS:
        set_fact(prof, path, Fact(state=FactState(assignment.get(path, base))))
    return prof


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_fires_on_a_generated_profile(rule: Any) -> None:
    assignment = satisfy(rule.when)
    assert assignment is not None, f"{rule.id}: no consistent way to make it fire"
    for base in ("no", "yes"):
        candidate = profile(assignment, base)
        if evaluate(rule.when, candidate)[0]:
            fired = [f.rule.id for f in RULES.fire(candidate)]
            assert rule.id in fired
            return
    pytest.fail(f"{rule.id}: generated profile does not fire")


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_does_not_fire_when_its_condition_is_false(rule: Any) -> None:
    assignment = falsify(rule.when)
    assert assignment is not None, f"{rule.id}: no consistent way to make it not fire"
    for base in ("no", "yes", "unknown"):
        candidate = profile(assignment, base)
        if not evaluate(rule.when, candidate)[0]:
            assert rule.id not in [f.rule.id for f in RULES.fire(candidate)]
            return
    pytest.fail(f"{rule.id}: could not build a profile where it stays silent")


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_references_exist_and_llm_rules_need_an_llm(rule: Any) -> None:
    t = rule.threat
    for ident in t.atlas + t.plot4ai + t.owasp:
        assert KB.exists(ident), f"{rule.id}: {ident} is not in the knowledge base"
    if t.llm_only:
        no_llm = profile({"model.kind_llm_chat": "no", "model.kind_agent": "no"}, "yes")
        model = draft_model(no_llm, KB, RULES)
        assert not any(th.key == rule.id for th in model.threats)


def test_a_typo_in_a_fact_path_fails_loudly(tmp_path: Any) -> None:
    (tmp_path / "bad.yaml").write_text(
        "rules:\n  - id: R-BAD\n    title: bad rule here\n    when: {fact: exposure.publik, is: yes}\n"
        "    threat: {title: Some title, description: some description here, stride: [tampering], "
        "assets: [inference_api]}\n    why: because this is a test of the loader\n", encoding="utf-8")
    with pytest.raises(RuleError, match="exposure.publik"):
        load_rules(tmp_path)


def test_unknown_facts_fire_as_marked_assumptions() -> None:
    prof = profile({"model.kind_classifier": "yes"}, "unknown")
    model = draft_model(prof, KB, RULES)
    assert model.assumptions
    assert any(t.assumption for t in model.threats)
    for assumption in model.assumptions:
        assert assumption.question


def test_non_llm_systems_get_no_llm_only_techniques() -> None:
    prof = profile({"model.kind_classifier": "yes", "model.kind_llm_chat": "no", "model.kind_agent": "no"}, "yes")
    model = draft_model(prof, KB, RULES)
    techniques = {t for th in model.threats for t in th.atlas_techniques}
    assert techniques and not [t for t in techniques if KB.techniques[t].llm_only]


def test_every_id_in_a_draft_exists_and_every_threat_is_mitigated() -> None:
    prof = profile({}, "yes")
    model = draft_model(prof, KB, RULES)
    for threat in model.threats:
        for ident in threat.atlas_techniques + threat.plot4ai_cards + threat.owasp_llm + threat.mitigations:
            assert KB.exists(ident)
        assert threat.mitigations, threat.id
    assert {m.id for m in model.mitigations} >= {m for t in model.threats for m in t.mitigations}


def _fired(facts: dict[str, str]) -> set[str]:
    prof = SystemProfile()
    for path, state in facts.items():
        set_fact(prof, path, Fact(state=FactState(state), confidence=1.0))
    return {f.rule.id for f in RULES.fire(prof)}


def test_a_vendor_api_brings_no_model_files_and_no_model_of_yours_to_copy() -> None:
    """A chatbot on a vendor's API: nothing is downloaded or loaded, and the model is the vendor's."""
    api = {"model.kind_llm_chat": "yes", "model.origin_third_party_api": "yes",
           "supply_chain.third_party_models": "yes", "exposure.public": "yes"}
    fired = _fired(api)
    assert not {"R-SC-THIRD-PARTY-MODEL", "R-SC-UNSAFE-MODEL-FORMAT", "R-MA-MODEL-EXTRACTION"} & fired
    # the same system on downloaded weights, or saying its model is valuable, gets them back
    assert {"R-SC-THIRD-PARTY-MODEL", "R-SC-UNSAFE-MODEL-FORMAT"} <= _fired(
        {**api, "model.origin_downloaded_pretrained": "yes"})
    assert "R-MA-MODEL-EXTRACTION" in _fired({**api, "model.proprietary_valuable": "yes"})
    assert "R-MA-MODEL-EXTRACTION" in _fired({**api, "model.origin_third_party_api": "no"})


def test_zero_click_spreading_needs_an_assistant_that_reads_what_outsiders_send() -> None:
    agent = {"model.kind_agent": "yes", "llm.email": "yes", "llm.tools_write_actions": "yes"}
    assert "R-AG-SELF-SPREADING" in _fired(agent)  # unknown: assumed, and asked
    assert "R-AG-SELF-SPREADING" not in _fired({**agent, "llm.retrieval_external_content": "no"})


def test_a_valuable_model_behind_a_partner_api_can_be_copied_by_querying() -> None:
    partners = {"model.kind_regression": "yes", "exposure.api_access": "yes", "exposure.public": "no",
                "model.origin_in_house": "yes"}
    assert "R-MA-MODEL-EXTRACTION" not in _fired({**partners, "model.proprietary_valuable": "no"})
    assert "R-MA-MODEL-EXTRACTION" in _fired({**partners, "model.proprietary_valuable": "yes"})


def test_people_told_nothing_about_the_ai_is_a_threat_even_for_an_internal_tool() -> None:
    internal = {"model.kind_llm_chat": "yes", "exposure.public": "no"}
    assert "R-PF-AI-AWARENESS" not in _fired(internal)
    assert "R-PF-AI-AWARENESS" in _fired({**internal, "governance.users_informed": "no"})


def test_dread_adjustments_name_only_techniques_in_the_knowledge_base() -> None:
    named = [(a.id, t) for a in RULES.dread_adjustments for t in a.techniques + a.except_techniques]
    assert named, "some adjustment is limited by technique"
    for adjustment, ident in named:
        assert ident in KB.techniques, f"{adjustment}: {ident} is not an ATLAS technique in the knowledge base"
