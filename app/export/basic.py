"""JSON (lossless), Markdown report and CSV of threats."""

from __future__ import annotations

import csv
import io
import re

from app.model import FactState, ThreatModel, ThreatStatus
from app.model.facts import FACT_PATHS, TEXT_FACT_PATHS, fact_description, get_fact, get_text_fact
from app.wording import mid_sentence

LICENSES = {
    "MITRE ATLAS": "Apache-2.0",
    "PLOT4ai": "CC BY-SA 4.0",
    "OWASP Top 10 for LLM Applications": "CC BY-SA 4.0",
    "ThreatScribe": "Apache-2.0",
}


def to_json(model: ThreatModel) -> str:
    """The model as JSON; `ThreatModel.model_validate_json` reads it back unchanged."""
    return model.model_dump_json(indent=2) + "\n"


ENTITY_START = re.compile(r"&(?=#?\w+;)")


def _md_text(text: str) -> str:
    """User or LLM text made inert in Markdown: no raw HTML, no table breaks."""
    # "&" stays readable ("C&C", "Safety & Design") unless it would start an entity such as "&lt;"
    text = ENTITY_START.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").strip()


def _one_line(text: str) -> str:
    return " ".join(_md_text(text).split())


def to_markdown(model: ThreatModel, diagram: str | None = None) -> str:
    """A report following the method: scope, assets, diagram, threats by risk, mitigations, findings."""
    out: list[str] = [f"# {_one_line(model.title)}", ""]
    kb = ", ".join(f"{k} {v}" for k, v in sorted(model.kb_versions.items()))
    out += [
        f"*System:* {_one_line(model.profile.name)}  ",
        f"*Updated:* {model.updated_at.isoformat()} · *Schema:* {model.schema_version} · *Knowledge base:* {kb}",
        "",
    ]
    out += _scope_section(model)
    out += ["## 2. Assets", ""]
    if model.assets:
        out += ["| Asset | Kind | Why it matters |", "|---|---|---|"]
        out += [f"| {_one_line(a.name)} | {a.kind.value} | {_one_line(a.description)} |" for a in model.assets]
    else:
        out.append("_No assets recorded yet._")
    out += ["", "## 3. Data-flow diagram", ""]
    if diagram:
        out += ["```mermaid", diagram.rstrip(), "```"]
    else:
        out.append("_Diagram: render the components and data flows (see the Mermaid/DOT exports)._")
    out += ["", "## 4. Threats by risk", ""]
    out += _threat_section(model)
    out += ["## 5. Mitigations", ""]
    if model.mitigations:
        for mit in model.mitigations:
            out.append(f"### {mit.id} — {_one_line(mit.title)}")
            out.append("")
            if mit.description:
                out += [_md_text(mit.description), ""]
            out += [f"{i}. {_one_line(step)}" for i, step in enumerate(mit.how_to, 1)]
            if mit.threats:
                out += ["", f"Reduces: {', '.join(mit.threats)}"]
            out.append("")
    else:
        out += ["_No mitigations yet._", ""]
    out += ["## 6. Findings of the rules pass", ""]
    if model.findings:
        out += ["| Rule | Severity | Finding | Suggested fix |", "|---|---|---|---|"]
        out += [
            f"| {f.rule_id} | {f.severity.value} | {_one_line(f.message)} | {_one_line(f.suggested_fix)} |"
            for f in model.findings
        ]
    else:
        out.append("_No findings._")
    out += ["", "## 7. Assumptions and open questions", ""]
    if not model.assumptions and not model.open_questions:
        out.append("_None._")
    for assumption in model.assumptions:
        out.append(f"- **Assumed:** {_one_line(assumption.statement)} — *to settle:* {_one_line(assumption.question)}")
    for question in model.open_questions:
        out.append(f"- **Open:** {_open_question(question.question, question.facts)}")
    out += ["", "## 8. Sources and licences", ""]
    out += _sources_section(model)
    return "\n".join(out).rstrip() + "\n"


