"""Explanations on demand, grounded in the knowledge base with citations.

Offline, the answer is composed from our knowledge entries: what it is, why it matters for this
system's facts, how to reduce it step by step, and a real case where it happened. With an LLM,
the same retrieved passages are handed to the model, which must cite them (see app/llm_tasks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.kb.loader import KnowledgeBase
from app.kb.passages import Passage
from app.model import FACT_PATHS, FactState, Mitigation, SystemProfile, Threat, ThreatModel, get_fact
from app.model.facts import best_evidence, fact_description
from app.wording import mid_sentence

if TYPE_CHECKING:
    from app.kb.index import KnowledgeIndex

ID_IN_TEXT = re.compile(r"\b(AML\.T\d{4}(?:\.\d{3})?|AML\.M\d{4}|AML\.CS\d{4}|LLM(?:0[1-9]|10)|P4AI-[A-Z]{3}-\d{2}|"
                        r"T-[A-Z0-9.-]+)\b", re.IGNORECASE)
MITIGATION_WORDS = re.compile(r"\b(how (?:do|can|should) (?:i|we)|how to|mitigat|reduce|prevent|protect|defend|fix|"
                              r"implement|set up|stop|against|helps?|enough|worth doing)\b", re.IGNORECASE)
PRIORITY_QUESTION = re.compile(
    r"\b(?:(?:do|fix|tackle|address|start with|work on|handle) first|where (?:do|should|can) (?:we|i) (?:start|begin)|"
    r"(?:most|more) (?:important|urgent|pressing|serious|critical)|top (?:\d+ )?(?:risks?|threats?|priorit\w+)|"
    r"priorit\w+|biggest (?:risks?|threats?|problems?|worr\w+)|worst (?:risks?|threats?)|what matters most)\b",
    re.IGNORECASE)
PRIORITIES = 3


@dataclass
class Source:
    id: str
    title: str
    source: str
    license: str


@dataclass
class Explanation:
    question: str
    text: str
    sources: list[Source] = field(default_factory=list)
    found: bool = True

    def with_sources(self) -> str:
        if not self.sources:
            return self.text
        lines = [f"- {s.id} — {s.title} ({s.source}, {s.license})" for s in self.sources]
        return self.text + "\n\n**Sources**\n" + "\n".join(lines)


def resolve_target(question: str, kb: KnowledgeBase, index: KnowledgeIndex | None,
                   model: ThreatModel | None = None) -> list[str]:
    """The knowledge-base ids the question is about: named ids first, then search."""
    ids: list[str] = []
    for raw in ID_IN_TEXT.findall(question):
        ident = raw.upper()
        if ident.startswith("T-") and model is not None:
            threat = model.threat(ident)
            if threat:
                ids += threat.atlas_techniques[:1] or threat.plot4ai_cards[:1] or threat.owasp_llm[:1]
        elif kb.exists(ident):
            ids.append(ident)
    if ids or index is None:
        return list(dict.fromkeys(ids))
    from app.kb.index import SearchFilter

    kinds = ("mitigation", "technique", "owasp_llm") if MITIGATION_WORDS.search(question) else (
        "technique", "owasp_llm", "mitigation", "plot4ai_card", "method_case")
    results: list[Passage] = index.search(question, k=5, flt=SearchFilter(kinds=kinds))
    preferred = kinds[:2]  # a named threat or defence beats a card that merely mentions it
    best = next((p for p in results[:3] if p.kind in preferred), results[0] if results else None)
    return [best.id] if best else []


def explain(question: str, kb: KnowledgeBase, index: KnowledgeIndex | None = None,
            profile: SystemProfile | None = None, model: ThreatModel | None = None) -> Explanation:
    """A grounded explanation of a threat, mitigation, card, OWASP entry or case study."""
    question = " ".join((question or "").split())[:1000]
    if not question:
        return Explanation(question, "Ask me about a threat or a defence, e.g. “why is prompt injection a risk "
                                     "for us?” or “what is AML.T0020?”.", found=False)
    profile = profile or (model.profile if model else None)
    if PRIORITY_QUESTION.search(question) and not ID_IN_TEXT.search(question):
        return _priorities(question, kb, model)
    named_threat = _named_threat(question, model)
    if named_threat is not None and not (named_threat.atlas_techniques or named_threat.plot4ai_cards
                                         or named_threat.owasp_llm):
        return Explanation(question, _in_your_model(named_threat, model), [])
    targets = resolve_target(question, kb, index, model)
    if named_threat is not None and targets:
        inner = explain(re.sub(re.escape(named_threat.id), targets[0], question, flags=re.IGNORECASE), kb, index,
                        profile, None)
        text = _in_your_model(named_threat, model) + "\n\n" + inner.text
        return Explanation(question, text, inner.sources, found=inner.found)
    if not targets:
        return Explanation(question, "I couldn't find that in the knowledge base (MITRE ATLAS, PLOT4ai, OWASP Top 10 "
                                     "for LLM applications). Try naming the threat or defence differently.",
                           found=False)
    target = targets[0]
    if target in kb.techniques:
        return _technique(question, target, kb, profile)
    if target in kb.mitigations:
        return _mitigation(question, target, kb, profile, model)
    if target in kb.owasp:
        return _owasp(question, target, kb)
    if target in kb.plot_cards:
        return _card(question, target, kb)
    if target in kb.case_studies:
        cs = kb.case_studies[target]
        text = f"**{cs.name}** ({cs.type}, {cs.date})\n\n{cs.prose.story if cs.prose else ''}\n\n" \
               f"**Lesson:** {cs.prose.lesson if cs.prose else ''}"
        return Explanation(question, text, [Source(cs.id, cs.name, "MITRE ATLAS", "Apache-2.0")])
    if target in kb.method_cases:
        case = kb.method_cases[target]
        return Explanation(question, f"**{case.name}**\n\n{case.story}\n\n**Lesson:** {case.lesson}",
                           [Source(case.id, case.name, "ThreatScribe", "Apache-2.0")])
    if target in kb.tactics:
        tactic = kb.tactics[target]
        return Explanation(question, f"**{tactic.name}** — {tactic.prose.summary if tactic.prose else ''}",
                           [Source(tactic.id, tactic.name, "MITRE ATLAS", "Apache-2.0")])
    return Explanation(question, "I couldn't find that in the knowledge base.", found=False)


def _named_threat(question: str, model: ThreatModel | None) -> Threat | None:
    """The model's threat a question names by its id ("why is T-MA-EVASION a risk?"), if any."""
    if model is None:
        return None
    for raw in ID_IN_TEXT.findall(question):
        threat = model.threat(raw.upper()) if raw.upper().startswith("T-") else None
        if threat is not None:
            return threat
    return None


