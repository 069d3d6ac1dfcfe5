"""A deterministic, field-level diff of two threat models, with the causal link where there is one."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from app.model import FACT_PATHS, Threat, ThreatModel, get_fact
from app.model.facts import TEXT_FACT_PATHS, fact_description, get_text_fact


@dataclass
class FactDelta:
    path: str
    old: str
    new: str
    new_quote: str | None = None


@dataclass
class ThreatDelta:
    id: str
    title: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class Cause:
    fact: str
    old: str
    new: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class ModelDiff:
    facts: list[FactDelta] = field(default_factory=list)
    added: list[ThreatDelta] = field(default_factory=list)
    removed: list[ThreatDelta] = field(default_factory=list)
    changed: list[ThreatDelta] = field(default_factory=list)
    findings_opened: list[str] = field(default_factory=list)
    findings_closed: list[str] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.facts or self.added or self.removed or self.changed or self.findings_opened
                    or self.findings_closed)


def _facts(a: ThreatModel, b: ThreatModel) -> list[FactDelta]:
    out: list[FactDelta] = []
    for path in FACT_PATHS:
        old, new = get_fact(a.profile, path), get_fact(b.profile, path)
        if old.state is not new.state:
            quote = new.provenance[-1].quote if new.provenance else None
            out.append(FactDelta(path, old.state.value, new.state.value, quote))
    for path in TEXT_FACT_PATHS:
        old_text, new_text = get_text_fact(a.profile, path).value or "", get_text_fact(b.profile, path).value or ""
        if old_text != new_text:
            out.append(FactDelta(path, old_text[:80], new_text[:80]))
    return out


def _threat_changes(old: Threat, new: Threat) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    if old.dread.score != new.dread.score:
        changes["risk"] = (f"{old.dread.risk.value} {old.dread.score}", f"{new.dread.risk.value} {new.dread.score}")
    if old.status is not new.status:
        changes["status"] = (old.status.value, new.status.value)
    if sorted(old.mitigations) != sorted(new.mitigations):
        changes["mitigations"] = (sorted(old.mitigations), sorted(new.mitigations))
    if sorted(old.atlas_techniques) != sorted(new.atlas_techniques):
        changes["atlas_techniques"] = (sorted(old.atlas_techniques), sorted(new.atlas_techniques))
    if old.title != new.title:
        changes["title"] = (old.title, new.title)
    if old.description != new.description:
        changes["description"] = ("(changed)", "(changed)")
    return changes


def _finding_key(f: Any) -> str:
    return f"{f.rule_id}: {f.message}"


def diff_models(a: ThreatModel, b: ThreatModel) -> ModelDiff:
    """What changed from `a` to `b`: facts, threats (added/removed/changed), findings, and why."""
    result = ModelDiff(facts=_facts(a, b))
    old_threats, new_threats = {t.id: t for t in a.threats}, {t.id: t for t in b.threats}
    result.added = [ThreatDelta(i, new_threats[i].title) for i in sorted(set(new_threats) - set(old_threats))]
    result.removed = [ThreatDelta(i, old_threats[i].title) for i in sorted(set(old_threats) - set(new_threats))]
    for ident in sorted(set(old_threats) & set(new_threats)):
        changes = _threat_changes(old_threats[ident], new_threats[ident])
        if changes:
            result.changed.append(ThreatDelta(ident, new_threats[ident].title, changes))
    old_findings = {_finding_key(f) for f in a.findings}
    new_findings = {_finding_key(f) for f in b.findings}
    result.findings_opened = sorted(new_findings - old_findings)
    result.findings_closed = sorted(old_findings - new_findings)
    changed_facts = {d.path: d for d in result.facts}
    for delta in result.facts:
        cause = Cause(delta.path, delta.old, delta.new)
        cause.added = [t.id for t in result.added if delta.path in _fact_paths(new_threats[t.id])]
        cause.removed = [t.id for t in result.removed if delta.path in _fact_paths(old_threats[t.id])]
        if cause.added or cause.removed:
            result.causes.append(cause)
    del changed_facts
    return result


def _fact_paths(threat: Threat) -> set[str]:
    return {ref.path for why in threat.why_applies for ref in why.facts}


def to_text(d: ModelDiff, titles: dict[str, str] | None = None) -> str:
    if d.empty:
        return "No differences.\n"
    lines: list[str] = []
    for f in d.facts:
        quote = f" (“{f.new_quote}”)" if f.new_quote else ""
        lines.append(f"fact {f.path}: {f.old} -> {f.new}{quote}")
    for t in d.added:
        lines.append(f"+ threat {t.id}: {t.title}")
    for t in d.removed:
        lines.append(f"- threat {t.id}: {t.title}")
    for t in d.changed:
        for name, (old, new) in t.changes.items():
            lines.append(f"~ threat {t.id} {name}: {old} -> {new}")
    lines += [f"+ finding {f}" for f in d.findings_opened]
    lines += [f"- finding {f}" for f in d.findings_closed]
    for c in d.causes:
        lines.append(_cause_sentence(c, titles or {}))
    return "\n".join(lines) + "\n"


def _cause_sentence(c: Cause, titles: dict[str, str]) -> str:
    label = fact_description(c.fact).rstrip(".") if c.fact in FACT_PATHS else c.fact
    parts = []
    if c.added:
        parts.append(f"+{len(c.added)} threats: " + ", ".join(titles.get(i, i) for i in c.added))
    if c.removed:
        parts.append(f"-{len(c.removed)} threats: " + ", ".join(titles.get(i, i) for i in c.removed))
    return f"because “{label}” changed {c.old} → {c.new}: " + "; ".join(parts)


def to_markdown(d: ModelDiff, titles: dict[str, str] | None = None) -> str:
    if d.empty:
        return "_No differences._\n"
    out = []
    if d.causes:
        out += ["**Why it changed**", ""] + [f"- {_cause_sentence(c, titles or {})}" for c in d.causes] + [""]
    if d.facts:
        out += ["**Facts**", ""] + [f"- `{f.path}`: {f.old} → **{f.new}**" for f in d.facts] + [""]
    if d.added or d.removed or d.changed:
        out += ["**Threats**", ""]
        out += [f"- ➕ {t.id} {t.title}" for t in d.added]
        out += [f"- ➖ {t.id} {t.title}" for t in d.removed]
        out += [f"- ✏️ {t.id} {name}: {old} → {new}" for t in d.changed for name, (old, new) in t.changes.items()]
        out.append("")
    if d.findings_opened or d.findings_closed:
        out += ["**Findings**", ""] + [f"- opened: {f}" for f in d.findings_opened]
        out += [f"- closed: {f}" for f in d.findings_closed]
    return "\n".join(out).rstrip() + "\n"


def to_json(d: ModelDiff) -> str:
    return json.dumps(asdict(d), indent=2, default=list) + "\n"