def _open_question(text: str, facts: list[str]) -> str:
    """The question's lead (without its list of examples) and the facts it would still settle."""
    head = _one_line(text.split(" (", 1)[0]) if len(text) > 120 else _one_line(text)
    known = [fact_description(p).rstrip(".") for p in facts if p in FACT_PATHS]
    if not known:
        return head
    shown = "; ".join(mid_sentence(k) for k in known[:5]) + ("; …" if len(known) > 5 else "")
    return f"{head} — *still unknown:* {_one_line(shown)}"


def _scope_section(model: ThreatModel) -> list[str]:
    profile = model.profile
    out = ["## 1. Scope and objectives", ""]
    for path in TEXT_FACT_PATHS:
        fact = get_text_fact(profile, path)
        if fact.value:
            label = path.split(".", 1)[1].replace("_", " ").capitalize()
            out.append(f"- **{label}:** {_one_line(fact.value)}")
    out += _worst_cases(model)
    out += _security_details(model)
    known = [p for p in FACT_PATHS if get_fact(profile, p).state is not FactState.UNKNOWN]
    yes = [p for p in known if get_fact(profile, p).state is FactState.YES]
    no = [p for p in known if get_fact(profile, p).state is FactState.NO]
    out.append(f"- **Facts known:** {len(known)} of {len(FACT_PATHS)} ({len(yes)} yes, {len(no)} no)")
    if yes:
        out.append(f"- **Yes:** {', '.join(f'`{p}`' for p in yes)}")
    if no:
        out.append(f"- **No:** {', '.join(f'`{p}`' for p in no)}")
    out.append("")
    return out


def _security_details(model: ThreatModel) -> list[str]:
    """The details from the user's answers a reviewer would start from, with the threats that quote them."""
    from app.interview.details import label_of, quoting_threats

    live = [t for t in model.threats_by_risk() if t.status is not ThreatStatus.REJECTED]
    out = []
    for note in model.profile.security_notes:
        quoting = [t.id for t in quoting_threats(note, live)]
        where = (", ".join(quoting[:4]) + (f" and {len(quoting) - 4} more" if len(quoting) > 4 else "")
                 if quoting else "no threat quotes it yet")
        out.append(f"- **Detail you gave ({label_of(note)}):** “{_one_line(note)}” — {where}")
    return out


def _worst_cases(model: ThreatModel) -> list[str]:
    """Each worst case the user named, with the threats that could lead there."""
    from app.concerns import card_categories, coverage, stated_concerns
    from app.kb.service import get_kb

    named = stated_concerns(model.profile)
    if not named:
        return []
    live = [t for t in model.threats_by_risk() if t.status is not ThreatStatus.REJECTED]
    out = []
    for concern, threats in coverage(live, named, card_categories(get_kb())):
        ids = ", ".join(t.id for t in threats[:8]) + (f" and {len(threats) - 8} more" if len(threats) > 8 else "")
        out.append(f"- **Worst case — {concern.concern.label}:** "
                   + (f"covered by {ids}" if threats else "no threat covers it yet"))
    return out