def _in_your_model(threat: Threat, model: ThreatModel | None) -> str:
    """Why this threat is in the user's model and why it ranks where it does, from the model itself."""
    rank = ""
    if model is not None:
        order = [t.id for t in model.threats_by_risk()]
        rank = f", {order.index(threat.id) + 1} of {len(order)} by risk" if threat.id in order else ""
    parts = [f"**In your model: {threat.title}** ({threat.id}; {threat.dread.risk.value}, "
             f"{threat.dread.score:.1f}{rank}; {threat.status.value})"]
    reasons: list[str] = []
    for why in threat.why_applies:
        said = "; ".join(dict.fromkeys(f"“{ref.quote.rstrip('. ')}”" for ref in why.facts
                                       if ref.quote and not ref.assumed))[:600]
        assumed = [ref.path for ref in why.facts if ref.assumed]
        line = why.explanation or ""
        if said:
            line += f" You told us: {said}."
        if assumed:
            line += f" Assumed until you answer: {', '.join(fact_description(p).rstrip('.') for p in assumed)}."
        if line.strip():
            reasons.append(line.strip())
    if reasons:
        parts.append("**Why it applies.** " + " ".join(reasons))
    d = threat.dread
    risk = (f"**Why it ranks here.** Damage {d.damage}, reproducibility {d.reproducibility}, exploitability "
            f"{d.exploitability}, affected users {d.affected_users}, discoverability {d.discoverability}.")
    if d.adjustments:
        risk += " Adjusted for your system: " + " ".join(
            f"{a.reason} ({a.dimension} {a.delta:+d})" if a.delta else a.reason for a in d.adjustments)
    parts.append(risk)
    return "\n\n".join(parts)


def _system_reasons(signs: list[str], profile: SystemProfile | None) -> list[str]:
    if profile is None:
        return []
    reasons: list[str] = []
    for sign in signs:
        path, _, wanted = sign.partition("=")
        if path not in FACT_PATHS:
            continue
        fact = get_fact(profile, path)
        if fact.state.value != wanted or fact.state is FactState.UNKNOWN:
            continue
        label = fact_description(path).rstrip(".")
        if fact.state is FactState.NO:
            label = f"not: {mid_sentence(label)}"
        evidence = best_evidence(fact.provenance)
        quote = f" — you said “{evidence.quote}”" if evidence else ""
        reasons.append(f"{label}{quote}")
    return reasons


