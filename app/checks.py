"""The deterministic rules pass: integrity, coverage and consistency findings, and `--fix`."""

from __future__ import annotations

from app.concerns import OBJECTIVES_PATH, card_categories, coverage, stated_concerns
from app.conditions import evaluate
from app.draft.drafter import Candidate, _threat, fact_references, is_llm_system, threat_id
from app.draft.grounding import add_threat_to_model
from app.draft.rules import RuleSet
from app.draft.system import build_system
from app.interview.details import label_of, quoting_threats
from app.kb.loader import KnowledgeBase
from app.model import (
    FACT_PATHS,
    FactState,
    Finding,
    Severity,
    Threat,
    ThreatModel,
    ThreatOrigin,
    ThreatStatus,
    WhyApplies,
    get_fact,
)
from app.model.facts import fact_description

LLM_ONLY_TECHNIQUE_MIN = 1


def run_checks(model: ThreatModel, kb: KnowledgeBase, rules: RuleSet,
               plot4ai_answers: dict[str, FactState] | None = None) -> list[Finding]:
    """All findings for the model as it stands (after a draft or any user edit)."""
    findings = _integrity(model, kb) + _coverage(model, kb, rules, plot4ai_answers or {}) + _consistency(model, kb)
    return sorted(findings, key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity.value], f.rule_id,
                                           f.threats, f.message))


def _integrity(model: ThreatModel, kb: KnowledgeBase) -> list[Finding]:
    out: list[Finding] = []
    known = kb.known_ids()
    mitigation_ids = {m.id for m in model.mitigations}
    for threat in model.threats:
        bad = [i for i in threat.atlas_techniques + threat.plot4ai_cards + threat.owasp_llm if i not in known]
        bad += [c.passage_id for c in threat.citations if c.passage_id not in known
                and not c.passage_id.startswith("STRIDE-")]
        if bad:
            out.append(Finding(rule_id="CHK-INT-001", severity=Severity.ERROR, threats=[threat.id],
                               message=f"{threat.id} refers to ids that are not in the knowledge base: "
                                       f"{', '.join(sorted(set(bad)))}.",
                               suggested_fix="Remove the unknown ids or use real ATLAS/PLOT4ai/OWASP ids."))
        if not threat.mitigations and threat.status is not ThreatStatus.REJECTED:
            out.append(Finding(rule_id="CHK-INT-002", severity=Severity.WARNING, threats=[threat.id],
                               message=f"{threat.id} “{threat.title}” has no mitigation.",
                               suggested_fix="Add at least one mitigation (use Explain on the threat for ideas)."))
        missing = [m for m in threat.mitigations if m not in mitigation_ids]
        if missing:
            out.append(Finding(rule_id="CHK-INT-003", severity=Severity.ERROR, threats=[threat.id],
                               message=f"{threat.id} lists mitigations missing from the model: {', '.join(missing)}.",
                               suggested_fix="Re-draft, or add the mitigation entries."))
    seen: dict[tuple[frozenset[str], tuple[str, ...]], str] = {}
    for threat in model.threats:
        if not threat.atlas_techniques:
            continue
        key = (frozenset(kb.technique_family(t) for t in threat.atlas_techniques), tuple(threat.affected_assets[:1]))
        if key in seen:
            out.append(Finding(rule_id="CHK-INT-004", severity=Severity.WARNING, threats=[seen[key], threat.id],
                               message=f"{threat.id} duplicates {seen[key]} (same techniques on the same asset).",
                               suggested_fix="Merge them or reject one."))
        else:
            seen[key] = threat.id
    return out