def _threat_section(model: ThreatModel) -> list[str]:
    if not model.threats:
        return ["_No threats drafted yet._", ""]
    out = ["| Risk | Id | Threat | STRIDE | ATLAS | Status |", "|---|---|---|---|---|---|"]
    for t in model.threats_by_risk():
        stride = ", ".join(s.value for s in t.stride)
        out.append(
            f"| {t.dread.risk.value} ({t.dread.score}) | {t.id} | {_one_line(t.title)} | {stride} | "
            f"{', '.join(t.atlas_techniques) or '—'} | {t.status.value} |"
        )
    out.append("")
    for t in model.threats_by_risk():
        out += [f"### {t.id} — {_one_line(t.title)}", ""]
        if t.description:
            out += [_md_text(t.description), ""]
        refs = t.atlas_techniques + t.plot4ai_cards + t.owasp_llm
        out.append(f"- **References:** {', '.join(refs) or '—'}")
        d = t.dread
        out.append(
            f"- **DREAD:** damage {d.damage}, reproducibility {d.reproducibility}, exploitability "
            f"{d.exploitability}, affected users {d.affected_users}, discoverability {d.discoverability} "
            f"→ {d.score} ({d.risk.value})"
        )
        out += [f"  - {_one_line(adj.reason)}{_delta(adj.dimension, adj.delta)}" for adj in d.adjustments]
        for why in t.why_applies:
            if why.explanation:
                out.append(f"- **Why it applies:** {_one_line(why.explanation)}")
            for ref in why.facts:
                quote = f" — “{_one_line(ref.quote)}”" if ref.quote else ""
                assumed = " (assumed)" if ref.assumed else ""
                out.append(f"  - `{ref.path}` = {ref.state.value}{assumed}{quote}")
        if t.mitigations:
            out.append(f"- **Mitigations:** {', '.join(t.mitigations)}")
        if t.citations:
            cites = "; ".join(f"{c.passage_id} {_one_line(c.title)} ({c.source})" for c in t.citations)
            out.append(f"- **Sources:** {cites}")
        if t.status_reason:
            out.append(f"- **Decision:** {t.status.value} — {_one_line(t.status_reason)}")
        out.append("")
    return out


def _sources_section(model: ThreatModel) -> list[str]:
    used = {c.source for t in model.threats for c in t.citations}
    used |= {"MITRE ATLAS"} if any(t.atlas_techniques for t in model.threats) else set()
    used |= {"PLOT4ai"} if any(t.plot4ai_cards for t in model.threats) else set()
    used |= {"OWASP Top 10 for LLM Applications"} if any(t.owasp_llm for t in model.threats) else set()
    out = ["| Source | Version | Licence |", "|---|---|---|"]
    versions = {
        "MITRE ATLAS": model.kb_versions.get("atlas", ""),
        "PLOT4ai": model.kb_versions.get("plot4ai", ""),
        "OWASP Top 10 for LLM Applications": model.kb_versions.get("owasp_llm", ""),
    }
    for source in sorted(used | {"ThreatScribe"}):
        out.append(f"| {source} | {versions.get(source, '—')} | {LICENSES.get(source, '—')} |")
    out += [
        "",
        "Descriptions are ThreatScribe's own words. MITRE ATLAS ids and names © MITRE (Apache-2.0); "
        "PLOT4ai cards adapted under CC BY-SA 4.0.",
    ]
    return out


CSV_COLUMNS = [
    "id", "title", "risk", "score", "stride", "atlas_techniques", "plot4ai_cards", "owasp_llm",
    "maestro_layer", "damage", "reproducibility", "exploitability", "affected_users", "discoverability",
    "mitigations", "status", "origin", "assumption", "description",
]


def _csv_cell(text: str) -> str:
    # Spreadsheets run cells starting with = + - @ as formulas; quote them (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(model: ThreatModel) -> str:
    """One row per threat, sorted by risk; list cells joined with '; '."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for t in model.threats_by_risk():
        writer.writerow({
            "id": t.id,
            "title": _csv_cell(t.title),
            "risk": t.dread.risk.value,
            "score": t.dread.score,
            "stride": "; ".join(s.value for s in t.stride),
            "atlas_techniques": "; ".join(t.atlas_techniques),
            "plot4ai_cards": "; ".join(t.plot4ai_cards),
            "owasp_llm": "; ".join(t.owasp_llm),
            "maestro_layer": t.maestro_layer.value if t.maestro_layer else "",
            "damage": t.dread.damage,
            "reproducibility": t.dread.reproducibility,
            "exploitability": t.dread.exploitability,
            "affected_users": t.dread.affected_users,
            "discoverability": t.dread.discoverability,
            "mitigations": "; ".join(t.mitigations),
            "status": t.status.value,
            "origin": t.origin.value,
            "assumption": "yes" if t.assumption else "no",
            "description": _csv_cell(" ".join(t.description.split())),
        })
    return buffer.getvalue()


def _delta(dimension: str, delta: int) -> str:
    """' (damage +2)'; nothing for a note that moved no score."""
    return f" ({dimension} {delta:+d})" if delta else ""