def _technique(question: str, ident: str, kb: KnowledgeBase, profile: SystemProfile | None) -> Explanation:
    tech = kb.techniques[ident]
    prose = tech.prose
    name = tech.name if not tech.parent else f"{kb.techniques[tech.parent].name}: {tech.name}"
    parts = [f"**{name}** ({ident})"]
    sources = [Source(ident, name, "MITRE ATLAS", "Apache-2.0")]
    if prose:
        parts.append(f"**What it is.** {prose.summary}")
        reasons = _system_reasons(prose.signs, profile)
        why = prose.for_you
        if reasons:
            why += " In your system: " + "; ".join(reasons) + "."
        parts.append(f"**Why it matters for you.** {why}")
        if prose.sounds_like:
            said = " · ".join(f"“{sentence}”" for sentence in prose.sounds_like[:3])
            parts.append(f"**How teams describe it in their own words.** {said}")
    mitigations = sorted(set(tech.mitigations) | set(kb.techniques[tech.parent].mitigations if tech.parent else []))
    steps: list[str] = []
    for mit_id in mitigations[:2]:
        mit = kb.mitigations[mit_id]
        sources.append(Source(mit_id, mit.name, "MITRE ATLAS", "Apache-2.0"))
        if mit.prose:
            steps += [f"{step} ({mit_id} {mit.name})" for step in mit.prose.how_to[:3]]
    if not steps:
        for card in kb.plot_cards.values():
            if card.prose and ident in card.prose.related_atlas:
                steps += [f"{r} ({card.id})" for r in card.prose.recommendations[:3]]
                sources.append(Source(card.id, card.label, "PLOT4ai", "CC BY-SA 4.0"))
                break
    if steps:
        parts.append("**How to reduce it.**\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))
    studies = sorted(tech.case_studies, key=lambda c: (kb.case_studies[c].type != "incident", c))
    if studies:
        cs = kb.case_studies[studies[0]]
        if cs.prose:
            parts.append(f"**This happened before — {cs.name}.** {cs.prose.story}")
            sources.append(Source(cs.id, cs.name, "MITRE ATLAS", "Apache-2.0"))
    for owasp_id in prose.owasp_llm if prose else []:
        if owasp_id in kb.owasp:
            sources.append(Source(owasp_id, kb.owasp[owasp_id].name, "OWASP Top 10 for LLM Applications",
                                  "CC BY-SA 4.0"))
    return Explanation(question, "\n\n".join(parts), sources)


def _mitigation(question: str, ident: str, kb: KnowledgeBase, profile: SystemProfile | None,
                model: ThreatModel | None = None) -> Explanation:
    mit = kb.mitigations[ident]
    parts = [f"**{mit.name}** ({ident}, {mit.category})"]
    if mit.prose:
        parts.append(f"**What it is.** {mit.prose.summary}")
        parts.append("**How to do it.**\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(mit.prose.how_to, 1)))
    against = [kb.techniques[t].name for t in mit.techniques[:6] if t in kb.techniques]
    if against:
        parts.append("**What it protects against.** " + ", ".join(against) + ".")
    mine = next((m for m in model.mitigations if m.id == ident), None) if model else None
    if model is not None and mine is not None and mine.threats:
        titles = {t.id: t.title for t in model.threats}
        listed = "; ".join(f"{titles.get(t, t)} ({t})" for t in mine.threats[:6])
        parts.append(f"**In your threat model it answers.** {listed}.")
    return Explanation(question, "\n\n".join(parts), [Source(ident, mit.name, "MITRE ATLAS", "Apache-2.0")])


def _first_step(threat: Threat, mitigations: list[Mitigation], kb: KnowledgeBase) -> tuple[Mitigation, str] | None:
    """The first thing to do about a threat: its first PLOT4ai card's first advice when it has one (rules pick
    cards for the very threat, most fitting first), else among the opening steps of its ATLAS mitigations
    the one sharing most words with the threat, per word of the step; ties go to the first listed."""
    from app.kb.bm25 import tokenize

    cards = [m for m in mitigations if m.id.startswith("P4AI-") and m.how_to]
    if cards:
        return cards[0], cards[0].how_to[0]
    about = set(tokenize(" ".join([threat.title, threat.description,
                                   *(kb.techniques[t].name for t in threat.atlas_techniques if t in kb.techniques)])))
    best: tuple[float, int, int] | None = None
    choice: tuple[Mitigation, str] | None = None
    for m_rank, mit in enumerate(mitigations):
        for s_rank, text in enumerate(mit.how_to[:2]):  # a mitigation's opening steps are its main actions
            words = set(tokenize(text))
            key = (-len(about & words) / max(1.0, len(words)) ** 0.5, m_rank, s_rank)
            if best is None or key < best:
                best, choice = key, (mit, text)
    return choice


def _mitigation_source(ident: str, title: str) -> Source:
    if ident.startswith("P4AI-"):
        return Source(ident, title, "PLOT4ai (adapted)", "CC BY-SA 4.0")
    if ident.startswith("AML."):
        return Source(ident, title, "MITRE ATLAS", "Apache-2.0")
    return Source(ident, title, "ThreatScribe", "Apache-2.0")


def _priorities(question: str, kb: KnowledgeBase, model: ThreatModel | None) -> Explanation:
    """'What should we fix first?': the riskiest open threats of this model, each with its first step."""
    if model is None or not model.threats:
        return Explanation(question, "Once there is a draft I can rank what to fix first: say “draft” (or press "
                                     "Draft now), then ask again.", found=False)
    open_threats = [t for t in model.threats if t.status.value not in ("mitigated", "rejected")]
    ranked = sorted(open_threats, key=lambda t: (-t.dread.score, t.assumption, t.id))[:PRIORITIES]
    if not ranked:
        return Explanation(question, "Every threat in this model is already marked mitigated or rejected.",
                           found=False)
    mitigations = {m.id: m for m in model.mitigations}
    parts = [f"By risk (DREAD), the {len(ranked)} open threats to work on first:"]
    sources: list[Source] = []
    for n, threat in enumerate(ranked, 1):
        line = f"{n}. **{threat.title}** ({threat.id}, {threat.dread.risk.value}, {threat.dread.score:.1f})"
        reason = next((w.explanation for w in threat.why_applies if w.explanation), "")
        if reason:
            line += f" — {reason}"
        if threat.assumption:
            line += " _(rests on an answer you have not given yet: settling it may lower the risk)_"
        step = _first_step(threat, [mitigations[m] for m in threat.mitigations if m in mitigations], kb)
        if step is not None:
            mit, text = step
            line += f"\n   Start with: {text} ({mit.id} {mit.title})"
            sources.append(_mitigation_source(mit.id, mit.title))
        parts.append(line)
        sources += [Source(t, kb.techniques[t].name, "MITRE ATLAS", "Apache-2.0")
                    for t in threat.atlas_techniques[:1] if t in kb.techniques]
    parts.append("Ask “why is T-… a risk for us?” for any of them, or about a mitigation for every step.")
    unique = list({s.id: s for s in sources}.values())
    return Explanation(question, "\n\n".join(parts), unique)


def _owasp(question: str, ident: str, kb: KnowledgeBase) -> Explanation:
    entry = kb.owasp[ident]
    parts = [f"**{ident} {entry.name}**", f"**What it is.** {entry.summary}",
             f"**Why it matters for you.** {entry.for_you}",
             "**How to reduce it.**\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(entry.how_to, 1))]
    sources = [Source(ident, entry.name, "OWASP Top 10 for LLM Applications", "CC BY-SA 4.0")]
    sources += [Source(t, kb.techniques[t].name, "MITRE ATLAS", "Apache-2.0") for t in entry.related_atlas[:3]]
    return Explanation(question, "\n\n".join(parts), sources)


def _card(question: str, ident: str, kb: KnowledgeBase) -> Explanation:
    card = kb.plot_cards[ident]
    prose = card.prose
    parts = [f"**{card.label}** ({ident}, PLOT4ai — {card.category})"]
    if prose:
        parts += [f"**The question to ask yourself.** {prose.question} (a “{card.threatif}” means it applies)",
                  f"**What can go wrong.** {prose.summary}",
                  "**What to do.**\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(prose.recommendations, 1))]
    return Explanation(question, "\n\n".join(parts), [Source(ident, card.label, "PLOT4ai (adapted)", "CC BY-SA 4.0")])