def _coverage(model: ThreatModel, kb: KnowledgeBase, rules: RuleSet,
              answers: dict[str, FactState]) -> list[Finding]:
    out: list[Finding] = []
    keys = {t.key for t in model.threats} | {w.rule_id for t in model.threats for w in t.why_applies if w.rule_id}
    llm_system = is_llm_system(model.profile)
    for fired in rules.fire(model.profile):
        rule = fired.rule
        if rule.level != "required" or rule.id in keys or (rule.threat.llm_only and not llm_system):
            continue
        out.append(Finding(rule_id="CHK-COV-001", severity=Severity.ERROR, facts=[m.path for m in fired.matches],
                           message=f"Required threat missing: {rule.threat.title} (rule {rule.id}).",
                           suggested_fix="Run the rules pass with --fix, or add the threat."))
    left_out = [f.rule for f in rules.fire(model.profile) if f.rule.level == "proposed" and f.rule.id not in keys
                and not (f.rule.threat.llm_only and not llm_system)]
    if left_out:
        titles = "; ".join(f"“{r.threat.title}” ({', '.join(r.threat.atlas[:2]) or r.id})" for r in left_out[:5])
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        out.append(Finding(rule_id="CHK-COV-006", severity=Severity.INFO,
                           message=(f"{len(left_out)} further threat(s) fit your answers but were left out to keep "
                                    f"the model focused: {titles}{more}.")[:2000],
                           suggested_fix="Add any that matter to you with “Add a threat”; the rest stay out."))
    cards = {c for t in model.threats for c in t.plot4ai_cards}
    for card_id, answer in answers.items():
        card = kb.plot_cards.get(card_id)
        if card and answer.value == card.threatif.lower() and card_id not in cards:
            out.append(Finding(rule_id="CHK-COV-002", severity=Severity.WARNING,
                               message=f"Your PLOT4ai answer makes “{card.label}” ({card_id}) a threat, but no "
                                       "threat covers it.", suggested_fix="Re-draft or add a threat citing the card."))
    by_component: dict[str, int] = {}
    for threat in model.threats:
        if threat.status is ThreatStatus.REJECTED:
            continue
        for comp in threat.affected_components:
            by_component[comp] = by_component.get(comp, 0) + 1
    names = {c.id: c.name for c in model.components}
    for flow in model.data_flows:
        if flow.crosses_boundary and not (by_component.get(flow.source) or by_component.get(flow.target)):
            out.append(Finding(rule_id="CHK-COV-003", severity=Severity.WARNING,
                               message=f"Data flow “{flow.label}” "
                                       f"({names.get(flow.source)} → {names.get(flow.target)}) "
                                       "crosses a trust boundary but no threat covers either end.",
                               suggested_fix="Consider spoofing, tampering and disclosure on this flow."))
    covered_assets = {a for t in model.threats if t.status is not ThreatStatus.REJECTED for a in t.affected_assets}
    for asset in model.assets:
        if asset.id not in covered_assets:
            out.append(Finding(rule_id="CHK-COV-004", severity=Severity.INFO,
                               message=f"Asset “{asset.name}” has no threat yet.",
                               suggested_fix="Check whether it needs one, or note why not."))
    live = [t for t in model.threats if t.status is not ThreatStatus.REJECTED]
    categories = card_categories(kb)
    llm_system = is_llm_system(model.profile)
    for named, threats in coverage(live, stated_concerns(model.profile), categories):
        if threats:
            continue
        usual = [r for r in rules.rules if (llm_system or not r.threat.llm_only)
                 and named.concern.covers(r.threat.atlas, r.threat.owasp, r.threat.plot4ai, categories, {r.id})]
        rules_out = [r for r in usual if not evaluate(r.when, model.profile)[0]]
        hint = ""
        if rules_out:
            titles = "; ".join(f"“{r.threat.title}”" for r in rules_out[:2])
            hint = (f" The threats that usually lead there ({titles}) were not drafted because your answers "
                    "rule them out; check those answers.")
        out.append(Finding(rule_id="CHK-COV-005", severity=Severity.WARNING, facts=[OBJECTIVES_PATH],
                           message=(f"You named {named.concern.label} as a worst case (“{named.quote}”), "
                                    f"but no threat in the model covers it.{hint}")[:2000],
                           suggested_fix="Add a threat for it if it can happen to this system, or say in "
                                         "the scope why it cannot."))
    out += _unquoted_details(model, live)
    return out


def _unquoted_details(model: ThreatModel, live: list[Threat]) -> list[Finding]:
    """CHK-COV-007: details the user gave that a reviewer would start from, which no threat quotes."""
    missing = [n for n in model.profile.security_notes if not quoting_threats(n, live)]
    if not missing:
        return []
    shown = "; ".join(f"“{n}” ({label_of(n)})" for n in missing[:6])
    more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
    return [Finding(rule_id="CHK-COV-007", severity=Severity.WARNING,
                    message=(f"You told us details that usually matter for security, but no threat in this draft "
                             f"quotes them: {shown}{more}.")[:2000],
                    suggested_fix="Read each one against the threats: if none covers it, add a threat with "
                                  "“Add a threat” (or say in the scope why it does not matter).")]


def _consistency(model: ThreatModel, kb: KnowledgeBase) -> list[Finding]:
    out: list[Finding] = []
    llm_system = is_llm_system(model.profile)
    for threat in model.threats:
        llm_only = [t for t in threat.atlas_techniques if kb.techniques.get(t) and kb.techniques[t].llm_only]
        if not llm_system and len(llm_only) >= LLM_ONLY_TECHNIQUE_MIN and len(llm_only) == len(threat.atlas_techniques):
            out.append(Finding(rule_id="CHK-CON-001", severity=Severity.WARNING, threats=[threat.id],
                               message=f"{threat.id} is about LLMs, but the system is not recorded as using one.",
                               suggested_fix="Reject it, or correct the facts if the system does use an LLM."))
        for why in threat.why_applies:
            for ref in why.facts:
                if ref.path not in FACT_PATHS or ref.assumed:
                    continue
                now = get_fact(model.profile, ref.path).state
                if now is not ref.state:
                    out.append(Finding(
                        rule_id="CHK-CON-002", severity=Severity.WARNING, threats=[threat.id], facts=[ref.path],
                        message=f"{threat.id} rests on “{fact_description(ref.path)}” = {ref.state.value}, "
                                f"which is now {now.value}.",
                        suggested_fix="Re-draft so the model follows the corrected facts."))
    return out


def fix_missing(model: ThreatModel, kb: KnowledgeBase, rules: RuleSet) -> list[str]:
    """Add the missing required threats, marked as added by the rules pass; returns their ids."""
    present = {t.key for t in model.threats} | {w.rule_id for t in model.threats for w in t.why_applies if w.rule_id}
    llm_system = is_llm_system(model.profile)
    picture = build_system(model.profile)
    added: list[str] = []
    for fired in rules.fire(model.profile):
        rule = fired.rule
        if rule.level != "required" or rule.id in present or (rule.threat.llm_only and not llm_system):
            continue
        _, matches = evaluate(rule.when, model.profile)

        why = WhyApplies(rule_id=rule.id, facts=fact_references(model.profile, matches),
                         explanation=f"Added by the rules pass: {rule.why}")
        threat = _threat(Candidate(rule.id, rule.threat, ThreatOrigin.RULES_PASS, [why], fired.assumed), model.profile,
                         kb, rules, picture.asset_components)
        if model.threat(threat.id) is not None:
            continue
        add_threat_to_model(model, threat, kb)
        added.append(threat_id(rule.id))
    return added
